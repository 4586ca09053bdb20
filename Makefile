# Every target builds .venv first, so a fresh clone needs nothing installed by hand.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test eval bench lint ingest clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) ingest.py
	$(PY) -m bot ask "How do we talk about people who cross the Channel in small boats?"

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

eval: $(STAMP)
	$(PY) -m bench.evaluate

bench: $(STAMP)
	$(PY) -m bench.speed

ingest: $(STAMP)
	$(PY) ingest.py

clean:
	rm -rf $(VENV) .chroma .pytest_cache
