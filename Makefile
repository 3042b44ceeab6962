# zooagg: `make demo` and `make test` do all set-up on a fresh machine with Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PEER_VENV ?= .peer-venv
PEER_STAMP := $(PEER_VENV)/.installed

.PHONY: venv demo test lint typecheck pytest bench parity peer peer-cases docs clean

# two install levels: the demo needs only zooagg and its 'plot' extra (for the report); the
# tests need every extra and the dev tools. Each level has its own stamp.
DEMO_STAMP := $(VENV)/.installed-demo

venv: $(STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(DEMO_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[plot]'
	touch $(DEMO_STAMP)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo 'chromium not installed: browser tests will skip'
	touch $(STAMP) $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	rm -rf demo-output
	$(BIN)/zooagg run examples/slsn/wf_export.csv examples/slsn/cls_export.csv 10 -d demo-output -hb
	$(BIN)/zooagg report demo-output
	@$(BIN)/python scripts/demo_summary.py demo-output

lint: venv
	$(BIN)/ruff check src tests scripts bench

typecheck: venv
	$(BIN)/mypy

pytest: venv
	$(BIN)/pytest

test: lint typecheck pytest

# schemathesis over the server's OpenAPI and hypothesis over its web pages, on SQLite and PostgreSQL, longer than make test's run
FUZZ_EXAMPLES ?= 200
# the offline property tests (tests/test_fuzz_offline.py): readers, vote cells, clustering parameters
OFFLINE_FUZZ_EXAMPLES ?= 1000
fuzz: venv
	ZOOAGG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/service/test_fuzz.py tests/service/test_web_fuzz.py -p no:cacheprovider
	ZOOAGG_FUZZ_EXAMPLES=$(OFFLINE_FUZZ_EXAMPLES) $(BIN)/pytest tests/test_fuzz_offline.py -p no:cacheprovider

peer: $(PEER_STAMP)

$(PEER_STAMP):
	$(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/pip install --quiet panoptes-aggregation==5.3.1
	touch $(PEER_STAMP)

parity: venv peer
	PEER=$(CURDIR)/$(PEER_VENV)/bin/panoptes_aggregation ZOOAGG=$(CURDIR)/$(BIN)/zooagg $(BIN)/python scripts/parity.py

# the peer's own component test cases, recorded afresh from its package, through a live zooagg serve
peer-cases: venv peer
	PEER_PYTHON=$(CURDIR)/$(PEER_VENV)/bin/python $(BIN)/python scripts/peer_cases.py --record

bench: venv
	$(if $(PEER),$(MAKE) peer,)
	@# byte-compile the editable source as pip does for an installed wheel (and for the peer)
	$(BIN)/python -m compileall -q src
	BENCH_N="$(BENCH_N)" PEER="$(PEER)" PEER_BIN=$(CURDIR)/$(PEER_VENV)/bin/panoptes_aggregation ZOOAGG=$(CURDIR)/$(BIN)/zooagg $(BIN)/python bench/run.py

docs: venv
	$(BIN)/python scripts/make_docs.py

clean:
	rm -rf $(VENV) $(PEER_VENV) demo-output build dist src/*.egg-info
