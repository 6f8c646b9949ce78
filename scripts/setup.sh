#!/usr/bin/env bash
# Install the project into ./.venv (idempotent; a second run takes seconds).
# torch is pinned to 2.13.0 (the CPU wheel) *before* the project, so the project's
# torch range is already satisfied and pip never pulls CUDA packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
export PIP_DISABLE_PIP_VERSION_CHECK=1
# bubblewrap isolates student code (grade doctor reports the level reached).
if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing bubblewrap"
    (apt-get update -qq && apt-get install -y -qq bubblewrap) >/dev/null 2>&1 \
      || echo "setup: could not install bubblewrap; student code will run in a plain subprocess (not secure)"
  else
    echo "setup: bubblewrap (bwrap) not found; install it for isolation (e.g. sudo apt-get install bubblewrap)"
  fi
fi
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -qq "torch==2.13.0"
.venv/bin/python -m pip install -qq -e ".[dev]"
echo "setup: $(.venv/bin/grade --version), torch $(.venv/bin/python -c 'import torch; print(torch.__version__)')"
.venv/bin/grade doctor
