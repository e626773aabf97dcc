# Ilios — `make run` starts the service, `make test` runs the suite.
# Both set up what they need on a fresh machine (a virtualenv, the buf CLI).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUF := node_modules/.bin/buf
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test check proto proto-check bench clean grpcurl-demo

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/ilios: pyproject.toml clients/python/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e clients/python -e .
	touch $@

$(VENV)/.dev: $(BIN)/ilios requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(BUF): package.json
	npm install --no-audit --no-fund --silent
	touch $@

run: $(BIN)/ilios ## Install (first time) and start the service: REST :1337, gRPC :50051, workers
	$(BIN)/ilios serve

test: $(VENV)/.dev $(BUF) ## Install test tools (first time), lint the protos, run the test suite
	$(BUF) lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(VENV)/.dev $(BUF) ## ruff, mypy and buf lint
	$(BIN)/ruff check src tests bench clients/python/src/ilios/client
	$(BIN)/ruff format --check src tests bench
	mkdir -p build/typing && ln -sfn ../../src build/typing/ilios
	MYPYPATH=build/typing:clients/python/src $(BIN)/mypy -p ilios
	$(BUF) lint

proto: $(VENV)/.dev $(BUF) ## Regenerate client code from proto/
	rm -rf clients/python/src/ilios/v1
	$(BUF) generate

grpcurl-demo: $(VENV)/.dev ## Tour the gRPC API with grpcurl against a running server (TARGET=host:port)
	scripts/grpcurl-demo.sh $(TARGET)

bench: $(VENV)/.dev ## Run the benchmarks (prints figures and ratios)
	$(BIN)/python bench/convert.py

clean: ## Remove the virtualenv, node_modules and local data
	rm -rf $(VENV) node_modules data
