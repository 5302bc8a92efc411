#!/usr/bin/env bash
# Install the frontend's locked npm packages (npm ci) when package-lock.json changed since the last install.
# Needs Node.js 20.9+ and npm.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
if ! command -v node >/dev/null || ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 9) ? 0 : 1)'; then
    echo "The frontend needs Node.js 20.9 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
    exit 1
fi
stamp=node_modules/.merak-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
fi
