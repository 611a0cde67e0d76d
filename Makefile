# v6plan — the two commands of the README's quick start, and a few more.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup packages demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	# Kathará's lab parser for the export test; --no-deps: the full package pulls in ~200 MB
	# of Docker and Kubernetes clients that the parser never uses.
	$(BIN)/python -m pip install --quiet --no-deps 'kathara==3.8.3'
	touch $(STAMP)

setup: $(STAMP)  ## create .venv with v6plan and its test tools

demo: $(STAMP)  ## plan the bundled government example and write its report
	$(BIN)/v6plan plan examples/government.yaml
	$(BIN)/v6plan show examples/government.yaml health/site-3
	$(BIN)/v6plan find examples/government.yaml 3fff:100:102:2064::17
	@mkdir -p out
	$(BIN)/v6plan export examples/government.yaml --format markdown --set depth=3 -o out/government.md
	@echo "report written to out/government.md"

packages:  ## install the Debian packages the tests need (as root; otherwise says what is missing)
	@.ci/install-packages

# packages first: on a fresh Debian machine it also brings python3-venv, which .venv needs
test: packages $(STAMP)  ## install the tests' Debian packages (as root), then run every test (what CI runs)
	$(BIN)/python -m pytest -q

lint: $(STAMP)  ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)  ## print our figures beside the peers' (see README); the netns part needs root
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_exports.py
	$(BIN)/python benchmarks/bench_tui.py
	$(BIN)/python benchmarks/bench_lab_engine.py
	$(BIN)/python benchmarks/bench_exec.py
	@if [ "$$(id -u)" = 0 ]; then $(BIN)/python benchmarks/bench_lab.py; else echo "bench_lab.py skipped: it needs root (sudo make bench)"; fi
	$(BIN)/python benchmarks/bench_segment.py
	$(BIN)/python benchmarks/bench_classroom.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
