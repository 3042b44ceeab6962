#!/bin/sh
# Regenerate expected/ for the golden case dd-fossil-points with the peer (panoptes_aggregation 5.3.1).
# Same steps as case.yaml. Usage: sh make_golden.sh   (PEER=/path/to/panoptes_aggregation to override)
set -e
cd "$(dirname "$0")"
PEER="${PEER:-/tmp/peer/bin/panoptes_aggregation}"
rm -rf expected
mkdir expected
"$PEER" extract classifications.csv Extractor_config_points.yaml -o extractions -d expected -hb
"$PEER" reduce expected/point_extractor_by_frame_extractions.csv Reducer_config_point_dbscan.yaml -o reductions -d expected -hb
"$PEER" reduce expected/point_extractor_by_frame_extractions.csv Reducer_config_point_hdbscan.yaml -o reductions -d expected -hb
"$PEER" reduce expected/shape_extractor_point_extractions.csv Reducer_config_shape_point.yaml -o reductions -d expected -hb
