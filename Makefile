# zoomsight developer tasks. `make help` lists them.
.DEFAULT_GOAL := help
GO ?= go

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-8s %s\n", $$1, $$2}'

test: ## run every test with the race detector (the README's test command)
	$(GO) test -race ./...

bench: ## print the benchmark figures (throughput, requests, memory; a full sync vs its goals)
	$(GO) test -run '^$$' -bench . -benchtime 3x ./zoom/ ./zoomsim/
	$(GO) run ./cmd/zoomsight bench sync
	$(GO) test -run '^$$' -bench Activity100k -benchtime 1x -timeout 60m -v ./internal/app/
	$(GO) test -run '^$$' -bench 'BenchmarkQoSIngest' -benchtime 1x ./internal/ingest/
	$(GO) test -run '^$$' -bench 'BenchmarkMeetingSyncCalls' -benchtime 1x -timeout 30m ./internal/app/
	ZOOMSIGHT_QOS_BENCH_USERS=3000 $(GO) test -run '^$$' -bench 'BenchmarkQoSAtScale' -benchtime 1x -timeout 90m ./internal/app/
	ZOOMSIGHT_QOS_GEN_USERS=20000 $(GO) test -run '^$$' -bench 'BenchmarkQoSInsightsGenerated' -benchtime 1x -timeout 120m ./internal/app/
	$(GO) test -run '^$$' -bench 'BenchmarkFirstSyncByBudget' -benchtime 1x -timeout 60m ./internal/app/

lint: ## gofmt, go vet and staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

sim: ## run the Zoom API simulator with 1,000 users
	$(GO) run ./cmd/zoomsight sim

ci: ## run what CI runs
	bash .ci/run

.PHONY: help test bench lint sim ci
