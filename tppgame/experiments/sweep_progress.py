"""The progress of a sweep as batches are stored: a tqdm bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import IO, Protocol


class Progress(Protocol):
    """Told how many runs finished (and how many of them failed) as batches are stored."""

    def update(self, done: int, failed: int = 0) -> None: ...

    def close(self) -> None: ...


def format_duration(seconds: float) -> str:
    """``42 s``, ``3 min 5 s``, ``2 h 10 min``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


class PlainProgress:
    """Progress as plain lines (for logs and pipes): every 10% of the runs or every 10 seconds."""

    def __init__(self, total: int, initial: int = 0, stream: IO[str] | None = None,
                 clock: Callable[[], float] = time.monotonic, every_seconds: float = 10.0,
                 every_share: float = 0.1):
        self.total, self.done, self.failed = total, initial, 0
        self._initial = initial
        self._stream = stream or sys.stderr
        self._clock = clock
        self._start = self._last = clock()
        self._printed_at: int | None = None
        self._every_seconds = every_seconds
        self._step = max(1, math.ceil(total * every_share))
        self._next = initial + self._step
        if initial:
            self._print(f"sweep: {initial}/{total} runs stored; {total - initial} to go")

    def line(self) -> str:
        """The current progress, with rate and time left from the runs finished in this session."""
        elapsed = self._clock() - self._start
        ran = self.done - self._initial
        share = self.done / self.total if self.total else 1.0
        text = f"sweep: {self.done}/{self.total} runs ({share:.0%})"
        if self.failed:
            text += f", {self.failed} failed"
        if ran and elapsed > 0:
            rate = ran / elapsed
            text += f", {rate:.1f} runs/s"
            if self.done < self.total:
                text += f", about {format_duration((self.total - self.done) / rate)} left"
        return text

    def update(self, done: int, failed: int = 0) -> None:
        self.done += done
        self.failed += failed
        now = self._clock()
        if self.done >= self._next or now - self._last >= self._every_seconds:
            self._print(self.line())
            while self._next <= self.done:
                self._next += self._step

    def close(self) -> None:
        if self.done != self._printed_at and self.done != self._initial:
            self._print(self.line())

    def _print(self, text: str) -> None:
        self._last = self._clock()
        self._printed_at = self.done
        print(text, file=self._stream, flush=True)


class BarProgress:
    """A tqdm progress bar: runs done of total, rate and time left."""

    def __init__(self, total: int, initial: int = 0, stream: IO[str] | None = None):
        from tqdm import tqdm

        self.failed = 0
        self._bar = tqdm(total=total, initial=initial, unit="run", desc="sweep", file=stream or sys.stderr,
                         smoothing=0.05, dynamic_ncols=True)

    def update(self, done: int, failed: int = 0) -> None:
        if failed:
            self.failed += failed
            self._bar.set_postfix(failed=self.failed, refresh=False)
        self._bar.update(done)

    def close(self) -> None:
        self._bar.close()


def make_progress(total: int, initial: int = 0, stream: IO[str] | None = None) -> Progress:
    """A bar on a terminal, plain periodic lines otherwise."""
    stream = stream or sys.stderr
    is_terminal = getattr(stream, "isatty", lambda: False)()
    return BarProgress(total, initial, stream) if is_terminal else PlainProgress(total, initial, stream)
