#!/usr/bin/env bash
# The house style, checked: ruff (format and lint) and mypy with django-stubs on the backend,
# Biome and tsc on the frontend (unless MERAK_SKIP_FRONTEND_TESTS=1). Fails on the first finding.
# Run by scripts/test.sh and by pre-commit; `scripts/lint.sh --fix` rewrites what the formatters can.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements-dev.txt
if [ "${1:-}" = "--fix" ]; then
    .venv/bin/ruff format .
    .venv/bin/ruff check --fix .
else
    .venv/bin/ruff format --check .
    .venv/bin/ruff check .
fi
.venv/bin/mypy
if [ "${MERAK_SKIP_FRONTEND_TESTS:-}" != 1 ]; then
    scripts/frontend_install.sh
    if [ "${1:-}" = "--fix" ]; then
        (cd frontend && npm run --silent format)
    else
        (cd frontend && npm run --silent lint && npm run --silent typecheck)
    fi
fi
