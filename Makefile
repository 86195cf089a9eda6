# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
# Argon2 built for this CPU (AVX2), beside the environment's Python; see scripts/build-argon2.sh.
ARGON2 := $(VENV)/lib/itexit/libargon2-avx2.so

.PHONY: run test lint bench system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# An editable install leaves the project's own modules uncompiled; compiling them once keeps
# every start from doing it again when the environment disables writing bytecode.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	$(BIN)/python -m compileall -q src
	touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python -m compileall -q src
	touch $@ $(STAMP)

$(ARGON2): scripts/build-argon2.sh $(shell find native -name '*.[ch]') | $(BIN)/python
	bash scripts/build-argon2.sh $@

run: $(STAMP) $(ARGON2)
	$(BIN)/itexit

system-deps:
	bash scripts/system-deps.sh

lint: $(TSTAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy --strict src/itexit
	$(BIN)/lint-imports

# Two test processes per core: a screen test spends about 40% of its time waiting for the app
# to go idle, and a second process uses the core meanwhile (2 cores: 590 s with 2, 410 s with 4).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))

test: system-deps $(TSTAMP) $(ARGON2) lint
	ITEXIT_REQUIRE_PG=1 ITEXIT_REQUIRE_SERVERS=1 $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup

bench: $(TSTAMP) $(ARGON2)
	$(BIN)/python -m compileall -q src
	$(BIN)/python bench/kdf.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/filter_credentials.py
	$(BIN)/python bench/virtual_table.py
	$(BIN)/python bench/filter.py
	$(BIN)/python bench/mbox_import.py
	$(BIN)/python bench/search_vs_keepassxc.py
	$(BIN)/python bench/exposures.py
	$(BIN)/python bench/rotation_campaign.py
	$(BIN)/python bench/tricks.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info
