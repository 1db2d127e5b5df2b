"""Progress of a reproduction: which stage (i of n), the stage's own lines, an ETA for the whole run, and how busy
the machine was meanwhile.

The ETA comes from per-stage estimates in seconds (each :class:`~tinyseqkd.reproduce.stages.Stage` declares one; the
presets hold each kind of stage's measured seconds). As stages finish, their real times correct the rest: every
remaining estimate is multiplied by (seconds taken ÷ seconds estimated) over the stages finished so far in this run.
The remaining stages are then laid out the way the runner will start them (:func:`choose_starts`, with ``--jobs``
side by side), so the ETA of a run with two jobs is not simply half of the one-job figure.
"""

from __future__ import annotations

import os
import threading
import time

from tinyseqkd.progress import clock

CALIBRATION_RANGE = (0.2, 5.0)  # how far measured times may move the estimates (one odd stage must not swing it)


def choose_starts(ready: list[str], running: int, jobs: int, exclusive) -> list[str]:
    """The stages to start now, from ``ready`` (in topological order) with ``running`` stages under way.

    At most ``jobs`` stages run at a time. An ``exclusive(name)`` stage (a timing) runs alone: it starts only when
    nothing runs, and once it is first in line nothing else starts, so that it is not starved.
    """
    starts: list[str] = []
    for name in ready:
        if running + len(starts) >= jobs:
            break
        if exclusive(name):
            if running == 0 and not starts:
                starts.append(name)
            break
        starts.append(name)
    return starts


class Estimates:
    """Per-stage estimates in seconds, corrected by the real times of the stages that finished."""

    def __init__(self, seconds: dict[str, float]):
        self.seconds = dict(seconds)
        self.taken = 0.0  # real seconds of the stages finished in this run
        self.expected = 0.0  # what their estimates said

    def finished(self, name: str, seconds: float) -> None:
        self.taken += seconds
        self.expected += self.seconds.get(name, 0.0)

    @property
    def factor(self) -> float:
        """Real ÷ estimated seconds so far (1 before anything finished), kept within CALIBRATION_RANGE."""
        if self.expected <= 0 or self.taken <= 0:
            return 1.0
        low, high = CALIBRATION_RANGE
        return min(max(self.taken / self.expected, low), high)

    def of(self, name: str) -> float:
        return self.seconds.get(name, 0.0) * self.factor

    def remaining(self, order: list[str], needs: dict[str, list[str]], finished: set[str],
                  running: dict[str, float], jobs: int, exclusive) -> float:
        """Seconds until every stage of ``order`` is finished, simulating the runner's schedule.

        ``running`` maps each stage under way to the seconds it has run; ``needs`` gives each stage's inputs.
        """
        now = 0.0
        ends = {name: now + max(self.of(name) - elapsed, 0.0) for name, elapsed in running.items()}
        done = set(finished)
        waiting = [name for name in order if name not in done and name not in running]
        while waiting or ends:
            ready = [name for name in waiting if all(needed in done for needed in needs[name])]
            for name in choose_starts(ready, len(ends), jobs, exclusive):
                ends[name] = now + self.of(name)
                waiting.remove(name)
            if not ends:  # nothing can start: inputs outside ``order`` that will never finish
                break
            name = min(ends, key=ends.get)
            now = ends.pop(name)
            done.add(name)
        return now


class ProgressReport:
    """Lines for a person watching the run, through ``write`` (``print`` by default); safe across threads.

    ``echo`` passes each stage's own output on (prefixed by ``[i/n name]``); without it, that output only goes to
    the stage's ``log.txt``.
    """

    def __init__(self, order: list[str], write=print, echo: bool = True):
        self.index = {name: i + 1 for i, name in enumerate(order)}
        self.total = len(order)
        self._write = write
        self.echo = echo
        self._lock = threading.Lock()

    def say(self, text: str) -> None:
        with self._lock:
            self._write(text)

    def tag(self, name: str) -> str:
        return f"[{self.index[name]}/{self.total} {name}]"

    def plan(self, to_run: list[str], finished: list[str], eta_seconds: float, jobs: int) -> None:
        jobs_text = f"{jobs} jobs side by side" if jobs > 1 else "one at a time"
        self.say(f"{self.total} stages: {len(finished)} already done, {len(to_run)} to run ({jobs_text}); "
                 f"estimated time {clock(eta_seconds)}")

    def cached(self, name: str, directory) -> None:
        self.say(f"{self.tag(name)} done earlier: {directory}")

    def started(self, name: str, directory, partial: bool, estimate: float, eta_seconds: float) -> None:
        what = "continuing" if partial else "starting"
        self.say(f"{self.tag(name)} {what} in {directory} (estimate {clock(estimate)}; "
                 f"whole run {clock(eta_seconds)} left)")

    def output(self, name: str, line: str) -> None:
        if self.echo:
            self.say(f"{self.tag(name)} {line}")

    def finished(self, name: str, seconds: float, eta_seconds: float, left: int) -> None:
        after = f"{left} stage{'s' if left != 1 else ''} left, about {clock(eta_seconds)}" if left else "all done"
        self.say(f"{self.tag(name)} finished in {clock(seconds)}; {after}")

    def stopped(self, name: str, why: str) -> None:
        self.say(f"{self.tag(name)} {why}")


class Stopwatch:
    """Seconds since it was made (``time.monotonic``)."""

    def __init__(self):
        self.start = time.monotonic()

    def __call__(self) -> float:
        return time.monotonic() - self.start


class LoadSampler:
    """``with LoadSampler() as load:`` — the 1-minute load average sampled every ``every`` seconds meanwhile.

    A run's wall time means little without the load beside it (on 2 cores one busy neighbour can make a step many
    times slower). The samples include the run's own work; where the platform has no load
    average, the texts say so.
    """

    def __init__(self, every: float = 5.0):
        self.every, self.samples = every, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True, name="load-sampler")

    def __enter__(self) -> LoadSampler:
        self._take()
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self._take()

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self._take()

    def _take(self) -> None:
        try:
            self.samples.append(os.getloadavg())
        except (OSError, AttributeError):  # no load average on this platform
            pass

    def mean_text(self) -> str:
        """The mean of the 1-minute samples and their range, e.g. ``3.10 (2.52-3.87)``."""
        if not self.samples:
            return "not available"
        ones = [sample[0] for sample in self.samples]
        return f"{sum(ones) / len(ones):.2f} ({min(ones):.2f}-{max(ones):.2f})"

    def last_text(self) -> str:
        """The last 1-, 5- and 15-minute load averages."""
        return " / ".join(f"{value:.2f}" for value in self.samples[-1]) if self.samples else "not available"
