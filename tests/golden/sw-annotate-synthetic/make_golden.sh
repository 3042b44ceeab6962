#!/bin/sh
# Regenerate expected/ for the golden case sw-annotate-synthetic with the peer (panoptes_aggregation 5.3.1).
# Same steps as case.yaml. Usage: sh make_golden.sh   (PEER=/path/to/panoptes_aggregation to override)
set -e
cd "$(dirname "$0")"
PEER="${PEER:-/tmp/peer/bin/panoptes_aggregation}"
rm -rf expected
mkdir expected
"$PEER" config workflows.csv 201 -d expected
"$PEER" config workflows.csv 202 -d expected
"$PEER" extract classifications.csv Extractor_config_workflow_201_V3.4.yaml -o extractions -d expected -hb
"$PEER" extract classifications.csv Extractor_config_workflow_201_V3.4_variants.yaml -o extractions -d expected -hb
"$PEER" reduce expected/sw_extractor_extractions.csv Reducer_config_workflow_201_V3.4_sw_extractor.yaml -o reductions -d expected -hb
"$PEER" reduce expected/sw_graphic_extractor_extractions.csv Reducer_config_workflow_201_V3.4_sw_graphic_extractor.yaml -o reductions -d expected -hb
"$PEER" reduce expected/sw_graphic_extractor_extractions.csv Reducer_config_workflow_201_V3.4_sw_graphic_extractor_eps20.yaml -o reductions_eps20 -d expected -hb
"$PEER" reduce expected/sw_variant_extractor_extractions.csv Reducer_config_workflow_201_V3.4_sw_variant_extractor.yaml -o reductions -d expected -hb
"$PEER" reduce expected/question_extractor_extractions.csv Reducer_config_workflow_201_V3.4_question_extractor.yaml -o reductions -d expected -hb
