"""A stand-in OpenAI-compatible server on loopback: `/v1/chat/completions` and `/v1/responses`, streamed or not,
and `/v1/audio/transcriptions`.

A real HTTP server (uvicorn, in a thread) that the `openai` client reaches over a socket, as it
would reach vLLM, Ollama or OpenAI. The test scripts the model: `script(request) -> Reply` sees
each request (a `ModelRequest`, whose `transcript` reads alike on both APIs) and answers text,
function calls or both. Every request is kept in `requests` (path, headers, JSON body).

Requests are checked as OpenAI checks them, and refused with a 400 otherwise: message content
parts each API accepts, and every tool output answering a call made before it.

Transcriptions are kept in `transcriptions`; `transcriber(audio) -> text` answers them (by
default: nothing heard in a silent WAV, else `HEARD`).

    with OpenAIServer(lambda request: say("Hello")) as server:
        client = AsyncOpenAI(api_key="local-key", base_url=server.base_url)
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Literal, Self

import uvicorn

from . import openai_wire as wire
from .openai_wire import Reply, ToolCall, call, say

__all__ = ["HEARD", "Entry", "ModelRequest", "OpenAIServer", "Reply", "ToolCall", "Transcription", "call", "say"]

HEARD = "Three days in Lisbon in March"

CHAT_PARTS = {"text", "image_url", "input_audio", "file"}
INPUT_PARTS = {"input_text", "input_image", "input_file"}
ASSISTANT_PARTS = {"output_text", "refusal"}


@dataclass(frozen=True)
class Entry:
    """One step of the conversation a request carries.

    `role` is "system" (instructions), "user", "assistant", "tool_call" (the model's call: `name`,
    `call_id`, arguments JSON as `text`) or "tool" (a call's output as `text`, and its `call_id`).
    """

    role: str
    text: str
    name: str = ""
    call_id: str = ""


@dataclass(frozen=True)
class ModelRequest:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def api(self) -> Literal["chat", "responses"]:
        return "chat" if self.path.endswith("/chat/completions") else "responses"

    @property
    def transcript(self) -> list[Entry]:
        if self.api == "chat":
            return _chat_transcript(self.body.get("messages", []))
        instructions = [Entry("system", self.body["instructions"])] if self.body.get("instructions") else []
        return instructions + _responses_transcript(self.body.get("input", []))

    @property
    def instructions(self) -> str:
        return "\n".join(entry.text for entry in self.transcript if entry.role == "system")

    def tool_call(self, call_id: str) -> Entry:
        """The call a tool output answers."""
        return next(e for e in self.transcript if e.role == "tool_call" and e.call_id == call_id)


Script = Callable[[ModelRequest], Reply]


def _text(content: Any) -> str:
    """A message's text: its text parts, one a line; other parts as `[type]`."""
    if content is None or isinstance(content, str):
        return content or ""
    return "\n".join(part.get("text", f"[{part.get('type')}]") for part in content)


def _chat_transcript(messages: list[dict[str, Any]]) -> list[Entry]:
    entries = []
    for message in messages:
        role, text = message["role"], _text(message.get("content"))
        if role == "tool":
            entries.append(Entry("tool", text, call_id=message["tool_call_id"]))
            continue
        if text or role != "assistant":
            entries.append(Entry("system" if role == "developer" else role, text))
        for tool_call in message.get("tool_calls") or ():
            function = tool_call["function"]
            entries.append(Entry("tool_call", function["arguments"], function["name"], tool_call["id"]))
    return entries


def _responses_transcript(items: str | list[dict[str, Any]]) -> list[Entry]:
    if isinstance(items, str):
        return [Entry("user", items)]
    entries = []
    for item in items:
        kind = item.get("type", "message")
        if kind == "function_call":
            entries.append(Entry("tool_call", item["arguments"], item["name"], item["call_id"]))
        elif kind == "function_call_output":
            entries.append(Entry("tool", _text(item["output"]), call_id=item["call_id"]))
        else:
            role = item["role"]
            entries.append(Entry("system" if role == "developer" else role, _text(item["content"])))
    return entries


def _chat_problem(messages: list[dict[str, Any]]) -> str | None:
    unanswered: set[str] = set()
    for index, message in enumerate(messages):
        if message.get("role") == "tool":
            if message.get("tool_call_id") not in unanswered:
                return f"messages[{index}]: a tool message must answer a preceding tool call"
            unanswered.discard(message["tool_call_id"])
            continue
        if unanswered:
            return f"messages[{index}]: tool calls {sorted(unanswered)} were not answered"
        content = message.get("content")
        parts = content if isinstance(content, list) else []
        if message.get("role") not in {"system", "developer", "user", "assistant"}:
            return f"messages[{index}]: unknown role {message.get('role')!r}"
        if not (content is None or isinstance(content, str) or parts):
            return f"messages[{index}].content: expected a string or a list of parts"
        if bad := [part.get("type") for part in parts if part.get("type") not in CHAT_PARTS]:
            return f"messages[{index}].content: invalid part type {bad[0]!r}"
        unanswered = {tool_call["id"] for tool_call in message.get("tool_calls") or ()}
    return f"tool calls {sorted(unanswered)} were not answered" if unanswered else None


def _responses_problem(items: str | list[dict[str, Any]]) -> str | None:
    calls: set[str] = set()
    for index, item in enumerate([] if isinstance(items, str) else items):
        kind = item.get("type", "message")
        if kind == "reasoning":  # a reasoning model's item, handed back within the run
            if not isinstance(item.get("summary"), list):
                return f"input[{index}].summary: expected a list"
        elif kind == "function_call":
            calls.add(item["call_id"])
        elif kind == "function_call_output":
            if item.get("call_id") not in calls:
                return f"input[{index}]: no tool call found for function call output {item.get('call_id')!r}"
        elif kind == "message":
            allowed = ASSISTANT_PARTS if item.get("role") == "assistant" else INPUT_PARTS
            content = item.get("content")
            if not isinstance(content, (str, list)):
                return f"input[{index}].content: expected a string or a list of parts"
            if bad := [
                part.get("type") for part in content if isinstance(content, list) and part.get("type") not in allowed
            ]:
                return f"input[{index}].content: invalid part type {bad[0]!r} for role {item.get('role')!r}"
        else:
            return f"input[{index}]: unsupported item type {kind!r}"
    return None


@dataclass(frozen=True)
class Transcription:
    """A request to `/v1/audio/transcriptions`: its headers and form fields, and the file as sent."""

    headers: dict[str, str]
    model: str
    filename: str
    content_type: str
    audio: bytes


def _heard(audio: bytes) -> str:
    """What the stand-in hears: nothing in a WAV of silence, `HEARD` in anything else."""
    try:
        with wave.open(io.BytesIO(audio)) as recording:
            frames = recording.readframes(recording.getnframes())
    except (wave.Error, EOFError):
        return HEARD
    silence = b"\x80" if recording.getsampwidth() == 1 else b"\x00"
    return "" if not frames.strip(silence) else HEARD


def _transcription(headers: dict[str, str], body: bytes) -> Transcription:
    form = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {headers['content-type']}\r\n\r\n".encode() + body)
    fields = {part.get_param("name", header="content-disposition"): part for part in form.iter_parts()}
    file = fields["file"]
    return Transcription(
        headers,
        fields["model"].get_content().strip(),
        file.get_filename() or "",
        file.get_content_type(),
        file.get_payload(decode=True),
    )


class OpenAIServer:
    """The server, as a context manager; `script` and `transcriber` may be replaced while it runs."""

    def __init__(self, script: Script | None = None) -> None:
        self.script: Script = script or (lambda request: say("Hello there"))
        self.requests: list[ModelRequest] = []
        self.transcriber: Callable[[bytes], str] = _heard
        self.transcriptions: list[Transcription] = []
        self._uvicorn: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> Self:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        server = self._uvicorn = uvicorn.Server(config)
        self._thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "the stand-in OpenAI server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._uvicorn is not None and self._thread is not None
        self._uvicorn.should_exit = True
        self._thread.join(timeout=10)

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        """The ASGI application."""
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
        path = scope["path"]
        if scope["method"] == "POST" and path.endswith("/v1/audio/transcriptions"):
            return await self._transcribe(headers, body, send)
        if scope["method"] != "POST" or not path.endswith(("/v1/chat/completions", "/v1/responses")):
            return await _json(send, 404, _error(f"no route {scope['method']} {path}"))
        request = ModelRequest(path, headers, json.loads(body or b"{}"))
        self.requests.append(request)
        if not headers.get("authorization", "").startswith("Bearer "):
            return await _json(send, 401, _error("missing API key"))
        if request.api == "chat":
            problem = _chat_problem(request.body.get("messages", []))
        else:
            problem = _responses_problem(request.body.get("input", []))
        if problem:
            return await _json(send, 400, _error(problem))
        try:
            reply = self.script(request)
            answer = _answer(request, reply)
        except Exception as error:  # noqa: BLE001 — a 400, which the client does not retry: the test sees it
            return await _json(send, 400, _error(f"the test's script failed: {error!r}"))
        if isinstance(answer, dict):
            return await _json(send, 200, answer)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
        for line in answer:
            await send({"type": "http.response.body", "body": line.encode(), "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _transcribe(self, headers: dict[str, str], body: bytes, send: Callable) -> None:
        transcription = _transcription(headers, body)
        self.transcriptions.append(transcription)
        if not headers.get("authorization", "").startswith("Bearer "):
            return await _json(send, 401, _error("missing API key"))
        try:
            text = self.transcriber(transcription.audio)
        except Exception as error:  # noqa: BLE001 — a server failing: the client sees a 500
            return await _json(send, 500, _error(f"the transcriber failed: {error!r}"))
        await _json(send, 200, {"text": text})


def _answer(request: ModelRequest, reply: Reply) -> dict[str, Any] | list[str]:
    """The reply as the API answers it: a JSON body, or the lines of an event stream."""
    model, body = request.body["model"], request.body
    tokens = wire.Tokens.of(body, reply)
    if not body.get("stream"):
        return (wire.chat_completion if request.api == "chat" else wire.response)(model, reply, tokens)
    if request.api == "chat":
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        chunks = wire.chat_chunks(model, reply, tokens, include_usage)
        return [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks] + ["data: [DONE]\n\n"]
    events = wire.response_events(model, reply, tokens)
    return [f"event: {event['type']}\ndata: {json.dumps(event)}\n\n" for event in events]


def _error(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}


async def _json(send: Callable, status: int, payload: dict[str, Any]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})
