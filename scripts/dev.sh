#!/usr/bin/env bash
# Run Merak for development: installs what it needs, migrates, serves on :8000.
# SQLite and the offline planner unless .env says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements.txt
.venv/bin/python manage.py migrate --noinput
echo "Merak backend: http://127.0.0.1:${CHATKIT_SERVER_PORT:-8000}/chatkit  (admin: /admin/, health: /healthz)"
exec .venv/bin/python manage.py runserver "127.0.0.1:${CHATKIT_SERVER_PORT:-8000}"
