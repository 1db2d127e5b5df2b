"""How many CPU threads BLAS (numpy's matrix products) and numba kernels may use.

On a 2-core laptop the right number depends on what else runs: measured here, a 2-thread training step ran 19x
slower while another process kept one core busy, and 1 thread was faster than 2. So it is a setting: every
command takes ``--threads`` and calls :func:`set_threads` once, before any work.

Without ``--threads`` the default is the cores that are idle *now* (:func:`idle_cores`): two samples of the CPU
time counters in ``/proc/stat``, a tenth of a second apart, say how many cores other programs keep busy. The
1-minute load average is no guide here: it still counts the last minute's work (a ``pip install``, a test run)
when the machine has long been idle, and would leave a core unused for the whole of a run.
"""

from __future__ import annotations

import os
import time

from tinyseqkd.errors import ConfigError

SAMPLE_SECONDS = 0.1
_limiter = None  # keeps the threadpoolctl limit alive for the life of the process
_in_force: int | None = None  # the number set_threads chose


def read_cpu_times() -> tuple[int, int] | None:
    """(busy, total) CPU time of all cores since boot, in clock ticks, from ``/proc/stat`` (None without one).

    The first line reads ``cpu user nice system idle iowait irq softirq steal guest guest_nice``; idle and
    iowait are idle time, the rest up to steal is busy (guest time is already counted in user).
    """
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(value) for value in (fields[1:9] + ["0"] * 8)[:8])
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


def busy_cores(cores: int, read_times=None, sleep=None, seconds: float = SAMPLE_SECONDS) -> float | None:
    """How many of ``cores`` other programs keep busy right now (0.0 … cores), or None if it cannot be measured.

    The share of CPU time spent busy between two samples ``seconds`` apart, times the cores. This process sleeps
    in between, so it does not count itself. ``read_times`` (default :func:`read_cpu_times`) and ``sleep``
    (default ``time.sleep``) can be replaced, e.g. by a test.
    """
    read_times, sleep = read_times or read_cpu_times, sleep or time.sleep
    first = read_times()
    if first is None:
        return None
    sleep(seconds)
    second = read_times()
    if second is None or second[1] <= first[1]:
        return None
    return cores * (second[0] - first[0]) / (second[1] - first[1])


def idle_cores(read_times=None, sleep=None) -> int:
    """The cores not busy with other work now (at least 1); a core counts as busy when it is more than half used.

    Where ``/proc/stat`` is missing (macOS, Windows), the 1-minute load average stands in for the busy cores.
    """
    cores = os.cpu_count() or 1
    busy = busy_cores(cores, read_times, sleep)
    if busy is None:
        try:
            busy = os.getloadavg()[0]
        except OSError:  # no load average on this platform either
            busy = 0.0
    return max(1, min(cores, cores - int(busy + 0.5)))


def set_threads(n: int | None) -> int:
    """Limit BLAS and numba to ``n`` threads (``None``: the idle cores). Returns the number in force.

    Busy cores are left alone on purpose: a BLAS thread that has to wait for a busy core stalls every matrix
    product it takes part in. ``n`` < 1 is a :class:`ConfigError`.
    """
    global _limiter, _in_force
    if n is not None and n < 1:
        raise ConfigError(f"--threads must be at least 1, got {n}")
    import numba
    from threadpoolctl import threadpool_limits

    if n is None:
        n = idle_cores()
    n = min(n, numba.config.NUMBA_NUM_THREADS)
    _limiter = threadpool_limits(limits=n, user_api="blas")
    numba.set_num_threads(n)
    _in_force = n
    return n


def threads_in_force() -> int | None:
    """The thread count :func:`set_threads` set last (None if it was never called: the libraries' defaults)."""
    return _in_force
