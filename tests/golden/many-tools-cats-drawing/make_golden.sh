#!/bin/sh
# Regenerate expected/ for the golden case many-tools-cats-drawing with the peer (panoptes_aggregation 5.3.1).
# Same steps as case.yaml. Usage: sh make_golden.sh   (PEER=/path/to/panoptes_aggregation to override)
set -e
cd "$(dirname "$0")"
PEER="${PEER:-/tmp/peer/bin/panoptes_aggregation}"
rm -rf expected
mkdir expected
"$PEER" extract classifications.csv Extractor_config_drawing.yaml -o extractions -d expected -hb
"$PEER" reduce expected/point_extractor_by_frame_extractions.csv Reducer_config_point_dbscan.yaml -o reductions -d expected -hb
"$PEER" reduce expected/point_extractor_by_frame_extractions.csv Reducer_config_point_hdbscan.yaml -o reductions -d expected -hb
"$PEER" reduce expected/point_extractor_extractions.csv Reducer_config_point.yaml -o reductions -d expected -hb
"$PEER" reduce expected/shape_extractor_circle_extractions.csv Reducer_config_circle_dbscan.yaml -o circle -d expected -hb
"$PEER" reduce expected/shape_extractor_circle_extractions.csv Reducer_config_circle_iou.yaml -o circle_iou -d expected -hb
"$PEER" reduce expected/shape_extractor_rectangle_extractions.csv Reducer_config_rectangle_dbscan.yaml -o rectangle -d expected -hb
"$PEER" reduce expected/shape_extractor_rectangle_extractions.csv Reducer_config_rectangle_iou.yaml -o rectangle_iou -d expected -hb
"$PEER" reduce expected/shape_extractor_rectangle_extractions.csv Reducer_config_rectangle_iou_estimate.yaml -o rectangle_iou_estimate -d expected -hb
"$PEER" reduce expected/shape_extractor_rectangle_extractions.csv Reducer_config_rectangle_hdbscan.yaml -o rectangle -d expected -hb
"$PEER" reduce expected/shape_extractor_rectangle_extractions.csv Reducer_config_rectangle_optics.yaml -o rectangle -d expected -hb
"$PEER" reduce expected/rectangle_extractor_extractions.csv Reducer_config_rectangle_reducer.yaml -o reductions -d expected -hb
