#!/bin/sh
# Regenerate expected/ for the golden case many-tools-cats-lines with the peer (panoptes_aggregation 5.3.1).
# Staged: add case.yaml (same steps) once line_text_extractor and the line reducers are registered.
# Usage: sh make_golden.sh   (PEER=/path/to/panoptes_aggregation to override)
set -e
cd "$(dirname "$0")"
PEER="${PEER:-/tmp/peer/bin/panoptes_aggregation}"
rm -rf expected
mkdir expected
"$PEER" extract classifications.csv Extractor_config_lines.yaml -o extractions -d expected -hb
"$PEER" reduce expected/line_text_extractor_extractions.csv Reducer_config_line_text.yaml -o reductions -d expected -hb
"$PEER" reduce expected/line_text_extractor_extractions.csv Reducer_config_line_text_word.yaml -o word -d expected -hb
"$PEER" reduce expected/line_text_extractor_extractions.csv Reducer_config_line_text_optics.yaml -o reductions -d expected -hb
