#!/usr/bin/env bash
# Run Merak for development: Django on :8000 and the Next.js chat page on :3000,
# installing what they need and migrating first; Ctrl-C stops both.
# SQLite and the offline planner unless .env says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements.txt
scripts/frontend_install.sh
.venv/bin/python manage.py migrate --noinput

backend_port="${CHATKIT_SERVER_PORT:-8000}"
frontend_port="${FRONTEND_PORT:-3000}"
# A setting from .env (unless the environment has it), for the frontend to see what Django sees.
share_from_env_file() {
    if [ -z "${!1:-}" ] && [ -f .env ]; then
        value="$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" .env | tail -n 1 | tr -d "\"'")"
        if [ -n "$value" ]; then export "$1=$value"; fi
    fi
}
# Both servers must agree on the server key, and the composer on Django's attachment limit.
share_from_env_file MERAK_SERVER_API_KEY
share_from_env_file MERAK_MAX_ATTACHMENT_BYTES
# Attachment upload and preview URLs on the frontend's origin, which relays them to Django.
share_from_env_file MERAK_PUBLIC_URL
export MERAK_PUBLIC_URL="${MERAK_PUBLIC_URL:-http://127.0.0.1:$frontend_port/api}"

set -m  # each server in its own process group, so stopping one stops its children too
.venv/bin/python manage.py runserver "127.0.0.1:$backend_port" &
backend=$!
(cd frontend && MERAK_BACKEND_URL="http://127.0.0.1:$backend_port" NEXT_TELEMETRY_DISABLED=1 \
    exec node_modules/.bin/next dev -H 127.0.0.1 -p "$frontend_port") &
frontend=$!

stop() {
    trap - INT TERM EXIT
    kill -TERM -- "-$backend" "-$frontend" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

echo
echo "Merak chat (frontend): http://127.0.0.1:$frontend_port"
echo "Merak backend:         http://127.0.0.1:$backend_port/chatkit  (admin: /admin/, health: /healthz)"
echo "Ctrl-C stops both."
echo
# When either server exits, stop the other.
wait -n
