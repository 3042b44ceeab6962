#!/bin/sh
# Regenerate expected/ for the golden case dd-example-4870-rectangles with the peer (panoptes_aggregation 5.3.1).
# Same steps as case.yaml. Usage: sh make_golden.sh   (PEER=/path/to/panoptes_aggregation to override)
set -e
cd "$(dirname "$0")"
PEER="${PEER:-/tmp/peer/bin/panoptes_aggregation}"
rm -rf expected
mkdir expected
"$PEER" extract classifications.csv Extractor_config_workflow_4870_V45.58_rectangles.yaml -o extractions -d expected -hb
"$PEER" reduce expected/shape_extractor_rectangle_extractions.csv Reducer_config_workflow_4870_V45.58_shape_extractor_rectangle.yaml -o reductions -d expected -hb
"$PEER" reduce expected/shape_extractor_rectangle_extractions.csv Reducer_config_workflow_4870_V45.58_shape_extractor_rectangle_iou.yaml -o reductions_iou -d expected -hb
