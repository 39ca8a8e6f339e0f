# The two commands of the README: `make demo` and `make test`.
# Both create .venv when missing, install the system libraries Manim needs, install the
# package with its extras (only when pyproject.toml changed), then run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint bench docs paper clean

$(STAMP): pyproject.toml
	@PYTHON=$(PYTHON) bash tools/ensure-system-deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[anim,dev,study,slides]'
	@touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/rollingball demo

test: $(STAMP)
	@$(BIN)/python -m pytest -n 2 --durations=25

test-fast: $(STAMP)
	@$(BIN)/python -m pytest -n 2 -m "not slow"

lint: $(STAMP)
	@$(BIN)/ruff check .

bench: $(STAMP)
	@$(BIN)/python benchmarks/bench_rbo.py

docs: $(STAMP)
	@$(BIN)/mkdocs build --strict

paper: $(STAMP)
	@$(BIN)/rollingball paper all --out figures/

clean:
	rm -rf $(VENV) build *.egg-info media figures site
