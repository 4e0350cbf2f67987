# The two commands a user needs:  `make run`  and  `make test`.
# Each creates .venv when needed and installs everything (torch first, pinned
# to the local CPU wheel, then the package with its test, Milvus and Ray extras).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast install browser eval bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test,milvus,train,ray]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) app.py

browser:
	bash scripts/install-browser.sh

test: $(STAMP) browser
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

eval: $(STAMP)
	$(VENV)/bin/assistant build
	$(VENV)/bin/assistant eval --report eval/results/latest.md
	$(VENV)/bin/assistant eval --all

bench: $(STAMP)
	$(VENV)/bin/assistant bench
