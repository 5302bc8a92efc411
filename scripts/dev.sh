#!/usr/bin/env bash
# Run Merak for development: Django (daphne, `manage.py runserver`) and the Next.js chat
# page (`next dev`), installing what they need and migrating first; Ctrl-C stops both.
# SQLite and the offline planner unless .env says otherwise. Ports: CHATKIT_SERVER_PORT
# (8000) and FRONTEND_PORT (3000), from the environment, else .env and frontend/.env.local.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements.txt
scripts/frontend_install.sh
.venv/bin/python manage.py migrate --noinput

# A setting from the environment, else its last line in `file` (KEY=value; quotes and spaces trimmed).
from_env_file() {
    local name="$1" file="$2"
    if [ -z "${!name:-}" ] && [ -f "$file" ]; then
        local value
        value="$(sed -n "s/^[[:space:]]*\(export[[:space:]]\+\)\?$name[[:space:]]*=[[:space:]]*//p" "$file" | tail -n 1 | tr -d "\"'" | sed 's/[[:space:]]*$//')"
        if [ -n "$value" ]; then export "$name=$value"; fi
    fi
    return 0
}
from_env_file CHATKIT_SERVER_PORT .env
from_env_file FRONTEND_PORT frontend/.env.local
from_env_file FRONTEND_PORT .env
backend_port="${CHATKIT_SERVER_PORT:-8000}"
frontend_port="${FRONTEND_PORT:-3000}"
# Both servers must agree on the server key, and the composer on Django's attachment limit.
from_env_file MERAK_SERVER_API_KEY .env
from_env_file MERAK_MAX_ATTACHMENT_BYTES .env
# Attachment upload and preview URLs on the frontend's origin, which relays them to Django.
from_env_file MERAK_PUBLIC_URL .env
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

# The URLs once both answer (the first page request also has `next dev` compile the chat page).
.venv/bin/python - "$backend_port" "$frontend_port" "$backend" "$frontend" <<'PY'
import os, sys, time, urllib.error, urllib.request

backend_port, frontend_port, *pids = sys.argv[1:]

def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=60).close()
        return True
    except urllib.error.HTTPError:
        return True  # an answer all the same
    except OSError:
        return False

for url in (f"http://127.0.0.1:{backend_port}/healthz", f"http://127.0.0.1:{frontend_port}/"):
    deadline = time.monotonic() + 180
    while not answers(url):
        for pid in pids:
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                sys.exit(f"A server exited before answering at {url}.")
        if time.monotonic() > deadline:
            sys.exit(f"Nothing answered at {url} within 3 minutes.")
        time.sleep(0.3)
PY
echo
echo "Merak chat (frontend): http://127.0.0.1:$frontend_port"
echo "Merak backend:         http://127.0.0.1:$backend_port/chatkit  (admin: /admin/, health: /healthz)"
echo "Ctrl-C stops both."
echo
# When either server exits, stop the other.
wait -n
