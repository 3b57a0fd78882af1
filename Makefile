# The README's two commands: `make demo` and `make test`. Both set up .venv/ when it is
# missing or older than pyproject.toml, and skip the install when it is current.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.datacurve-installed

.PHONY: demo test lint bench install clean

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# The CPU build of torch first; an open range would pull a multi-GB CUDA build.
	$(PY) -m pip install --disable-pip-version-check -q torch==2.13.0
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev,ray]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/datacurve demo

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench examples
	$(VENV)/bin/mypy

test: $(STAMP) lint
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev,bench]'
	$(PY) bench/runner_overhead.py
	$(PY) bench/parallel.py
	$(PY) bench/user_learners.py
	$(PY) -W ignore bench/extrapolation.py
	$(PY) -W ignore bench/audit.py
	$(PY) bench/training_time.py

clean:
	rm -rf $(VENV) .datacurve demo-report
