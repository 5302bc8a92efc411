"""Bytes of the files the attachment tests upload, built here rather than kept as binary fixtures."""

from __future__ import annotations

import struct
import zlib

# A script that, were it ever run, would announce it: a request to a URL the browser test watches.
SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>fetch('/xss-ran');document.title='xss-ran'</script>"
    b'<rect width="10" height="10" fill="red"/></svg>'
)

# Just enough of each format for a sniffer; `png()` and `GIF` decode for real.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
JPEG_START = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
WEBP_START = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


def png(width: int = 1, height: int = 1) -> bytes:
    """A valid RGB PNG, all black."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _pdf(objects: list[bytes]) -> bytes:
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref, table = len(out), "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n{table}".encode()
    return out + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


def _stream(content: bytes, compressed: bool = False) -> bytes:
    data = zlib.compress(content, 9) if compressed else content
    flate = b" /Filter /FlateDecode" if compressed else b""
    return b"<< /Length %d%s >>\nstream\n" % (len(data), flate) + data + b"\nendstream"


def _pages(page_count: int, contents: bytes) -> list[bytes]:
    """Catalog, page tree, `page_count` pages all showing content stream 4, then that stream and a font (5)."""
    kids = " ".join(f"{6 + n} 0 R" for n in range(page_count))
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>"
    )
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {page_count} >>".encode(),
        b"<< >>",  # unused
        contents,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *[page] * page_count,
    ]


def pdf(*lines: str) -> bytes:
    """A one-page PDF showing `lines` in Helvetica, as a booking site would send it."""
    shown = " ".join(f"({line}) Tj 0 -16 Td" for line in lines)
    return _pdf(_pages(1, _stream(f"BT /F1 12 Tf 72 720 Td {shown} ET".encode())))


def pdf_of_many_operators(megabytes: int = 60, pages: int = 3) -> bytes:
    """A small PDF (3 KB per megabyte) whose pages share one Flate stream of `megabytes` of text operators.

    Each operator shows a long string, so that the stream stays under pypdf's
    own budget of tokens per stream. pypdf's time then grows with the square
    of the stream, for each page: measured, 0.6 s for 1 MB, 3 s for 2 MB, a
    minute and 120 MB for 10 MB; 60 MB fills 256 MB in 4 s.
    """
    operator = b"(" + b"Lisbon " * 8 + b") Tj\n"  # 64 bytes, 2 tokens
    operators = operator * (megabytes * 1024 * 1024 // len(operator))
    return _pdf(_pages(pages, _stream(b"BT /F1 12 Tf 72 720 Td " + operators + b"ET", compressed=True)))


def pdf_of_many_pages(pages: int, line: str) -> bytes:
    """A plain PDF of `pages` pages, each showing `line`."""
    return _pdf(_pages(pages, _stream(f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode())))
