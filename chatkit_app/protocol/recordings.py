"""Dictation's recordings (`input.transcribe`), checked as hostile input before any is sent to be transcribed.

A recording must be base64 that decodes, non-empty, no larger than MERAK_MAX_RECORDING_BYTES,
of an audio type browsers record (WebM or Ogg with Opus, MP4/AAC, MP3, WAV), and its bytes must
be that type: mutagen reads the container's header, and with it the duration, which must be
within MERAK_MAX_RECORDING_SECONDS. A WebM recording (Chrome's and Firefox's) is known by its
EBML header; MediaRecorder writes it as a stream with no duration, so only the size bounds it.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass

from chatkit.types import InputTranscribeParams
from django.conf import settings
from mutagen import FileType, MutagenError
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from chatkit_app.protocol.errors import ApiError, InvalidRequest

WEBM = "audio/webm"
# The containers each accepted type may be, as mutagen reads them; WebM is told by its header (`_is_webm`).
_CONTAINERS: dict[str, tuple[type[FileType], ...]] = {
    WEBM: (),
    "audio/ogg": (OggOpus, OggVorbis),
    "audio/mp4": (MP4,),
    "audio/x-m4a": (MP4,),
    "audio/mpeg": (MP3,),
    "audio/wav": (WAVE,),
    "audio/x-wav": (WAVE,),
    "audio/wave": (WAVE,),
}


@dataclass(frozen=True, slots=True)
class Recording:
    """A recording that passed every check: its bytes, its media type ("audio/webm") and, where known, its length."""

    data: bytes
    media_type: str
    seconds: float | None


def checked_recording(params: InputTranscribeParams) -> Recording:
    """The recording `params` carries; a 4xx `ApiError` that says what is wrong with it otherwise."""
    media_type = params.mime_type.split(";", 1)[0].strip().lower()
    if media_type not in _CONTAINERS:
        accepted = ", ".join(sorted(_CONTAINERS))
        raise InvalidRequest(f"Recordings of type `{media_type}` are not accepted ({accepted}).", code="not_audio")
    limit = settings.MERAK_MAX_RECORDING_BYTES
    if len(params.audio_base64) > (limit + 2) // 3 * 4 + 4:  # before decoding: never decode more than the limit
        raise _too_large(limit)
    try:
        data = base64.b64decode(params.audio_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest("`audio_base64` is not valid base64.", code="invalid_audio") from None
    if not data:
        raise InvalidRequest("The recording is empty.", code="empty_recording")
    if len(data) > limit:
        raise _too_large(limit)
    seconds = _seconds(data, media_type)
    if seconds is not None and seconds > settings.MERAK_MAX_RECORDING_SECONDS:
        raise InvalidRequest(
            f"The recording is {seconds:.0f} s long; dictation takes at most {settings.MERAK_MAX_RECORDING_SECONDS} s.",
            code="recording_too_long",
        )
    return Recording(data, media_type, seconds)


def _seconds(data: bytes, media_type: str) -> float | None:
    """The recording's length as its container states it; a 400 when its bytes are not that container."""
    if media_type == WEBM:
        if not _is_webm(data):
            raise _not_that(media_type)
        return None
    for container in _CONTAINERS[media_type]:
        try:
            audio = container(io.BytesIO(data))
        except (MutagenError, ValueError, EOFError, OverflowError, IndexError, KeyError, TypeError, ZeroDivisionError):
            continue
        length = float(getattr(audio.info, "length", 0.0) or 0.0)
        if length > 0:
            return length
        raise InvalidRequest("The recording is empty.", code="empty_recording")
    raise _not_that(media_type)


def _is_webm(data: bytes) -> bool:
    # An EBML header whose DocType is "webm" (within the header's first bytes).
    return data.startswith(b"\x1a\x45\xdf\xa3") and b"\x42\x82\x84webm" in data[:64]


def _not_that(media_type: str) -> ApiError:
    return InvalidRequest(f"The recording is not the {media_type} audio it says it is.", code="not_audio")


def _too_large(limit: int) -> ApiError:
    return ApiError(f"The recording is larger than {limit:,} bytes.", code="recording_too_large", status=413)
