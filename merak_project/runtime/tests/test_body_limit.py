"""Bodies over their limit are refused as they arrive, over a real socket, before Django reads them."""

from __future__ import annotations

import json
import logging
import select
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from chatkit_app import models
from chatkit_app.testing.protocol import proxy_headers, user_input
from merak_project.log_format import JsonFormatter

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 100_000
CHUNK = 32 * 1024


@pytest.fixture(autouse=True)
def small_limits(settings, media_in_tmp):
    settings.CHATKIT_MAX_BODY_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    settings.MERAK_MAX_ATTACHMENT_BYTES = 4 * LIMIT


class RawReply:
    def __init__(self, raw: bytes, sent: int) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        self.sent = sent  # body bytes the client got to send before the answer came

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def post_raw(base_url: str, path: str, headers: dict[str, str], chunks: Iterator[bytes], *, chunked: bool) -> RawReply:
    """POST over a plain socket, one chunk at a time, stopping as soon as the server answers."""
    url = urlsplit(base_url)
    head = "".join(f"{name}: {value}\r\n" for name, value in {"Host": url.netloc, **headers}.items())
    if chunked:
        head += "Transfer-Encoding: chunked\r\n"
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\n{head}\r\n".encode())
        sent = 0
        for chunk in chunks:
            # Give the server time to read what it has and answer: then nothing is left unread
            # when it closes, and the answer is never lost to a reset.
            if select.select([sock], [], [], 0.2)[0]:
                break
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
            sent += len(chunk)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        return RawReply(read_response(sock), sent)


def read_response(sock: socket.socket) -> bytes:
    """One whole response with a Content-Length (every answer these tests expect has one)."""
    raw = b""
    while b"\r\n\r\n" not in raw:
        raw += sock.recv(65536) or b"\r\n\r\n"
    head, _, body = raw.partition(b"\r\n\r\n")
    length = next((int(line[15:]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")), 0)
    while len(body) < length and (data := sock.recv(65536)):
        body += data
    return raw[: len(head) + 4] + body


def filler(total: int) -> Iterator[bytes]:
    while total > 0:
        yield b"x" * min(CHUNK, total)
        total -= CHUNK


def stored() -> tuple[int, int]:
    return models.Thread.objects.count(), models.Item.objects.count()


def test_a_declared_length_over_the_limit_is_refused_before_any_body_is_sent(asgi_server):
    headers = {"Content-Type": "application/json", "Content-Length": str(50_000_000), **proxy_headers("alice")}

    reply = post_raw(asgi_server, "/chatkit", headers, filler(3 * LIMIT), chunked=False)

    assert reply.status == 413
    assert reply.headers["content-type"] == "application/json"
    assert reply.json["error"]["code"] == "payload_too_large"
    assert str(LIMIT) in reply.json["error"]["message"]
    assert reply.sent == 0
    assert stored() == (0, 0)


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(asgi_server):
    # Without a Content-Length, Django itself would read (and spool) all of it, then parse it.
    headers = {"Content-Type": "application/json", **proxy_headers("alice")}

    reply = post_raw(asgi_server, "/chatkit", headers, filler(20 * LIMIT), chunked=True)

    assert reply.status == 413
    assert reply.json["error"]["code"] == "payload_too_large"
    assert LIMIT < reply.sent <= LIMIT + 2 * CHUNK
    assert stored() == (0, 0)


def test_a_chunked_body_under_the_limit_is_served(asgi_server):
    request = json.dumps({"type": "threads.create", "params": {"input": user_input("2 days in Porto")}}).encode()

    def parts() -> Iterator[bytes]:
        yield from (request[i : i + 16] for i in range(0, len(request), 16))

    headers = {"Content-Type": "application/json", **proxy_headers("alice")}
    response = httpx.post(f"{asgi_server}/chatkit", content=parts(), headers=headers, timeout=30)

    assert response.status_code == 200
    assert "thread.created" in response.text
    assert stored()[0] == 1


def test_the_limit_applies_to_every_path_unauthenticated_too(asgi_server):
    reply = post_raw(asgi_server, "/admin/login/", {"Content-Length": str(LIMIT + 1)}, filler(LIMIT + 1), chunked=False)

    assert reply.status == 413 and reply.sent == 0


def register_attachment(base_url: str, size: int) -> str:
    """A registered attachment's upload path (its URL names MERAK_PUBLIC_URL, not this test server)."""
    params = {"name": "notes.txt", "size": size, "mime_type": "text/plain"}
    request = {"type": "attachments.create", "params": params}
    response = httpx.post(f"{base_url}/chatkit", json=request, headers=proxy_headers("alice"))
    assert response.status_code == 200, response.text
    return urlsplit(response.json()["upload_descriptor"]["url"]).path


def test_an_upload_may_be_as_large_as_an_attachment_not_just_a_request(asgi_server):
    size = 3 * LIMIT  # over CHATKIT_MAX_BODY_BYTES, under MERAK_MAX_ATTACHMENT_BYTES
    upload_path = register_attachment(asgi_server, size)
    file = ("notes.txt", b"n" * size, "text/plain")

    response = httpx.post(f"{asgi_server}{upload_path}", files={"file": file}, timeout=30)

    assert response.status_code == 200, response.text
    row = models.Attachment.objects.get()
    assert row.data["metadata"]["size"] == size


def test_an_upload_over_the_attachment_limit_is_refused_as_it_arrives(asgi_server):
    upload_path = register_attachment(asgi_server, 10)

    headers = {"Content-Type": "multipart/form-data; boundary=b"}

    reply = post_raw(asgi_server, upload_path, headers, filler(20 * LIMIT), chunked=True)

    assert reply.status == 413
    assert reply.json["error"]["code"] == "attachment_too_large"
    assert reply.sent <= 4 * LIMIT + 64 * 1024 + 2 * CHUNK
    assert models.Attachment.objects.get().data["upload_descriptor"] is not None  # still waiting for its file


def test_a_refused_upload_is_logged_by_its_route_never_by_its_signed_path(asgi_server, caplog):
    upload_path = register_attachment(asgi_server, 10)
    token = upload_path.split("/")[-2]
    caplog.set_level(logging.INFO)

    post_raw(
        asgi_server, upload_path, {"Content-Type": "multipart/form-data; boundary=b"}, filler(20 * LIMIT), chunked=True
    )

    refused = [r for r in caplog.records if r.getMessage() == "request body over the limit refused"]
    assert refused and refused[0].route == "/chatkit/attachments/<str:token>/upload"
    assert not [line for line in map(JsonFormatter().format, caplog.records) if token in line]
