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

# The front-end assets the app serves, from npm at the versions of web/package-lock.json.
web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error

# The pages' scripts and styles, bundled from web/src/ (web/build.mjs, esbuild) into web/dist/.
web/dist/.built: web/node_modules/.package-lock.json web/build.mjs $(wildcard web/src/* web/src/*/*)
	node web/build.mjs

install: $(BIN)/motcua web/node_modules/.package-lock.json web/dist/.built

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
	rm -rf $(VENV) var .pytest_cache web/dist
