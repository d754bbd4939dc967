# nianbao — the two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Prefect keeps its SQLite database and settings inside the repo, offline (see prefect.toml).
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1

.PHONY: demo test lint pytest bench fixtures clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## make demo: serve the bundled demo county portals on 127.0.0.1, run the nightly flow into output/
demo: $(VENV)/.installed
	$(BIN)/python -m demo --output output

## make test: lint, type-check and the whole test suite
test: lint pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: $(VENV)/.installed
	$(BIN)/pytest -q

## make bench: benchmarks; results go to docs/benchmarks.md by hand, with machine and date
bench: $(VENV)/.installed
	$(BIN)/python bench/bench_pdf.py --write docs/benchmarks-pdf.md
	$(BIN)/python bench/bench_html_docx.py
	$(BIN)/python bench/bench_crawl.py
	$(BIN)/python bench/bench_nlp.py
	$(BIN)/python bench/bench_run.py

## make fixtures (dev only): regenerate tests/fixtures and demo/portals; needs Debian's
## fonts-wqy-zenhei (and LibreOffice for the Word-like PDF case). CI never runs this: the files are committed.
fixtures: $(VENV)/.installed
	$(BIN)/python -m tests.fixturegen

clean:
	rm -rf output .output.staging .output-demo-sources.yaml .prefect
