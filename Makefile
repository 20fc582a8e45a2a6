# The developer's loop. `make fast` while you work, `make check` before you commit,
# `make ci` for what CI runs (installs Dovecot, PostgreSQL and tmux; needs root).
PYTHON ?= python3
# Tests that need no server, no other process, no terminal and no Hypothesis run; the
# markers are applied by tests/conftest.py from the fixtures a test uses.
FAST = not slow and not dovecot and not postgres and not smtp and not tmux and not tui \
       and not subprocess and not property and not accounts

.PHONY: fast lint check test ci digest bench

fast:  ## the pure tests, on every core (under 30 s)
	$(PYTHON) -m pytest -q -p no:benchmark -n auto -m "$(FAST)"

lint:  ## ruff, mypy (domain, store, TUI), the import contracts
	$(PYTHON) -m ruff check .
	$(PYTHON) -m mypy
	$(PYTHON) -c "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_logo=True))"

check: lint fast  ## what to run before a commit

test:  ## the whole suite: the README's test command
	$(PYTHON) -m pytest

ci:  ## exactly what CI runs
	.ci/run

digest:  ## the identity check: one digest of every row 10,000 corpus messages store
	$(PYTHON) bench/store_digest.py

bench:  ## where a message's CPU goes, stage by stage
	$(PYTHON) bench/bench_stages.py
