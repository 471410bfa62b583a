# Two commands on a fresh clone: `make demo` (train XOR) and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Only the project's own code is linted: a scratch file in the root does not fail `make test`.
LINT_PATHS := autograd nn demos tests tools

.PHONY: demo test lint setup clean gallery bench lab mutate

demo: $(STAMP)
	$(PY) -m demos.xor

test: $(STAMP)
	$(PY) -m ruff check $(LINT_PATHS)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check $(LINT_PATHS)

# Re-runs every tutorial demo in full (a few minutes) and rewrites the README's pictures in docs/.
gallery: $(STAMP)
	$(PY) -m demos.gallery

# The speed benchmark against micrograd (the `bench` extra) and PyTorch when installed: about
# 5 minutes; prints a Markdown table, writes out/benchmark.json. BENCH_ARGS="--rounds 7" etc.
bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m demos.benchmark --json out/benchmark.json $(BENCH_ARGS)

# The notebook course (demos/notebooks/) in JupyterLab, with the live widgets: installs the
# `notebook` extra (kernel, anywidget, JupyterLab) first. Not needed by `make demo` or `make test`.
lab: $(STAMP)
	$(PY) -m pip install --quiet -e '.[notebook]'
	$(PY) -m jupyterlab --ServerApp.root_dir=demos/notebooks $(LAB_ARGS)

# Mutation testing of the engine core and nn/ with mutmut (docs/mutation.md): plants small bugs one
# at a time and runs the tests that reach each; the report (killed, survived, timed out, not reached,
# score) is printed and written to out/mutation.md. Tens of minutes on 2 cores, so not in CI.
# One file at a time: make mutate MUTATE='autograd.ops.*' (mutmut's mutant names, globs allowed);
# fewer workers: MUTATE_JOBS=1. Results stay in mutants/, and a second run retests only the functions
# that changed; `rm -rf mutants` starts afresh.
MUTATE ?=
MUTATE_JOBS ?= 2
mutate: $(STAMP)
	$(PY) -m pip install --quiet -e '.[mutate]'
	@# Which tests reach which function is re-learnt on every run (a few seconds): mutmut's kept
	@# map misses old tests that reach new code, and would call its mutants survivors.
	rm -f mutants/mutmut-stats.json
	set -f; HYPOTHESIS_PROFILE=mutate $(VENV)/bin/mutmut run --max-children $(MUTATE_JOBS) $(MUTATE)
	$(PY) tools/mutation_report.py

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "glassgrad needs Python >= 3.10; set PYTHON=python3.x"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@command -v dot >/dev/null || echo "note: Graphviz 'dot' is not installed; graph pictures need it (apt-get install graphviz)"
	touch $(STAMP)

clean:
	rm -rf $(VENV) out mutants .pytest_cache .hypothesis .ruff_cache *.egg-info
