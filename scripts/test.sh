#!/usr/bin/env bash
# Install, then run the whole test suite (unit, chapter grader-power and end-to-end tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"
