#!/usr/bin/env bash
# The whole test suite: on SQLite, then again on PostgreSQL when one is reachable.
# Installs what it needs. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements-dev.txt
py=.venv/bin/python

echo "== tests on SQLite"
DATABASE_URL="sqlite:///$PWD/db.sqlite3" "$py" -m pytest "$@"

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
    DATABASE_URL="$pg_url" "$py" -m pytest "$@"
fi
