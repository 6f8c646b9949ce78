#!/usr/bin/env bash
# Install, lint and type-check, then run the whole test suite (unit, chapter grader-power and end-to-end tests).
# Configuration for ruff and mypy lives in pyproject.toml. `ruff format --check` is not run yet: formatting
# the tree would rewrite ~130 files in one change.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "test: ruff check"
.venv/bin/ruff check .
echo "test: mypy grader"
.venv/bin/mypy grader
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"
