#!/usr/bin/env bash
# Side-by-side load runs of two commits: bench/compare.sh <before> <after> [rounds] [seconds]
# Checks both commits out in scratch worktrees, then alternates their runs of bench/load.py (uvicorn,
# one worker, 50 clients; SQLite then PostgreSQL each round), and prints medians with min and max.
# Both run on this checkout's .venv, so their requirements must match it.
set -euo pipefail
cd "$(dirname "$0")/.."
before="$1"; after="$2"; rounds="${3:-3}"; seconds="${4:-15}"
py="$PWD/.venv/bin/python"
out="$(mktemp -d)"
git worktree add --detach -q "$out/before" "$before"
git worktree add --detach -q "$out/after" "$after"
trap 'git worktree remove --force "$out/before"; git worktree remove --force "$out/after"' EXIT
for round in $(seq "$rounds"); do
    for db in sqlite postgres; do
        for side in before after; do
            (cd "$out/$side" && "$py" bench/load.py --server uvicorn --db "$db" --clients 50 --seconds "$seconds" \
                > "$out/$side-$db-$round.json")
        done
    done
done
"$py" - "$out" "$before" "$after" <<'PY'
import glob, json, statistics, sys
out, before, after = sys.argv[1:]
runs = {}
for path in sorted(glob.glob(f"{out}/*.json")):
    side, db, _ = path.rsplit("/", 1)[1][:-5].split("-")
    runs.setdefault((db, side), []).append(json.load(open(path)))

def figure(values):
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"

for (db, side), group in sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1] != "before")):
    label = before if side == "before" else after
    print(f"{db:8} {label:10} streams/s {figure([r['streams_per_s'] for r in group])}"
          f"  first event p50 {figure([r['first_event_ms']['50'] for r in group])} ms")
PY
