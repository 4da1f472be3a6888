# crm-kg — `make help` lists the targets. Two commands matter to a newcomer:
#   make run    set up, build the graph, serve it on http://127.0.0.1:5000
#   make test   set up and run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.DEFAULT_GOAL := help
.PHONY: help setup system build validate run serve test ontology bench soak clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,serve,docs]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

system: ## install the Debian packages the project needs (Java for HermiT…), if missing
	@scripts/setup-system.sh

setup: system $(STAMP) $(NODE_STAMP) ## create .venv, install crm-kg and the front-end packages (npm ci)

build: setup ## sources → data/ttl (validated; the old graph stays if anything fails)
	$(BIN)/crm-kg build

validate: setup ## validate the built graph: SHACL, then OWL declarations and HermiT consistency
	$(BIN)/crm-kg validate

run: build ## set up, build and serve on http://$(HOST):$(PORT) (embedded store)
	$(BIN)/crm-kg serve --host $(HOST) --port $(PORT)

serve: setup ## serve the already built graph
	$(BIN)/crm-kg serve --host $(HOST) --port $(PORT)

test: setup ## set up, lint (ruff, security rules included) and run the whole test suite
	$(BIN)/ruff check --no-cache .
	$(BIN)/pytest -n 2 --dist loadfile -m "not serial"
	$(BIN)/pytest -m serial

ontology: setup ## regenerate ontology/crm.owl (RDF/XML) and crm.html (pyLODE) from crm.ttl
	$(BIN)/python -m crm_kg.quality.release

bench: setup ## run the benchmarks (not part of make test; BENCH_SIZES=100k,1M BENCH_ARGS=…)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

soak: setup ## 5 minutes of steady load on crm-kg serve (nginx + gunicorn) with reloads: errors, p99, memory
	$(BIN)/python -m benchmarks.soak

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) node_modules .pytest_cache build *.egg-info src/*.egg-info
