# Two set-up commands: `make run` serves the showcase app, `make test` runs the whole suite.
# Both create .venv and install what they need; nothing else must be set up by hand.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test test-pythons check lint types bench bench-smoke bench-servers bench-startup soak system-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/zephyr run examples.showcase:app --host 127.0.0.1 --port 8000

system-deps:
	bash scripts/system-deps

test: $(STAMP) system-deps
	bash scripts/test

# The pytest suite on every CPython from 3.10 up that this machine has (one .venv-3.X each; see the script).
test-pythons: system-deps
	bash scripts/test-pythons

check: $(STAMP)
	bash scripts/check

# the documentation site, into site/ (strict: a warning fails the build)
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# The seven scenarios (BENCH_ARGS), then the Flask face against Flask (FLASK_FACE_ARGS, e.g. "--rounds 1"): both run
# even when the first misses a target; the exit status is the last failure's.
bench: $(STAMP) system-deps
	ZEPHYR_LARGE_BURST=1 $(BIN)/python -m pytest tests/e2e/test_redis_bursts.py -k large -q -p no:cacheprovider
	status=0; \
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS) || status=$$?; \
	$(BIN)/python -m benchmarks.flask_face $(FLASK_FACE_ARGS) || status=$$?; \
	exit $$status

bench-smoke: $(STAMP) system-deps
	$(BIN)/python -m benchmarks.run --smoke

# The server axis, side by side: Zephyr and the ceiling app (prepared bytes) on uvicorn and Granian, S1-S4.
bench-servers: $(STAMP) system-deps
	$(BIN)/python -m benchmarks.run --frameworks zephyr zephyr-fast fastapi raw ceiling zephyr-granian ceiling-granian zephyr-rsgi ceiling-rsgi \
		--scenarios S1 S2 S3 S4 $(BENCH_ARGS)

# 10 minutes of mixed traffic on one worker: RSS slope and file descriptors (SOAK_ARGS="--duration 60" for less)
soak: $(STAMP)
	$(BIN)/python -m benchmarks.soak.run $(SOAK_ARGS)

bench-startup: $(STAMP)
	$(BIN)/python -m benchmarks.startup $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-3.* .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* htmlcov
