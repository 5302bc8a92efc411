"""Dictation through the real `/chatkit` view: recordings made here, transcribed over HTTP by the stand-in server.

Every refused recording is refused before anything reaches the transcription server.
"""

from __future__ import annotations

import base64
import io
import math
import struct
import wave

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents_app.tests.support.openai_server import HEARD, OpenAIServer
from chatkit_app.testing.protocol import FUZZ, proxy_headers

pytestmark = pytest.mark.django_db(transaction=True)


def recording(seconds: float = 1.0, *, rate: int = 16_000, silent: bool = False) -> bytes:
    """A mono 16-bit WAV: a 440 Hz tone, or silence."""
    frames = b"".join(
        struct.pack("<h", 0 if silent else int(12_000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(frames)
    return out.getvalue()


# The start of a WebM file as MediaRecorder writes it: an EBML header whose DocType is "webm".
WEBM = bytes.fromhex("1a45dfa3a34286810142f7810142f2810442f381084282847765626d42878104428581021853806701ffffff")
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


def dictated(audio: bytes | str, mime_type: str = "audio/wav") -> dict:
    encoded = audio if isinstance(audio, str) else base64.b64encode(audio).decode()
    return {"type": "input.transcribe", "params": {"audio_base64": encoded, "mime_type": mime_type}}


@pytest.fixture
def transcriber(settings, openai_server: OpenAIServer) -> OpenAIServer:
    """Dictation on: `whisper-1` at the stand-in server (after the fixtures that put every test offline)."""
    settings.OPENAI_API_KEY = "local-key"
    settings.OPENAI_BASE_URL = openai_server.base_url
    settings.MERAK_MODEL = "local-model"
    settings.MERAK_TRANSCRIPTION_MODEL = "whisper-1"
    return openai_server


async def test_a_recording_is_transcribed_by_the_configured_model(chatkit, transcriber):
    audio = recording()

    reply = await chatkit(dictated(audio, "audio/wav"))

    assert (reply.status, reply.json) == (200, {"text": HEARD})
    [sent] = transcriber.transcriptions
    assert (sent.model, sent.filename, sent.content_type, sent.audio) == (
        "whisper-1",
        "recording.wav",
        "audio/wav",
        audio,
    )
    assert sent.headers["authorization"] == "Bearer local-key"


async def test_a_webm_recording_as_chrome_makes_it_is_taken(chatkit, transcriber):
    reply = await chatkit(dictated(WEBM + bytes(2_000), "audio/webm;codecs=opus"))

    assert (reply.status, reply.json) == (200, {"text": HEARD})
    assert transcriber.transcriptions[0].filename == "recording.webm"


async def test_the_composer_offers_the_microphone_only_with_a_transcription_model(async_client, settings, transcriber):
    on = (await async_client.get("/chatkit/options", headers=proxy_headers())).json()["composer"]
    settings.MERAK_TRANSCRIPTION_MODEL = ""
    off = (await async_client.get("/chatkit/options", headers=proxy_headers())).json()["composer"]

    assert (on["dictation"], off["dictation"]) == ({"enabled": True}, {"enabled": False})


async def test_silence_is_a_400_that_says_nothing_was_heard(chatkit, transcriber):
    reply = await chatkit(dictated(recording(silent=True)))

    assert (reply.status, reply.json["error"]) == (
        400,
        {"code": "no_speech", "message": "Nothing was heard in the recording."},
    )


async def test_a_failing_transcription_server_is_a_502_that_says_so(chatkit, transcriber):
    transcriber.transcriber = lambda audio: 1 / 0

    reply = await chatkit(dictated(recording()))

    assert (reply.status, reply.json["error"]["code"]) == (502, "transcription_failed")
    assert "could not be transcribed" in reply.json["error"]["message"]


@pytest.mark.parametrize(
    ("request_body", "status", "code"),
    [
        (dictated("not base64 at all!"), 400, "invalid_audio"),
        (dictated(b""), 400, "empty_recording"),
        (dictated(b"<svg onload=alert(1)>", "audio/wav"), 400, "not_audio"),
        (dictated(recording(), "text/html"), 400, "not_audio"),
        (dictated(PNG, "audio/webm"), 400, "not_audio"),
        (dictated(WEBM, "audio/ogg"), 400, "not_audio"),
        (dictated(recording(0), "audio/wav"), 400, "empty_recording"),
        (dictated(recording(121, rate=400)), 400, "recording_too_long"),
        (dictated(recording(4)), 413, "recording_too_large"),
    ],
    ids=["bad-base64", "empty", "svg-as-wav", "html", "png-as-webm", "webm-as-ogg", "no-frames", "too-long", "too-big"],
)
async def test_a_recording_that_is_not_what_dictation_takes_is_refused_before_it_is_sent(
    chatkit, transcriber, settings, request_body, status, code
):
    settings.MERAK_MAX_RECORDING_BYTES = 100_000  # 3 s of this WAV; within the request body limit once in base64
    reply = await chatkit(request_body)

    assert (reply.status, reply.json["error"]["code"]) == (status, code), reply.body
    assert transcriber.transcriptions == []


async def test_without_a_transcription_model_dictation_is_a_clear_501(chatkit, transcriber, settings):
    settings.MERAK_TRANSCRIPTION_MODEL = ""

    reply = await chatkit(dictated(recording()))

    assert (reply.status, reply.json["error"]["code"]) == (501, "not_supported")
    assert transcriber.transcriptions == []


SPEECH = recording(0.2)
recordings = st.one_of(
    st.binary(max_size=300),
    st.integers(0, len(SPEECH)).map(lambda n: SPEECH[:n]),  # a WAV cut anywhere, its header included
    st.binary(max_size=64).map(lambda tail: WEBM[:20] + tail),
    st.binary(max_size=64).map(lambda tail: b"OggS" + tail),
)
audio_base64 = recordings.map(lambda audio: base64.b64encode(audio).decode()) | st.text(max_size=40)
mime_types = st.sampled_from(["audio/wav", "audio/webm;codecs=opus", "audio/ogg", "audio/mpeg", "audio/mp4"]) | st.text(
    max_size=30
)


@FUZZ
@given(audio=audio_base64, mime_type=mime_types)
async def test_any_recording_gets_text_or_a_clear_4xx(chatkit, transcriber, audio, mime_type):
    reply = await chatkit({"type": "input.transcribe", "params": {"audio_base64": audio, "mime_type": mime_type}})

    assert reply.status in (200, 400, 413), reply.body[:300]
    assert reply.headers["Content-Type"] == "application/json"
    assert set(reply.json) == ({"text"} if reply.status == 200 else {"error"})
