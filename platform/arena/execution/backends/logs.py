"""Size-capped capture of a container's stdout/stderr streams (head + tail kept)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable


class CappedLog:
    """Keep the first and last ``keep`` bytes of a stream and count the total.

    ``text()`` returns head + a marker + tail when bytes were dropped in between."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        """Append ``chunk`` (any size); memory stays below 2 * keep + len(chunk)."""
        self.total += len(chunk)
        room = self.keep - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > self.keep:
                del self.tail[: len(self.tail) - self.keep]

    def text(self) -> str:
        """Captured text (UTF-8, undecodable bytes replaced)."""
        dropped = self.total - len(self.head) - len(self.tail)
        if dropped <= 0:
            return (bytes(self.head) + bytes(self.tail)).decode("utf-8", "replace")
        marker = f"\n[... {dropped} bytes not kept ...]\n".encode()
        return (bytes(self.head) + marker + bytes(self.tail)).decode("utf-8", "replace")


class StreamPump(threading.Thread):
    """Open a stream of byte chunks (in the thread: opening may block) and drain it into a CappedLog; call ``on_limit`` once when the
    shared byte counter passes ``limit`` (both streams together)."""

    def __init__(
        self,
        open_stream: Callable[[], Iterable[bytes]],
        log: CappedLog,
        counter: list[int],
        limit: int,
        on_limit: Callable[[], None],
    ) -> None:
        super().__init__(daemon=True)
        self.open_stream = open_stream
        self.log = log
        self.counter = counter
        self.limit = limit
        self.on_limit = on_limit
        self.error: BaseException | None = None

    def run(self) -> None:
        fired = False
        try:
            for chunk in self.open_stream():
                self.log.feed(chunk)
                self.counter[0] += len(chunk)
                if not fired and self.counter[0] > self.limit:
                    fired = True
                    self.on_limit()
        except Exception as exc:  # the stream ends with the container; errors are not fatal
            self.error = exc
