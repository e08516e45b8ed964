# make demo: set up .venv if missing and run the demo experiment (harmonics, tanh, binning).
# make test: install the development requirements and run the test suite (TEST_WORKERS processes: one per core).
# make docs: build the documentation site (build/docs/index.html), notebooks executed in their short form.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
MONGO_PORT ?= 27017
TEST_WORKERS ?= auto

.PHONY: demo test docs install install-dev install-docs mongo bench tishby study validate cohort cohort-report \
	headline clean

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
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

$(VENV)/.installed-docs: $(VENV)/.installed-dev requirements/docs.txt
	$(BIN)/pip install --quiet -r requirements/docs.txt
	touch $@

install-docs: $(VENV)/.installed-docs

# Notebooks run in their short form unless NOTEBOOKS=full (the settings each notebook states); -W: warnings fail.
NOTEBOOKS ?= short
# The notebooks' many small experiment processes compile the same programs: JAX's persistent cache, in a temporary
# folder shared by the build's processes, compiles each once (as tests/conftest.py does for the suite).
docs: install-docs
	cache=$$(mktemp -d) && trap 'rm -rf "$$cache"' EXIT && \
	JAX_COMPILATION_CACHE_DIR=$$cache JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0 \
	JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES=0 JAX_COMPILATION_CACHE_MAX_SIZE=8589934592 \
	PYTHONPATH=$(CURDIR) DEEP_BOTTLENECK_NOTEBOOKS=$(NOTEBOOKS) \
	$(BIN)/python -m sphinx -W --keep-going -b html docs build/docs
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

# A cohort of configs/cohorts/ run on this machine (members with a completed run skipped) and its results page:
#   make cohort cohort-report COHORT=cohort_5_activation_functions [RUN_UPDATES="epochs=1500"] [COHORT_RUNS=...]
#   [TITLE="Cohort 5: activation functions"]
COHORT ?= cohort_5_activation_functions
COHORT_RUNS ?= runs/cohorts
RUN_UPDATES ?=
cohort: install
	DEEP_BOTTLENECK_RUNS_DIR=$(COHORT_RUNS) $(BIN)/python run_experiments_local.py \
		-d configs/cohorts/$(COHORT).json -j 2 --seed 0 $(if $(RUN_UPDATES),with $(RUN_UPDATES))

cohort-report: install
	$(BIN)/python -m deep_bottleneck.cli.cohort_report configs/cohorts/$(COHORT).json --runs_dir $(COHORT_RUNS) \
		--out docs/results/$(COHORT).md $(if $(TITLE),--title "$(TITLE)")

# The README's headline figure: the information planes of cohort 5's tanh and ReLU members, side by side. Runs the
# cohort first where it has no completed runs in $(COHORT_RUNS) (the figure's: COHORT_RUNS=runs/cohorts_full
# RUN_UPDATES="store_activations=False").
headline: install
	$(MAKE) cohort COHORT=cohort_5_activation_functions
	$(BIN)/python -m deep_bottleneck.cli.cohort_report configs/cohorts/cohort_5_activation_functions.json \
		--runs_dir $(COHORT_RUNS) --members tanh relu --planes docs/images/headline_tanh_relu.png

clean:
	rm -rf $(VENV) runs build docs/reference *.egg-info
