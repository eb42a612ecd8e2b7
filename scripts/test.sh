#!/usr/bin/env bash
# The whole test suite: lint, format, strict types, then the tests with coverage.
# Run through uv (see the README): uv run --frozen --all-extras bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff check";          ruff check
echo "== ruff format --check"; ruff format --check
echo "== mypy --strict src";   mypy src
echo "== docs (mkdocs --strict)"
NO_MKDOCS_2_WARNING=1 mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
echo "== pytest";              pytest --cov=ncrealism --cov-report=term "$@"
