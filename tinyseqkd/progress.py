"""A progress bar for long jobs over many items (translating a file, distilling a corpus).

``translating [#####...................] 120/500 sentences, 35.0 sentences/s, 0:11 left`` on stderr, redrawn at
most 5 times a second on a terminal. When stderr is not a terminal (a log file, a pipe) only one summary line is
written at the end, ``translated 500 sentences in 14.2 s``, so that logs stay readable.

Call the bar with the number of items just finished (it is the ``progress`` argument of
:func:`tinyseqkd.decoding.decode_corpus`) and :meth:`ProgressBar.close` it at the end.
"""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """Counts finished items against ``total``; shows the rate (items/s) and the time left (ETA)."""

    def __init__(self, total: int, *, doing: str = "translating", done: str = "translated",
                 unit: str = "sentences", stream=None, width: int = 24):
        self.total, self.done, self.width = total, 0, width
        self.doing, self.done_word, self.unit = doing, done, unit
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.start = self.last_draw = time.perf_counter()

    def __call__(self, n: int) -> None:
        """``n`` more items are finished."""
        self.done += n
        now = time.perf_counter()
        if self.live and (now - self.last_draw > 0.2 or self.done >= self.total):
            self.last_draw = now
            self.stream.write("\r" + self.line(now))
            self.stream.flush()

    def line(self, now: float) -> str:
        """The bar as it stands at time ``now`` (a ``time.perf_counter()`` reading)."""
        rate = self.done / max(now - self.start, 1e-9)
        filled = self.width * min(self.done, self.total) // max(self.total, 1)
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        return (f"{self.doing} [{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} {self.unit}, "
                f"{rate:.1f} {self.unit}/s, {clock(left)} left")

    def close(self) -> None:
        """End the bar's line (terminal) or write the summary line (anything else)."""
        seconds = time.perf_counter() - self.start
        end = "\n" if self.live else f"{self.done_word} {self.done} {self.unit} in {seconds:.1f} s\n"
        self.stream.write(end)
        self.stream.flush()


def clock(seconds: float) -> str:
    """``M:SS`` (``H:MM:SS`` from an hour on)."""
    seconds = max(int(seconds), 0)
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours}:{minutes:02d}:{seconds % 60:02d}" if hours else f"{minutes}:{seconds % 60:02d}"
