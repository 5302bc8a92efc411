#!/usr/bin/env bash
# The whole test suite: the house style (scripts/lint.sh: ruff, mypy, Biome, tsc),
# the backend on SQLite, then again on PostgreSQL when one is reachable, then the
# frontend (unit, end-to-end, browser). Installs what it needs. Extra arguments go
# to pytest; MERAK_SKIP_FRONTEND_TESTS=1 skips the frontend; MERAK_TEST_WORKERS sets
# how many pytest-xdist workers share each backend run (2; 0 runs in this process).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements-dev.txt
py=.venv/bin/python
# Many tests wait (on the database, on servers they start): two workers overlap the waits.
workers=(-n "${MERAK_TEST_WORKERS:-2}")

echo "== lint, format and types"
scripts/lint.sh

# The browser tests (the admin here, the frontend below) drive Debian's Chromium, never a download of their own;
# with an emoji font, so that the screenshots show the feedback's 👍 and 👎.
if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then
    sudo=""; if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null
fi

echo "== tests on SQLite"
DATABASE_URL="sqlite:///$PWD/db.sqlite3" "$py" -m pytest "${workers[@]}" "$@"

pg_url="${MERAK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/merak}"
if "$py" - "$pg_url" <<'PY'
import sys, psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable ({exc.__class__.__name__}); skipping the PostgreSQL run")
    sys.exit(1)
PY
then
    echo "== tests on PostgreSQL"
    DATABASE_URL="$pg_url" "$py" -m pytest "${workers[@]}" "$@"
fi

if [ "${MERAK_SKIP_FRONTEND_TESTS:-}" = 1 ]; then
    echo "== frontend tests skipped (MERAK_SKIP_FRONTEND_TESTS=1)"
    exit 0
fi
echo "== frontend tests"
scripts/frontend_install.sh
cd frontend
NEXT_TELEMETRY_DISABLED=1 node_modules/.bin/next build
npm test
