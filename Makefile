# Every target builds .venv first, so a fresh clone needs nothing installed by hand.
# PYTHON: the newest python3.X >= 3.11 on PATH, else `python3` if it is >= 3.11. Override
# with `make PYTHON=/path/to/python3 test`.
ifndef PYTHON
PYTHON := $(shell for p in python3.14 python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && \
	{ echo $$p; break; }; done)
endif
VENV := .venv
PY := $(VENV)/bin/python
LINES := $(VENV)/bin/lines
STAMP := $(VENV)/.installed

.PHONY: demo test eval bench lint ingest clean

$(STAMP): pyproject.toml setup.py
	@test -x $(PY) || test -n "$(PYTHON)" || \
		{ echo "Lines needs Python 3.11 or newer: install python3 (>= 3.11) and re-run make." >&2; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(LINES) ingest
	$(LINES) ask --no-queue "How do we talk about people who cross the Channel in small boats?"

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

eval: $(STAMP)
	$(PY) -m bench.evaluate
	$(PY) -m bench.eval_check

bench: $(STAMP)
	$(PY) -m bench.speed

ingest: $(STAMP)
	$(LINES) ingest

clean:
	rm -rf $(VENV) .chroma .pytest_cache build
