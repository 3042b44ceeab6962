#!/bin/sh
# Regenerate expected/ for the golden case kitteh-zoo-drawing with the peer (panoptes_aggregation 5.3.1).
# Same steps as case.yaml. Usage: sh make_golden.sh   (PEER=/path/to/panoptes_aggregation to override)
set -e
cd "$(dirname "$0")"
PEER="${PEER:-/tmp/peer/bin/panoptes_aggregation}"
rm -rf expected
mkdir expected
"$PEER" extract classifications.csv Extractor_config_polygon.yaml -o extractions -d expected -hb
for name in reductions union last; do
    config=Reducer_config_polygon.yaml
    [ "$name" = reductions ] || config="Reducer_config_polygon_$name.yaml"
    "$PEER" reduce expected/polygon_extractor_extractions.csv "$config" -o "$name" -d expected -hb
done
