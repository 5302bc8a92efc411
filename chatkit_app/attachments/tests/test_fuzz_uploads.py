"""Property-based fuzzing of an attachment's upload URL: whatever body arrives, never a 500, nothing changed.

Bodies: multipart built right and wrong (a missing, empty, overlong or
mismatched boundary; oversized, missing or garbled part headers; bad base64;
cut short), other content types, and raw bytes, all sent to a valid signed
upload URL. A body that carries a file may replace the upload; anything
refused must leave the database and the stored file exactly as they were.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatkit_app.testing.protocol import FUZZ, local, stored_rows

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_in_tmp")]

STORED = b"the file as first uploaded"


@pytest.fixture
async def upload_url(attach, settings):
    """Alice's attachment, uploaded once; its upload URL (good for an hour, and for another upload)."""
    settings.MERAK_RATE_LIMIT_REQUESTS = 0
    attachment = await attach("plan.txt", "text/plain", STORED)
    return local(attachment["upload_descriptor"]["url"]), attachment["id"]


async def stored(media_in_tmp, attachment_id: str) -> tuple[dict, bytes]:
    """The database and the attachment's stored file, to show a refused upload changed neither."""
    return await stored_rows(), (media_in_tmp / "attachments" / attachment_id).read_bytes()


def part(boundary: str, headers: list[str], content: bytes) -> bytes:
    return f"--{boundary}\r\n".encode() + "".join(f"{h}\r\n" for h in headers).encode() + b"\r\n" + content + b"\r\n"


def multipart(boundary: str, parts: list[bytes], closed: bool = True) -> bytes:
    return b"".join(parts) + (f"--{boundary}--\r\n".encode() if closed else b"")


FILE_HEADERS = ['Content-Disposition: form-data; name="file"; filename="plan.txt"', "Content-Type: text/plain"]
header_text = st.text(
    alphabet=st.characters(min_codepoint=9, max_codepoint=126, exclude_characters="\n\r"), max_size=120
)
boundaries = st.one_of(
    st.just("b0undary"),
    st.just(""),
    st.text(alphabet="abcXYZ019'()+_,-./:=? ", min_size=1, max_size=70),
    st.integers(190, 3000).map(lambda n: "b" * n),  # Django allows 201 characters
    header_text,
)
part_headers = st.one_of(
    st.just(FILE_HEADERS),
    st.just([*FILE_HEADERS, "Content-Transfer-Encoding: base64"]),
    st.integers(1000, 70_000).map(lambda n: [*FILE_HEADERS, f"X-Padding: {'x' * n}"]),  # oversized part headers
    st.lists(header_text, max_size=4),
    st.just(['Content-Disposition: form-data; name="file"']),  # a field, not a file
)


@st.composite
def multipart_uploads(draw) -> tuple[str, bytes]:
    declared = draw(boundaries)
    used = draw(st.sampled_from([declared, "other"]))  # the body's own boundary may not be the declared one
    parts = [part(used, draw(part_headers), draw(st.binary(max_size=300))) for _ in range(draw(st.integers(0, 3)))]
    body = multipart(used, parts, closed=draw(st.booleans()))
    body = body[: draw(st.integers(0, len(body)))] if draw(st.booleans()) else body
    content_type = draw(
        st.sampled_from(
            [
                f"multipart/form-data; boundary={declared}",
                f'multipart/form-data; boundary="{declared}"',
                "multipart/form-data",
            ]
        )
    )
    return content_type, body


other_uploads = st.tuples(
    st.sampled_from(["application/octet-stream", "text/plain", "application/x-www-form-urlencoded", ""]) | header_text,
    st.binary(max_size=400),
)


@FUZZ
@given(upload=multipart_uploads() | other_uploads)
async def test_any_upload_gets_a_json_answer_and_refusals_change_nothing(
    async_client, media_in_tmp, upload_url, upload
):
    url, attachment_id = upload_url
    content_type, body = upload
    before = await stored(media_in_tmp, attachment_id)

    response = await async_client.post(url, data=body, content_type=content_type)

    assert response.status_code < 500, response.content[:500]
    assert response["Content-Type"] == "application/json"
    if response.status_code >= 400:
        error = response.json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str)
        assert await stored(media_in_tmp, attachment_id) == before, "a refused upload changed what is stored"


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("multipart/form-data", multipart("b0undary", [part("b0undary", FILE_HEADERS, b"new")])),
        ("multipart/form-data; boundary=", multipart("b0undary", [part("b0undary", FILE_HEADERS, b"new")])),
        ("multipart/form-data; boundary=" + "b" * 202, multipart("b" * 202, [part("b" * 202, FILE_HEADERS, b"new")])),
        ("multipart/form-data; boundary=b\tb", multipart("b\tb", [part("b\tb", FILE_HEADERS, b"new")])),
        (
            "multipart/form-data; boundary=b0undary",
            multipart("b0undary", [part("b0undary", [*FILE_HEADERS, "X-Padding: " + "x" * 2000], b"new")]),
        ),
        (
            "multipart/form-data; boundary=b0undary",
            multipart("b0undary", [part("b0undary", [*FILE_HEADERS, "Content-Transfer-Encoding: base64"], b"n!w")]),
        ),
    ],
    ids=[
        "no-boundary",
        "empty-boundary",
        "boundary-too-long",
        "control-character-in-boundary",
        "oversized-part-headers",
        "bad-base64",
    ],
)
async def test_malformed_multipart_is_a_400_and_changes_nothing(
    async_client, media_in_tmp, upload_url, content_type, body, caplog
):
    url, attachment_id = upload_url
    before = await stored(media_in_tmp, attachment_id)

    response = await async_client.post(url, data=body, content_type=content_type)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_request"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert await stored(media_in_tmp, attachment_id) == before
    assert not [r for r in caplog.records if r.levelname == "ERROR"], "no traceback is logged"
