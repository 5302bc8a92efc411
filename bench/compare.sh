#!/usr/bin/env bash
# Side-by-side load runs of two commits: bench/compare.sh <before> <after> [rounds] [seconds] [db] [phases]
# Checks both commits out in scratch worktrees, copies this checkout's bench/ into both (so that both are
# measured by the same benchmark), then alternates their runs of bench/load.py (uvicorn, one worker, 50
# clients; each phase, `create` and/or `reads`, every round) and prints medians with min and max.
# Both run on this checkout's .venv, so their requirements must match it.
set -euo pipefail
cd "$(dirname "$0")/.."
before="$1"; after="$2"; rounds="${3:-3}"; seconds="${4:-15}"; db="${5:-postgres}"; phases="${6:-create,reads}"
py="$PWD/.venv/bin/python"
out="$(mktemp -d)"
git worktree add --detach -q "$out/before" "$before"
git worktree add --detach -q "$out/after" "$after"
trap 'git worktree remove --force "$out/before"; git worktree remove --force "$out/after"' EXIT
cp bench/*.py "$out/before/bench/"
cp bench/*.py "$out/after/bench/"
for round in $(seq "$rounds"); do
    for phase in ${phases//,/ }; do
        for side in before after; do
            reads=""; [ "$phase" = reads ] && reads="--reads"
            (cd "$out/$side" && "$py" bench/load.py --server uvicorn --db "$db" --clients 50 --seconds "$seconds" \
                $reads > "$out/$side-$phase-$round.json")
        done
    done
done
"$py" - "$out" "$before" "$after" <<'PY'
import glob, json, statistics, sys
out, before, after = sys.argv[1:]
runs = {}
for path in sorted(glob.glob(f"{out}/*.json")):
    side, phase, _ = path.rsplit("/", 1)[1][:-5].split("-")
    runs.setdefault((phase, side), []).append(json.load(open(path)))

def figure(values):
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"

print("| phase | commit | streams/s | CPU ms/stream | first event p50 ms |")
print("|---|---|---|---|---|")
for (phase, side), group in sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1] != "before")):
    label = before if side == "before" else after
    print(f"| {phase} | {label} | {figure([r['streams_per_s'] for r in group])}"
          f" | {figure([r['cpu_ms_per_stream'] for r in group])}"
          f" | {figure([r['first_event_ms']['50'] for r in group])} |")
PY
