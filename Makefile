# Two commands for a fresh machine with Python 3.11+:  make run  ·  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test install bench clean

$(BIN)/motcua: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/motcua

install: $(BIN)/motcua

run: install
	$(BIN)/motcua demo --serve --port $(PORT)

test: install
	$(BIN)/pytest

clean:
	rm -rf $(VENV) var .pytest_cache
