#!/usr/bin/env bash
# The whole test suite: lint, format, strict types, then the tests with coverage.
# Run through uv (see the README): uv run --frozen --all-extras bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# The suite starts many Python processes (every documented command, the dashboard, Dask
# workers): compile each module once per run into a throw-away folder, rather than once per
# process, even where PYTHONDONTWRITEBYTECODE is set. Nothing is written into the checkout.
PYTHONPYCACHEPREFIX="$(mktemp -d)"
export PYTHONPYCACHEPREFIX
unset PYTHONDONTWRITEBYTECODE
trap 'rm -rf "$PYTHONPYCACHEPREFIX"' EXIT
echo "== ruff check";          ruff check
echo "== ruff format --check"; ruff format --check
# Strict types and the docs build need no test result: they run beside the tests, and their
# output (and failure) is reported once the tests are done.
static_log="$(mktemp)"
(
  set -e
  echo "== mypy --strict src"; mypy src
  echo "== docs (mkdocs --strict)"
  NO_MKDOCS_2_WARNING=1 mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
) >"$static_log" 2>&1 &
static_pid=$!
# Two pytest-xdist workers (the machine's two cores; NCR_TEST_WORKERS=0 runs in one process);
# tests sharing a cached result stay on one worker (tests/conftest.py).
status=0
echo "== pytest"
pytest -n "${NCR_TEST_WORKERS:-2}" --dist loadgroup --cov=ncrealism --cov-report=term "$@" \
  || status=$?
wait "$static_pid" || status=$?
cat "$static_log"
exit "$status"
