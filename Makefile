# PersonaWorlds appliance. `make run` and `make test` are the front door (see README.md).
SWIFT ?= swift
BIN_DEBUG := .build/debug/personaworlds
PORT ?= 8080

.PHONY: deps build run lint format test test-swift test-monitoring test-schema test-browser test-schema-postgres \
	test-browser-postgres test-deb test-postgres routes bench loadtest-public loadtest-mixed loadtest-queue deb clean

deps:
	@scripts/deps.sh build

build: deps
	$(SWIFT) build --product personaworlds

## run: install missing packages (as root), build, migrate and serve on $(PORT) with ./data/.
run: build
	PORT=$(PORT) FRONTEND_ORIGIN=$${FRONTEND_ORIGIN:-http://localhost:$(PORT)} $(BIN_DEBUG) serve

## test: every test — Swift unit/API/end-to-end tests, the API tests again on PostgreSQL, the monitoring rules and
## dashboard, schemathesis against the binary and the browser journey (headless chromium), each on SQLite and once
## more on PostgreSQL, the .deb install and upgrade tests.
test: lint test-swift test-postgres test-monitoring test-schema test-browser test-schema-postgres test-browser-postgres test-deb

## lint: the shared formatter's rules (.swift-format), strictly; `make format` rewrites the tree to them.
lint:
	$(SWIFT) format lint --strict --recursive --parallel Sources Tests Plugins Package.swift

format:
	$(SWIFT) format format --in-place --recursive --parallel Sources Tests Plugins Package.swift

## test-swift: every Swift test: on SQLite, the store conformance suite on both engines, PostgresStorageTests and the
## end-to-end PostgreSQL tests on PostgreSQL (each test gets a database of a throwaway cluster the tests start).
test-swift:
	@scripts/deps.sh test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## test-postgres: the in-process API tests (AppTests) again with PostgreSQL as their engine (about a minute; part of
## `make test`).
test-postgres:
	@scripts/deps.sh test
	$(SWIFT) build --build-tests
	PERSONAWORLDS_TEST_ENGINE=postgres $(SWIFT) test --skip-build --filter AppTests

## test-monitoring: the shipped Prometheus rules and Grafana dashboard (packaging/monitoring/): promtool
## check rules, promtool test rules (thresholds on synthetic series), and every metric, label and route
## they query exported by the binary on loopback (scripts/test-monitoring.sh; a few seconds).
## routes: rewrite docs/routes.md (every route and its controller) from the route table; RouteIndexTests
## fails when the file is out of date.
routes:
	$(SWIFT) build --build-tests
	UPDATE_ROUTE_INDEX=1 $(SWIFT) test --skip-build --filter RouteIndexTests

test-monitoring:
	@scripts/deps.sh test
	$(SWIFT) build --product personaworlds
	scripts/test-monitoring.sh $(BIN_DEBUG)

## test-schema: schemathesis (examples, coverage, fuzzing, stateful) against the binary on loopback with a fresh
## SQLite database (scripts/schemathesis.sh; ST_MAX_TIME, ST_SEED… tune it).
test-schema:
	@scripts/deps.sh test
	$(SWIFT) build --product personaworlds
	scripts/schemathesis.sh $(BIN_DEBUG)

## test-browser: the web interface's journey in headless chromium (Playwright for Python) against the binary on
## loopback; screenshots at desktop and phone width go to .build/ui-screenshots/.
test-browser:
	@scripts/deps.sh test
	$(SWIFT) build --product personaworlds
	scripts/browser-tests.sh $(BIN_DEBUG)

## test-schema-postgres, test-browser-postgres: the same two runs against the binary on PostgreSQL (a throwaway
## cluster the scripts start and delete: scripts/lib/pg-cluster.sh). Schemathesis runs its full profile here too
## (ST_MAX_TIME 120 s: about 2.5 min in all, the browser journey about 2 min, so both add under 5 min to CI): a
## shorter fuzzing phase would mostly drop the generated bodies that reach the engine's queries.
test-schema-postgres:
	@scripts/deps.sh test
	$(SWIFT) build --product personaworlds
	PERSONAWORLDS_TEST_ENGINE=postgres scripts/schemathesis.sh $(BIN_DEBUG)

test-browser-postgres:
	@scripts/deps.sh test
	$(SWIFT) build --product personaworlds
	PERSONAWORLDS_TEST_ENGINE=postgres scripts/browser-tests.sh $(BIN_DEBUG)

## test-deb: build the .deb, then install/remove/purge it (test-deb.sh), upgrade a previous package to
## it (test-deb-upgrade.sh: data, edited conffile and service user survive, the service restarts), and
## run it under a real systemd in a booted nspawn container (test-deb-systemd.sh: Type=notify, watchdog,
## LimitNOFILE, restart, kill -9, upgrade, purge; the debootstrap tree is cached in /var/cache).
test-deb:
	@scripts/deps.sh test
	@if [ "$$(id -u)" -ne 0 ]; then echo "test-deb: SKIP (needs root to dpkg -i)"; else \
	  scripts/build-deb.sh && scripts/test-deb.sh && scripts/test-deb-upgrade.sh && scripts/test-deb-systemd.sh; fi

## bench: wrk on loopback against the release binary (prints req/s, p99 and ratios).
bench:
	@scripts/deps.sh test
	scripts/bench.sh

# Load tests (loadtest/run.py: fixtures, server and pass/fail around locust, which sends the load;
# `python3 -m pip install locust` first): release binary if built, else the debug one (built if
# needed); PERSONAWORLDS_BIN=path overrides and skips the build; LOADTEST_ARGS adds flags.
LOADTEST_CHECK = command -v locust >/dev/null || python3 -c 'import importlib.util as u, sys; sys.exit(u.find_spec("locust") is None)' \
	  || { echo "loadtest: locust is missing: python3 -m pip install locust" >&2; exit 2; }; \
	if [ -z "$$PERSONAWORLDS_BIN" ] && [ ! -x .build-release/release/personaworlds ]; then \
	  $(SWIFT) build --product personaworlds; fi

## loadtest-public: phase 1 public read baseline - /p/demo-slug 200 req/s, /templates 200 req/s and
## /b/{id}/card.png 100 req/s for 60 s (public-read rate limit off); PASS at < 1 % errors and p95 < 500 ms.
loadtest-public:
	@$(LOADTEST_CHECK)
	python3 loadtest/run.py public --duration 60 $(LOADTEST_ARGS)

## loadtest-mixed: phase 2 authenticated mixed traffic - 50 virtual users, each its own account, loop over
## GET /feed, GET /notifications?limit=20 and POST /events (100 ms think time) for 60 s (events rate
## limit off); PASS at < 1 % errors and p95 < 1200 ms.
loadtest-mixed:
	@$(LOADTEST_CHECK)
	python3 loadtest/run.py mixed --duration 60 $(LOADTEST_ARGS)

## loadtest-queue: phase 3 queue stress - generate-replies at 50 req/s for 60 s, then time the queue drain.
loadtest-queue:
	@$(LOADTEST_CHECK)
	python3 loadtest/run.py queue --duration 60 --rate 50 $(LOADTEST_ARGS)

## deb: build dist/personaworlds_<version>_amd64.deb (release binary, static Swift stdlib) and lint it.
deb:
	@scripts/deps.sh test
	scripts/build-deb.sh

clean:
	rm -rf .build .build-release dist
