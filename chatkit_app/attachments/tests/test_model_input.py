"""What the planner reads of an attached file: its text, the image itself, or a note."""

from __future__ import annotations

import base64

import pytest
from chatkit.types import FileAttachment, ImageAttachment

from chatkit_app.attachments import model_input as module
from chatkit_app.attachments.model_input import attachment_input
from chatkit_app.protocol.responder import get_responder
from chatkit_app.testing.files import GIF, pdf, png
from chatkit_app.testing.protocol import user_input

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_in_tmp")]

BOOKING = b"""BOOKING CONFIRMATION
Hotel Infante Sagres, Porto
Check-in: 10 May 2027
3 nights
"""


async def as_the_server_reads(attachment):
    """What the model is given for `attachment`, with images or not as the responder's model reads them."""
    return await attachment_input(attachment, send_images=get_responder().reads_images())


def file(attachment_id: str, name: str = "notes.txt", mime_type: str = "text/plain") -> FileAttachment:
    return FileAttachment(id=attachment_id, name=name, mime_type=mime_type)


async def test_the_offline_planner_plans_the_trip_in_an_attached_booking(chatkit, attach):
    booking = (await attach("booking.txt", "text/plain", BOOKING))["id"]

    message = user_input("Plan this trip for me", [booking])

    reply = await chatkit({"type": "threads.create", "params": {"input": message}})

    assert reply.status == 200
    text = reply.assistant_text
    assert "4 days in Porto" in text  # three nights
    assert "10 May" in text and "13 May 2027" in text


async def test_what_the_user_types_outweighs_the_attachment(chatkit, attach):
    booking = (await attach("booking.txt", "text/plain", BOOKING))["id"]

    reply = await chatkit({"type": "threads.create", "params": {"input": user_input("4 days in Lisbon", [booking])}})

    assert "Lisbon" in reply.assistant_text and "Porto" not in reply.assistant_text


async def test_a_text_file_is_read_whole_and_framed(attach):
    attachment_id = (await attach("plan.md", "text/markdown", "# Día 1\nAlfama\n".encode()))["id"]

    part = await as_the_server_reads(file(attachment_id, "plan.md", "text/markdown"))

    assert part["type"] == "input_text"
    assert part["text"] == (
        "[The user attached a file: plan.md (text/markdown). Its text follows.]\n# Día 1\nAlfama\n\n[End of plan.md]"
    )


async def test_the_planner_reads_a_pdf_booking(chatkit, attach):
    document = pdf("Booking confirmation", "Hotel in Porto", "10 May 2027, 3 nights")
    booking = (await attach("booking.pdf", "application/pdf", document))["id"]

    part = await as_the_server_reads(file(booking, "booking.pdf", "application/pdf"))
    reply = await chatkit({"type": "threads.create", "params": {"input": user_input("Plan this trip", [booking])}})

    assert part["text"].startswith("[The user attached a file: booking.pdf (application/pdf). Its text follows.]\n")
    assert "Hotel in Porto" in part["text"]
    assert "4 days in Porto" in reply.assistant_text and "10 May" in reply.assistant_text


async def test_a_pdf_is_parsed_once_however_many_turns_read_it(attach, monkeypatch):
    parsed = []
    real_pdf_text = module.pdf_text

    async def counting(data: bytes, **limits: int) -> str | None:
        parsed.append(1)
        return await real_pdf_text(data, **limits)

    monkeypatch.setattr(module, "pdf_text", counting)
    attachment_id = (await attach("booking.pdf", "application/pdf", pdf("Hotel in Porto")))["id"]
    attachment = file(attachment_id, "booking.pdf", "application/pdf")

    first, second = await as_the_server_reads(attachment), await as_the_server_reads(attachment)

    assert first == second and "Hotel in Porto" in first["text"]
    assert len(parsed) == 1


async def test_a_long_text_file_is_cut_and_says_so(attach, monkeypatch):
    monkeypatch.setattr(module, "MAX_TEXT_CHARS", 10)
    attachment_id = (await attach("long.csv", "text/csv", b"a,b\n" * 100))["id"]

    part = await as_the_server_reads(file(attachment_id, "long.csv", "text/csv"))

    assert "a,b\na,b\na,\n[The rest of long.csv is left out: it is too long.]" in part["text"]


async def test_a_file_never_uploaded_is_a_note_and_an_unreadable_pdf_a_note_saying_so(attach):
    missing = (await attach("later.txt", "text/plain", None))["id"]
    damaged = (await attach("ticket.pdf", "application/pdf", b"%PDF-1.7 ..."))["id"]

    note = (await as_the_server_reads(file(missing, "later.txt")))["text"]
    assert note == "[The user attached a file: later.txt (text/plain)]"
    assert (await as_the_server_reads(file(damaged, "ticket.pdf", "application/pdf")))["text"] == (
        "[The user attached a file: ticket.pdf (application/pdf). Its text could not be read.]"
    )


def image(attachment_id: str) -> ImageAttachment:
    return ImageAttachment(id=attachment_id, name="map.png", mime_type="image/png", preview_url="http://x/p")


async def test_openai_models_see_an_image(attach, settings):
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", ""
    attachment_id = (await attach("map.png", "image/png", png()))["id"]

    part = await as_the_server_reads(image(attachment_id))

    url = f"data:image/png;base64,{base64.b64encode(png()).decode()}"
    assert part == {"type": "input_image", "image_url": url, "detail": "auto"}


async def test_a_model_is_shown_an_image_as_what_its_bytes_are_and_never_what_is_not_one(attach, settings):
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", ""
    gif = (await attach("map.png", "image/png", GIF))["id"]
    svg = (await attach("map.png", "image/png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"))["id"]

    assert (await as_the_server_reads(image(gif)))["image_url"].startswith("data:image/gif;base64,")
    assert (await as_the_server_reads(image(svg))) == {
        "type": "input_text",
        "text": "[The user attached a file: map.png (image/png)]",
    }


@pytest.mark.parametrize("api_key, base_url", [("", ""), ("sk-test", "http://127.0.0.1:11434/v1")])
async def test_the_offline_planner_and_other_servers_get_a_note_for_an_image(attach, settings, api_key, base_url):
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = api_key, base_url
    attachment_id = (await attach("map.png", "image/png", png()))["id"]

    part = await as_the_server_reads(image(attachment_id))

    assert part == {"type": "input_text", "text": "[The user attached a file: map.png (image/png)]"}


async def test_an_image_too_large_for_the_model_is_a_note(attach, settings, monkeypatch):
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", ""
    monkeypatch.setattr(module, "MAX_IMAGE_BYTES", len(png()) - 1)
    attachment_id = (await attach("map.png", "image/png", png()))["id"]

    assert (await as_the_server_reads(image(attachment_id)))["type"] == "input_text"
