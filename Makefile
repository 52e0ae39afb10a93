# Two commands for a fresh machine with Python 3.11+:  make run  ·  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test install lock bench clean

# Installed at the versions the suite last passed with (constraints.txt); reinstalled when
# the dependencies or their pins change.
$(BIN)/motcua: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(BIN)/motcua

install: $(BIN)/motcua

run: install
	$(BIN)/motcua demo --serve --port $(PORT)

test: install
	$(BIN)/pytest

# After adding or changing a dependency in pyproject.toml: `make lock test` installs what it
# needs (keeping what is installed where it fits), pins every installed version in
# constraints.txt and runs the suite on them; commit constraints.txt when it passes.
lock:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip freeze --exclude-editable > constraints.txt
	touch $(BIN)/motcua

clean:
	rm -rf $(VENV) var .pytest_cache
