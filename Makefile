# cstrainer (客服训练营) - the two commands a newcomer needs:
#   make run    set up, then start the app
#   make test   set up, then run the whole test suite
# "set up" is scripts/setup.sh: system packages (apt), .venv, pip install -e '.[dev,postgresql]'.
# It does no apt or pip work when everything is already there, so both commands stay fast.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Extra arguments: make test PYTEST_ARGS='-k grading -x'   make run ARGS='--db sqlite:////tmp/x.sqlite'
PYTEST_ARGS ?=
# pytest-xdist workers: one per CPU (the suite takes ~4.5 min on 2 cores, ~9 min on one).
TEST_WORKERS ?= auto
ARGS ?=

.PHONY: help setup run test lint bench clean distclean

help:
	@echo "make run        set up and start the app (needs a display; else: xvfb-run -a make run)"
	@echo "make test       set up and run the whole test suite (PYTEST_ARGS=... for pytest options)"
	@echo "make lint       ruff check, ruff format --check, mypy"
	@echo "make bench      build generated data and print a table of figures against the targets (ARGS=--quick, --pg URL)"
	@echo "make setup      only set up (system packages, .venv, the project in it)"
	@echo "make clean      remove caches and build leftovers; make distclean also removes .venv"

setup:
	@bash scripts/setup.sh

run: setup
	@if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ] && [ -z "$${QT_QPA_PLATFORM:-}" ]; then \
	  echo "make run: the app needs a display, and neither DISPLAY nor WAYLAND_DISPLAY is set." >&2; \
	  echo "make run: on a machine without a screen, give it a virtual one:  xvfb-run -a make run" >&2; \
	  exit 1; \
	fi
	$(VENV)/bin/cstrainer gui $(ARGS)

# pytest exits 5 when it collected no tests: that is reported, and fails like any other non-zero exit.
test: setup
	@QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n $(TEST_WORKERS) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5): counted as a failure" >&2; \
	elif [ $$rc -ne 0 ]; then echo "make test: pytest exited with code $$rc" >&2; fi; \
	exit $$rc

lint: setup
	@rc=0; \
	$(VENV)/bin/ruff check . || rc=1; \
	$(VENV)/bin/ruff format --check . || rc=1; \
	$(VENV)/bin/mypy || rc=1; \
	exit $$rc

# Benchmarks print figures and never judge them. bench/__main__.py, if there is one, runs them all.
bench: setup
	@export QT_QPA_PLATFORM="$${QT_QPA_PLATFORM:-offscreen}"; \
	if [ -f bench/__main__.py ]; then exec $(PY) -m bench $(ARGS); fi; \
	found=0; \
	for f in bench/*.py; do \
	  case "$$(basename "$$f")" in _*|"*.py") continue ;; esac; \
	  found=1; echo "== $$f"; $(PY) "$$f" $(ARGS) || exit $$?; \
	done; \
	[ $$found = 1 ] || echo "make bench: no benchmarks in bench/ yet"

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info screenshots bench/out
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
