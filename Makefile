# bulkedit — the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BULKEDIT := $(VENV)/bin/bulkedit
STAMP  := $(VENV)/.installed
BENCH_USERS ?= 1000000

.PHONY: setup demo test lint bench docs clean

setup: $(STAMP)

$(STAMP): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	BULKEDIT=$(BULKEDIT) bash scripts/demo.sh

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check bulkedit tests bench fixtures
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m bench.run --users $(BENCH_USERS)

# The docs site: mkdocs and its theme come from the `docs` extra, installed here only.
DOCS_STAMP := $(VENV)/.docs-installed

$(DOCS_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(PY) -m bulkedit.lint.docs > docs/rules.md.tmp && mv docs/rules.md.tmp docs/rules.md
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) demo-out site bench/data .pytest_cache .hypothesis
