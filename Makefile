# Two commands on a fresh clone: `make demo` (train XOR) and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Only the project's own code is linted: a scratch file in the root does not fail `make test`.
LINT_PATHS := autograd nn demos tests

.PHONY: demo test lint setup clean gallery bench lab

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
	rm -rf $(VENV) out .pytest_cache .hypothesis .ruff_cache *.egg-info
