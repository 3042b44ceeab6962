#!/bin/sh
# Regenerate expected/ for the golden case synthetic-slider-dropdown-shortcut with the peer (panoptes_aggregation 5.3.1).
# Same steps as case.yaml. Usage: sh make_golden.sh   (PEER=/path/to/panoptes_aggregation to override)
set -e
cd "$(dirname "$0")"
PEER="${PEER:-/tmp/peer/bin/panoptes_aggregation}"
rm -rf expected
mkdir expected
"$PEER" config workflows.csv 101 -d expected
"$PEER" extract classifications.csv Extractor_config_workflow_101_V4.2.yaml -o extractions -d expected -hb
"$PEER" reduce expected/dropdown_extractor_extractions.csv Reducer_config_workflow_101_V4.2_dropdown_extractor.yaml -o reductions -d expected -hb
"$PEER" reduce expected/question_extractor_extractions.csv Reducer_config_workflow_101_V4.2_question_extractor.yaml -o reductions -d expected -hb
"$PEER" reduce expected/shortcut_extractor_extractions.csv Reducer_config_workflow_101_V4.2_shortcut_extractor.yaml -o reductions -d expected -hb
"$PEER" reduce expected/slider_extractor_extractions.csv Reducer_config_workflow_101_V4.2_slider_extractor.yaml -o reductions -d expected -hb
"$PEER" reduce expected/question_extractor_extractions.csv Reducer_config_workflow_101_V4.2_question_extractor_pairs_user_ids.yaml -o reductions_pairs_user_ids -d expected -hb
"$PEER" reduce expected/question_extractor_extractions.csv Reducer_config_workflow_101_V4.2_question_extractor_consensus.yaml -o reductions -d expected -hb
"$PEER" reduce expected/shortcut_extractor_extractions.csv Reducer_config_workflow_101_V4.2_shortcut_extractor_user_ids.yaml -o reductions_user_ids -d expected -hb
"$PEER" extract classifications.csv Extractor_config_workflow_101_V4.2_dropdown_v2.yaml -o extractions_v2 -d expected -hb
"$PEER" reduce expected/dropdown_extractor_extractions_v2.csv Reducer_config_workflow_101_V4.2_dropdown_extractor.yaml -o reductions_v2 -d expected -hb
"$PEER" extract classifications.csv Extractor_config_workflow_101_V3.1_all_tasks_empty.yaml -o extractions -d expected -hb
"$PEER" reduce expected/all_tasks_empty_extractor_extractions.csv Reducer_config_workflow_101_V4.2_first_n_true.yaml -o reductions -d expected -hb
"$PEER" reduce expected/all_tasks_empty_extractor_extractions.csv Reducer_config_workflow_101_V4.2_first_n_false.yaml -o reductions -d expected -hb
