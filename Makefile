# Schoolalert: the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat setup.cfg setup.py pyproject.toml | cksum | cut -d' ' -f1)
PO     := $(shell find schoolalert plugins -name '*.po' 2>/dev/null)
MO     := $(PO:.po=.mo)
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint format bench translations extract-messages worker clean

run: $(STAMP) translations
	$(BIN)/schoolalert init
	$(BIN)/schoolalert demo
	$(BIN)/schoolalert run --host $(HOST) --port $(PORT)

test: $(STAMP) translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP) translations
	$(BIN)/python -m bench

worker: $(STAMP) translations
	$(BIN)/schoolalert worker

translations: $(MO)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

# Refresh the catalogues after changing user-facing strings (then translate the new entries).
extract-messages: $(STAMP)
	$(BIN)/python scripts/update_translations.py

$(STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,production]'
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
	find . -name '*.mo' -not -path './.venv/*' -delete
