"""Progress of a long run (a class graded, a release built): a live bar with an ETA on a
terminal, one line per finished step otherwise (logs, CI)."""
from __future__ import annotations

import sys
import threading
import time


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s" if m else f"{s}s"


class Progress:
    """A live bar with an ETA on a terminal; one line per submission otherwise (logs, CI)."""

    def __init__(self, total: int, stream=None, tty: bool | None = None, label: str = "grading"):
        self.total, self.label = total, label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.done = self.graded = self.running = 0
        self.start = time.monotonic()
        self.first_start: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker = None
        if self.tty and total:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def eta(self) -> str:
        left = self.total - self.done
        if not left:
            return "0s"
        if not self.graded or self.first_start is None:
            return "?"
        per = (time.monotonic() - self.first_start) / self.graded  # wall time per submission, all jobs
        return clock(per * left)

    def began(self):
        with self._lock:
            self.running += 1
            if self.first_start is None:
                self.first_start = time.monotonic()

    def finished(self, student: str, note: str, graded: bool):
        with self._lock:
            self.done += 1
            self.running -= graded
            self.graded += graded
            if self.tty:
                self._draw(f"{student}: {note}")
            else:
                width = len(str(self.total))
                self.stream.write(f"[{self.done:>{width}}/{self.total}] {student}: {note}  (ETA {self.eta()})\n")
                self.stream.flush()

    def step(self, name: str, note: str):
        """One finished step that is not a graded submission (the release's gradings, packages)."""
        self.finished(name, note, graded=True)

    def note(self, text: str):
        """A line of its own, outside the count."""
        with self._lock:
            self.stream.write(("\r\x1b[2K" if self.tty else "") + text + "\n")
            self.stream.flush()

    def abandoned(self):
        with self._lock:
            self.running -= 1

    def _tick(self):
        while not self._stop.wait(0.5):
            with self._lock:
                self._draw()

    def _draw(self, last: str | None = None):
        if last is not None:
            self._last = last
        width = 28
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        pct = 100 * self.done / self.total if self.total else 100
        line = (f"{self.label} [{bar}] {self.done}/{self.total} {pct:3.0f}%  {self.running} running  "
                f"{clock(time.monotonic() - self.start)} elapsed  ETA {self.eta()}")
        last = getattr(self, "_last", "")
        if last:
            line += f"  | {last}"
        self.stream.write("\r\x1b[2K" + line[:200])
        self.stream.flush()

    def close(self):
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self.tty and self.total:
            with self._lock:
                self._draw()
                self.stream.write("\n")
                self.stream.flush()
