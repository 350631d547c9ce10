# socialanalyse: the README's two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
KOMMUNE ?= eksempelkommune
SAMPLE := data/eksempelkommune/.komplet

.PHONY: run test install sample lint bench lab clean

## run: set everything up and run all notebooks for $(KOMMUNE)
run: install $(SAMPLE)
	$(BIN)/socialanalyse run --kommune $(KOMMUNE)

## test: set everything up and run the whole test suite
test: install
	$(BIN)/python -m pytest -n 2

## install: virtual environment with the package and its dev tools
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

## sample: write the synthetic eksempelkommune's extracts (same seed, same bytes)
sample: install $(SAMPLE)

$(SAMPLE):
	$(BIN)/socialanalyse sample --kommune eksempelkommune --indbyggere 45000 --seed 1 \
		--out data/eksempelkommune

lint: install
	$(BIN)/ruff check src tests benchmarks

bench: install
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

lab: install
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) output
