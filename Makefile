# Ilios — `make run` starts the service, `make test` runs the suite.
# Both set up what they need on a fresh machine (a virtualenv, Tesseract's OCR
# models: scripts/install-ocr.sh, the buf CLI; for make test also the code
# generators: scripts/install-codegen.sh, PostgreSQL: scripts/install-postgres.sh,
# and Debian's Chromium for the /docs page test: scripts/install-chromium.sh).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUF := node_modules/.bin/buf
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test check tools postgres proto proto-check clients bench clean grpcurl-demo

help: ## List the targets, and where each process lives
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo
	@echo "  Layout: src/gateway (REST process) -> gRPC -> src/server (gRPC process) -> src/store (SQL)"
	@echo "          and src/storage (blobs) <- src/worker (worker processes, engines); src/cli.py starts each."
	@echo "  Tests:  tests/unit, tests/inprocess (real server and app in one process), tests/integration,"
	@echo "          tests/postgres (integration tests again on PostgreSQL, and the multi-node test)."

$(BIN)/ilios: pyproject.toml clients/python/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e clients/python -e .
	touch $@

$(VENV)/.ocr: scripts/install-ocr.sh | $(BIN)/ilios
	scripts/install-ocr.sh
	touch $@

$(VENV)/.dev: $(BIN)/ilios requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(BUF): package.json
	npm install --no-audit --no-fund --silent
	touch $@

run: $(BIN)/ilios $(VENV)/.ocr ## Install (first time) and start the service: REST :1337, gRPC :50051, workers
	$(BIN)/ilios serve

test: $(VENV)/.dev $(VENV)/.ocr $(BUF) tools postgres ## Install test tools (first time), lint the protos, check generated code, run the suite (SQLite and PostgreSQL)
	scripts/install-chromium.sh
	$(BUF) lint
	scripts/codegen.sh check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(VENV)/.dev $(BUF) ## ruff, mypy, buf lint and buf breaking (against the last tag or main's merge base)
	$(BIN)/ruff check src tests bench clients/python/src/ilios/client
	$(BIN)/ruff format --check src tests bench
	mkdir -p build/typing && ln -sfn ../../src build/typing/ilios
	MYPYPATH=build/typing:clients/python/src $(BIN)/mypy -p ilios
	$(BUF) lint
	scripts/buf-breaking.sh

postgres: ## Install PostgreSQL (Debian's package): for the tests' throwaway clusters, and for DATABASE_URL
	scripts/install-postgres.sh

tools: $(VENV)/.dev $(BUF) ## Install the code generators (Debian's protoc, plugins, Go; npm ci for TypeScript)
	scripts/install-codegen.sh

proto: tools ## Regenerate every client's code from proto/ (buf.gen.yaml)
	scripts/codegen.sh generate

proto-check: tools ## Fail if the committed generated code differs from what proto/ generates
	scripts/codegen.sh check

clients: tools ## Build the TypeScript client (clients/typescript/dist) and the Go example (build/bin)
	clients/typescript/node_modules/.bin/tsc -p clients/typescript
	scripts/go.sh build -o build/bin/ilios-convert ilios.dev/clients/go/cmd/ilios-convert

grpcurl-demo: $(VENV)/.dev ## Tour the gRPC API with grpcurl against a running server (TARGET=host:port)
	scripts/grpcurl-demo.sh $(TARGET)

bench: $(VENV)/.dev $(VENV)/.ocr postgres ## Run the benchmarks (prints figures and ratios; QUICK=1 for a short run)
	$(BIN)/pip install --quiet -r requirements-bench.txt
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	for b in convert job_queue upload blob_writer quality scale; do $(BIN)/python bench/$$b.py $(if $(QUICK),--quick) || exit 1; done
	$(BIN)/python bench/job_queue.py --backend postgres $(if $(QUICK),--quick)

clean: ## Remove the virtualenv, node_modules and local data
	rm -rf $(VENV) node_modules data clients/typescript/node_modules clients/typescript/dist
