#!/bin/sh
# Regenerate expected/ for the golden case many-tools-cats-text with the peer (panoptes_aggregation 5.3.1).
# Same steps as case.yaml. Usage: sh make_golden.sh   (PEER=/path/to/panoptes_aggregation to override)
set -e
cd "$(dirname "$0")"
PEER="${PEER:-/tmp/peer/bin/panoptes_aggregation}"
rm -rf expected
mkdir expected
"$PEER" extract classifications.csv Extractor_config_text.yaml -o extractions -d expected -hb
"$PEER" reduce expected/text_extractor_extractions.csv Reducer_config_text.yaml -o reductions -d expected -hb
