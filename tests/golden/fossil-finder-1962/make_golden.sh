#!/bin/sh
# Regenerate expected/ for the golden case fossil-finder-1962 with the peer (panoptes_aggregation 5.3.1).
# Same steps as case.yaml. Usage: sh make_golden.sh   (PEER=/path/to/panoptes_aggregation to override)
set -e
cd "$(dirname "$0")"
PEER="${PEER:-/tmp/peer/bin/panoptes_aggregation}"
rm -rf expected
mkdir expected
"$PEER" extract classifications.csv Extractor_config_workflow_1962_V31.37.yaml -o extractions -d expected -hb
"$PEER" reduce expected/question_extractor_extractions.csv Reducer_config_workflow_1962_V31.37_question_extractor.yaml -o reductions -d expected -hb
"$PEER" reduce expected/question_extractor_extractions.csv Reducer_config_workflow_1962_V31.37_question_extractor_pairs.yaml -o reductions_pairs -d expected -hb
"$PEER" reduce expected/question_extractor_extractions.csv Reducer_config_workflow_1962_V31.37_question_extractor_user_ids.yaml -o reductions_user_ids -d expected -hb
"$PEER" reduce expected/question_extractor_extractions.csv Reducer_config_workflow_1962_V31.37_question_extractor_pairs_user_ids.yaml -o reductions_pairs_user_ids -d expected -hb
