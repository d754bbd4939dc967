# nianbao — the two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# No Prefect settings here: `nianbao` and `python -m demo` set their own offline defaults (and
# create Prefect's folder), so `make demo` runs exactly what a new user runs.

.PHONY: demo test lint pytest bench fixtures clean browser

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

# The page test drives Debian's Chromium (Playwright) and needs a Chinese font: install them when missing.
WQY_FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
browser:
	@if ! command -v chromium >/dev/null || [ ! -f $(WQY_FONT) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      chromium fonts-wqy-zenhei >/dev/null; \
	  else echo "the page test needs chromium and fonts-wqy-zenhei (Debian: apt-get install chromium fonts-wqy-zenhei)" >&2; exit 1; fi; \
	fi

pytest: $(VENV)/.installed browser
	$(BIN)/pytest -q

## make bench: benchmarks; results go to docs/benchmarks.md by hand, with machine and date
bench: $(VENV)/.installed
	$(BIN)/python bench/bench_pdf.py --write docs/benchmarks-pdf.md
	$(BIN)/python bench/bench_html_docx.py
	$(BIN)/python bench/bench_crawl.py
	$(BIN)/python bench/bench_nlp.py
	$(BIN)/python bench/bench_run.py
	$(BIN)/python bench/bench_ocr.py

## make fixtures (dev only): regenerate tests/fixtures and demo/portals; needs Debian's
## fonts-wqy-zenhei (and LibreOffice for the Word-like PDF case). CI never runs this: the files are committed.
fixtures: $(VENV)/.installed
	$(BIN)/python -m tests.fixturegen
	$(BIN)/python -m tests.scans

clean:
	rm -rf output .output-demo-sources.yaml .prefect
