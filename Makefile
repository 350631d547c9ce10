# socialanalyse: the README's two commands are `make run` and `make test`.
# Needs only Python 3.11+ and make; everything else is installed into .venv/ here.
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
KOMMUNE ?= eksempelkommune
PUBLIKUM ?= intern
SAMPLE  := data/eksempelkommune/.komplet
# Pytest's own options can be added: make test PYTEST_ARGS="-k run -x"
PYTEST_ARGS ?=

.PHONY: run test test-min install sample browser lint bench bench-national lab clean help

## run: set everything up (venv, install, sample data if missing) and run every notebook for
##      $(KOMMUNE); prints where index.html is
run: install $(SAMPLE)
	$(BIN)/socialanalyse run --kommune $(KOMMUNE) --publikum $(PUBLIKUM)

## test: set everything up (also headless Chromium for the browser test and the sample), run
##       the lint (ruff and the import layers), the whole test suite on 2 processes, then every
##       notebook on the sample with nbval (one process: a notebook's cells share one kernel)
test: install browser $(SAMPLE) lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)
	$(BIN)/python -m pytest -p no:xdist --nbval-lax --nbval-kernel-name python3 notebooks

## test-min: the fast tests (not the notebook runs) in .venv-min, where every dependency is
##           pinned to its lower bound in pyproject.toml (.ci/min_requirements.py)
VENV_MIN := .venv-min
test-min: sample $(VENV_MIN)/.installed
	$(VENV_MIN)/bin/python -m pytest -n 2 -m "not slow and not browser" --timeout 600 tests \
		$(PYTEST_ARGS)

$(VENV_MIN)/.installed: pyproject.toml .ci/min_requirements.py
	rm -rf $(VENV_MIN)
	$(PYTHON) -m venv $(VENV_MIN)
	$(PYTHON) .ci/min_requirements.py > $(VENV_MIN)/floors.txt
	$(VENV_MIN)/bin/python -m pip install --quiet -r $(VENV_MIN)/floors.txt
	$(VENV_MIN)/bin/python -m pip install --quiet --no-deps -e .
	$(VENV_MIN)/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

## install: virtual environment with the package, its dev tools and the python3 kernel
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

## sample: write the synthetic eksempelkommune's extracts (same seed, same bytes)
sample: install $(SAMPLE)

# Regenerated when the generator or the sample's mapping changes.
$(SAMPLE): $(wildcard src/socialanalyse/data/synthetic/*.py) parameters/kommuner/eksempelkommune.yaml
	$(BIN)/socialanalyse sample --kommune eksempelkommune --indbyggere 45000 --seed 1 \
		--out data/eksempelkommune --statbank data/statbank
	touch $@

## browser: Debian's chromium and chromedriver for the browser test (installed when running as
##          root and missing; otherwise the browser test skips and says why)
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installerer chromium og chromium-driver til browsertesten ..."; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
			>/dev/null; \
	else \
		echo "Bemærk: chromium/chromedriver mangler, så browsertesten springes over" \
			"(installér med: sudo apt-get install chromium chromium-driver)."; \
	fi

## lint: ruff, then the import layers (lint-imports, contracts in pyproject.toml)
lint: install
	$(BIN)/ruff check src tests benchmarks notebooks
	$(BIN)/lint-imports

## bench: print the speed figures (benchmarks/bench_*.py)
bench: install $(SAMPLE)
	for f in benchmarks/bench_*.py; do \
		[ $$f = benchmarks/bench_national.py ] || $(BIN)/python $$f || exit 1; done

## bench-national: all 98 municipalities, every workbook, local and on a Dask cluster (issue 18;
##          an hour or more on 2 cores; `--kommuner N` for a subset: see the script)
bench-national: install
	$(BIN)/python benchmarks/bench_national.py

## lab: open the notebooks in JupyterLab (installed by make install)
lab: install $(SAMPLE)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) $(VENV_MIN) output

help:
	@grep -E '^##' Makefile | sed 's/^## \{0,1\}//'
