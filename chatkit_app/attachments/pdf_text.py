"""A PDF's text, read by pypdf in a child process held to a CPU, memory and wall-clock budget.

pypdf's time grows with the square of a page's text operators: a 30 KB PDF
whose pages share one Flate stream of 10 MB of them takes a minute of CPU and
over 100 MB. In the worker, that would stall every request it serves. So the
parse runs in a child: it caps its own CPU time and address space
(`setrlimit`) before it imports pypdf, and the parent kills it at
`WALL_SECONDS`, waiting without blocking its event loop. Run as a script, this
file is that child: it imports nothing but the standard library and pypdf.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import signal
import sys
import time
import weakref

logger = logging.getLogger(__name__)

# The budget of one parse. Measured on the development machine: a child that
# starts, imports pypdf and reads a one-page or a plain 20-page PDF takes 0.13 s
# (CPU and wall clock alike) and peaks at 39 MB resident, 49 MB of address
# space (it cannot start under ~45 MB); a 10 MB file raises that peak to 79 MB.
CPU_SECONDS = 5
MEMORY_BYTES = 256 * 1024 * 1024  # RLIMIT_AS, the child's address space: ~200 MB above what it needs to start
WALL_SECONDS = 10.0  # CPU time, plus waiting for a core: the child runs at a lower priority than the workers
# Children alive at once per worker process: each may use up to MEMORY_BYTES.
MAX_CONCURRENT = 2

# The child's exit codes besides 0 (the text follows on stdout).
UNREADABLE, OUT_OF_MEMORY = 3, 4

_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _gate() -> asyncio.Semaphore:
    """This event loop's limit on parses at once (a semaphore belongs to one loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _gates:
        _gates[loop] = asyncio.Semaphore(MAX_CONCURRENT)
    return _gates[loop]


async def pdf_text(data: bytes, *, max_pages: int, max_chars: int) -> str | None:
    """The text of a PDF's first `max_pages` pages, cut past `max_chars` characters (one more is kept,
    to tell a longer text); None when it has none, cannot be read, or would exceed the budget."""
    async with _gate():
        started = time.monotonic()
        budget = (max_pages, max_chars, CPU_SECONDS, MEMORY_BYTES)
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-I", __file__, *map(str, budget),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            env={},  # none of the worker's secrets near a hostile file
        )  # fmt: skip
        try:
            out, _ = await asyncio.wait_for(child.communicate(data), WALL_SECONDS)
        except TimeoutError:
            child.kill()
            await child.wait()
            _log_refusal("took over %s s", WALL_SECONDS, started)
            return None
        except BaseException:  # cancelled with its request: the child goes too
            if child.returncode is None:
                child.kill()
            raise
    if child.returncode == 0:
        return out.decode("utf-8", errors="replace").strip() or None
    if child.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        _log_refusal("took over %s s of CPU", CPU_SECONDS, started)
    elif child.returncode == OUT_OF_MEMORY:
        _log_refusal("needed over %s bytes", MEMORY_BYTES, started)
    else:
        logger.info("an attached PDF could not be read (the reader exited with %s)", child.returncode)
    return None


def _log_refusal(why: str, limit: object, started: float) -> None:
    elapsed = time.monotonic() - started
    logger.warning("an attached PDF was left unread: it " + why + " (stopped after %.1f s)", limit, elapsed)


# --- the child ---------------------------------------------------------------------------


def _limit_self(cpu_seconds: int, memory_bytes: int) -> None:
    os.nice(10)  # the workers' requests come first
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU would otherwise dump core
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))  # SIGXCPU, then SIGKILL
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # it writes no file


def _read(data: bytes, max_pages: int, max_chars: int) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        return ""
    text = ""
    for page in reader.pages[:max_pages]:
        text += (page.extract_text() or "").strip() + "\n"
        if len(text) > max_chars:
            break
    return text[: max_chars + 1]


def main(argv: list[str]) -> int:
    max_pages, max_chars, cpu_seconds, memory_bytes = map(int, argv)
    _limit_self(cpu_seconds, memory_bytes)
    try:
        text = _read(sys.stdin.buffer.read(), max_pages, max_chars)
    except MemoryError:
        return OUT_OF_MEMORY
    except Exception:  # noqa: BLE001 - a damaged or hostile file: pypdf raises many kinds of errors
        return UNREADABLE
    sys.stdout.buffer.write(text.encode("utf-8", errors="replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
