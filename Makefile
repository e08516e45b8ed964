# make demo: set up .venv if missing and run the demo experiment (harmonics, tanh, binning).
# make test: install the development requirements and run the test suite.
# make docs: build the documentation site (build/docs/index.html), notebooks executed in their short form.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
MONGO_PORT ?= 27017

.PHONY: demo test docs install install-dev install-docs mongo bench tishby study validate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-base: $(BIN)/python requirements/base.txt setup.py
	$(BIN)/pip install --quiet -r requirements/base.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-base requirements/dev.txt
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed-base

install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/python experiment.py with configs/demo.json

test: install-dev
	$(BIN)/python -m pytest

$(VENV)/.installed-docs: $(VENV)/.installed-dev requirements/docs.txt
	$(BIN)/pip install --quiet -r requirements/docs.txt
	touch $@

install-docs: $(VENV)/.installed-docs

# Notebooks run in their short form unless NOTEBOOKS=full (the settings each notebook states); -W: warnings fail.
NOTEBOOKS ?= short
docs: install-docs
	DEEP_BOTTLENECK_NOTEBOOKS=$(NOTEBOOKS) $(BIN)/python -m sphinx -W --keep-going -b html docs build/docs
	@! grep -rlE '<(script|link)[^>]+(src|href)="(https?:)?//' build/docs --include='*.html' \
		|| { echo "make docs: the pages above load scripts or styles from the network"; exit 1; }

$(VENV)/.installed-mongo: $(VENV)/.installed-base requirements/mongo-server.txt
	$(BIN)/pip install --quiet -r requirements/mongo-server.txt
	touch $@

# A local MongoDB (SecantusDB) on .mongo-data at mongodb://127.0.0.1:$(MONGO_PORT)/ until Ctrl-C.
mongo: $(VENV)/.installed-mongo
	$(BIN)/python -m deep_bottleneck.cli.mongo_server --data_dir .mongo-data --port $(MONGO_PORT)

bench: install-dev
	$(BIN)/python bench/training_speed.py

# The canonical Tishby experiment end to end (binning + both KDE bounds), one run and five.
tishby: install
	$(BIN)/python bench/tishby.py --runs 1
	$(BIN)/python bench/tishby.py --runs 5

# A study: the canonical experiment with 50 repetitions, in units of T1 measured in the same invocation.
study: install
	$(BIN)/python bench/study.py --runs 50

# Every registered estimator on layers of known MI, then the coverage of the stated error bars
# (table in docs/estimator_validation.md).
validate: install
	$(BIN)/python -m deep_bottleneck.cli.validate_estimators --markdown docs/estimator_validation_table.md

clean:
	rm -rf $(VENV) runs build docs/reference *.egg-info
