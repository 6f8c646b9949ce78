#!/usr/bin/env bash
# Install, lint, check the formatting and type-check, then run the whole test suite (unit, chapter
# grader-power and end-to-end tests). Configuration for ruff and mypy lives in pyproject.toml.
#   bash scripts/test.sh            everything (CI runs this via .ci/run)
#   bash scripts/test.sh --fast     the inner loop: no chapter grader-power/oracle tests, no slow e2e/red-team
# Other arguments go to pytest (e.g. `bash scripts/test.sh tests/unit -k runner`).
set -euo pipefail
cd "$(dirname "$0")/.."
select=()
if [ "${1:-}" = "--fast" ]; then
  shift
  select=(-m "not slow and not chapter")
fi
bash scripts/setup.sh
echo "test: ruff check"
.venv/bin/ruff check .
echo "test: ruff format --check"
.venv/bin/ruff format --check .
echo "test: mypy grader"
.venv/bin/mypy grader
# loadgroup: the grader-power tests spread by chapter, every other test file stays on one worker
# (tests/conftest.py names each file's group)
exec .venv/bin/python -m pytest -n 2 --dist loadgroup "${select[@]}" "$@"
