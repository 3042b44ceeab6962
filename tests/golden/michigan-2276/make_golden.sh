#!/bin/sh
# Regenerate expected/ for the golden case michigan-2276 with the peer (panoptes_aggregation 5.3.1).
# Same steps as case.yaml. Usage: sh make_golden.sh   (PEER=/path/to/panoptes_aggregation to override)
set -e
cd "$(dirname "$0")"
PEER="${PEER:-/tmp/peer/bin/panoptes_aggregation}"
rm -rf expected
mkdir expected
"$PEER" extract classifications.csv Extractor_config_workflow_2276_V463.55.yaml -o extractions -d expected -hb
"$PEER" reduce expected/question_extractor_extractions.csv Reducer_config_workflow_2276_V463.55_question_extractor.yaml -o reductions -d expected -hb
"$PEER" reduce expected/survey_extractor_extractions.csv Reducer_config_workflow_2276_V463.55_survey_extractor.yaml -o reductions -d expected -hb
