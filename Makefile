# QuikApp charts. `make help` lists the targets.
SHELL := /bin/bash
VENV := .cache/venv
BIN := $(CURDIR)/.cache/bin
export PATH := $(BIN):$(CURDIR)/$(VENV)/bin:$(PATH)
# Python keeps compiled modules, and pytest its rewritten test modules, in the git-ignored
# __pycache__ folders, so that the next run does not compile them again.
export PYTHONDONTWRITEBYTECODE :=

.DEFAULT_GOAL := help
.PHONY: help tools cluster-tools generate render test test-fast snapshots up down status

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

tools: ## Build the pinned helm, helm3, ct and the Python venv into .cache/, install chromium if missing
	@tools/bootstrap.sh venv chart-tools browser

cluster-tools: ## Build kube-apiserver, etcd, kwok, kubectl ... into .cache/bin (long when cold)
	@tools/bootstrap.sh cluster-tools

generate: tools ## Regenerate the charts' service catalogue from services.md
	@quikapp-charts generate

render: tools ## Render and validate every environment, with a table of what each deploys
	@quikapp-charts validate --all

test: tools cluster-tools ## Run the whole test suite on every core: tests/cluster/ on one worker, the rest beside it
	@python -m pytest -n auto --dist loadgroup -m 'not matrix'

test-fast: tools ## The suite without the cluster tests, on every core (one test file per worker at a time, the slow ones first)
	@python -m pytest -m 'not cluster' -n auto --dist loadfile --no-loadscope-reorder

snapshots: tools ## Rewrite the committed render snapshots after an intended change
	@python -m pytest tests/charts/test_snapshots.py --snapshot-update

up: tools cluster-tools ## Start the local cluster and install QuikApp (values/local.yaml) into it
	@quikapp-charts cluster up && quikapp-charts cluster install local

down: tools ## Stop the local cluster
	@quikapp-charts cluster down

status: tools ## Show the local cluster and what runs on which node
	@quikapp-charts cluster status
