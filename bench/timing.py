"""Timing on a shared machine: the helpers every benchmark in bench/ uses.

* ``LoadMeter``, ``wait_quiet``, ``QuietWaiter``: how much CPU other processes took while we
  measured, and waiting for them to leave the CPUs idle;
* ``timed``, ``median_interleaved``: one call timed after its untimed restore, and the medians of
  several callables taking turns call by call (so a noisy neighbour hits them alike);
* ``copier``, ``streamer``, ``copy_bandwidth``: the copy bandwidth (the one place it is measured:
  ``np.copyto`` on N Python threads, each copying one chunk) and an op's own traffic through a
  NumPy ufunc;
* ``last_level_cache_bytes``: how much to read to flush the caches.
"""

import ctypes
import functools
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

class LoadMeter:
    """CPU time other processes used while we measured, in cores (Linux; 0.0 elsewhere).

    From /proc/stat's busy jiffies minus this process's own CPU time (os.times counts every
    thread).  A 2-thread measurement while another process keeps a core busy is worthless (an
    OpenMP barrier waits for the descheduled thread): the report marks such rows.
    """

    _tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    @classmethod
    def _busy_s(cls):
        try:
            with open("/proc/stat") as f:
                v = [int(t) for t in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
        return (sum(v[:8]) - idle) / cls._tick

    @staticmethod
    def _own_s():
        t = os.times()
        return t.user + t.system

    def __enter__(self):
        self.t0, self.b0, self.o0 = time.perf_counter(), self._busy_s(), self._own_s()
        self.load = 0.0
        return self

    def __exit__(self, *exc):
        b1 = self._busy_s()
        wall = time.perf_counter() - self.t0
        if self.b0 is not None and b1 is not None and wall > 0:
            other = (b1 - self.b0) - (self._own_s() - self.o0)
            self.load = max(0.0, other / wall)
        return False


def wait_quiet(max_wait=3.0, threshold=0.25, window=0.1):
    """Sleep until other processes use less than ``threshold`` cores (at most ``max_wait`` s).

    Returns True if the machine went quiet.  The jiffy counters are coarse (10 ms), hence the
    window.
    """
    deadline = time.perf_counter() + max_wait
    while True:
        with LoadMeter() as m:
            time.sleep(window)
        if m.load < threshold:
            return True
        if time.perf_counter() >= deadline:
            return False


class QuietWaiter:
    """wait_quiet that gives up on a machine that stays busy.

    After ``patience`` waits in a row that timed out, it waits only once every ``every`` calls
    (to catch a quiet spell) instead of losing ``max_wait`` seconds before every measurement.
    """

    def __init__(self, max_wait, threshold=0.25, patience=3, every=10):
        self.max_wait, self.threshold, self.patience, self.every = (
            max_wait, threshold, patience, every)
        self.misses = self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.max_wait <= 0:
            return
        if self.misses >= self.patience and self.calls % self.every:
            return
        if wait_quiet(self.max_wait, self.threshold):
            self.misses = 0
        else:
            self.misses += 1



def timed(fn, restore):
    if restore is not None:
        restore()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0



def _chunks(n, nt, itemsize):
    """nt (lo, hi) ranges covering [0, n), cut on 64-byte boundaries."""
    step = -(-n // nt)
    align = max(1, 64 // itemsize)
    step = -(-step // align) * align
    return [(lo, min(n, lo + step)) for lo in range(0, n, step)]


def _memmove(dst, src):
    ctypes.memmove(dst.ctypes.data, src.ctypes.data, src.nbytes)


def copier(dst, src, nt, how="copyto", pool=None):
    """A callable doing dst[:] = src with np.copyto (or memmove) on nt Python threads."""
    copy = np.copyto if how == "copyto" else _memmove
    if nt == 1:
        return functools.partial(copy, dst, src)
    parts = [(dst[lo:hi], src[lo:hi]) for lo, hi in _chunks(src.size, nt, src.itemsize)]

    def run():
        for f in [pool.submit(copy, d, s) for d, s in parts]:
            f.result()

    return run


def streamer(case, nt, pool=None):
    """The op's own traffic through a trivial NumPy ufunc, on nt Python threads.

    Forward in place: ``x *= 1`` (x read, x written); gradient into grad: ``g *= x`` (g and x
    read, g written).  A relufast-free reference with exactly the op's access pattern (no
    write-allocate, unlike a copy into a second array).
    """
    dst = case.out.reshape(-1)
    other = case.x.reshape(-1) if case.spec.kind == "gradient" else case.dtype.type(1)
    if nt == 1:
        return functools.partial(np.multiply, dst, other, out=dst)
    parts = []
    for lo, hi in _chunks(dst.size, nt, dst.itemsize):
        o = other[lo:hi] if isinstance(other, np.ndarray) else other
        parts.append((dst[lo:hi], o))

    def run():
        for f in [pool.submit(np.multiply, d, o, out=d) for d, o in parts]:
            f.result()

    return run


# calls at least SLOW_CALL_S long need no separate warm-up call (the first one counts) and get
# SLOW_REPEATS samples; VERY_SLOW ones VERY_SLOW_REPEATS (the scalar-libm ops at 5*10**7 take
# seconds per call, and the default report must stay near 3 minutes)
SLOW_CALL_S, SLOW_REPEATS = 0.1, 2
VERY_SLOW_CALL_S, VERY_SLOW_REPEATS = 0.4, 1


def last_level_cache_bytes():
    """The largest CPU cache (Linux sysfs), or 32 MiB when it cannot be read."""
    best = 0
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        for d in os.listdir(base):
            with open(os.path.join(base, d, "size")) as f:
                v = f.read().strip()
            mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(v[-1:], 1)
            best = max(best, int(v.rstrip("KMG")) * mult)
    except (OSError, ValueError):
        pass
    return best or 32 << 20



def median_interleaved(fns, restores, repeats, warm=None):
    """Median seconds per call of each callable (None: skipped), the callables taking turns.

    Each call is preceded by its untimed ``restores[i]()``.  ``repeats`` is a count, or one per
    callable; ``warm[i]`` False skips the warm-up call (a reference already warm).  A first
    call warms up (page faults, thread pools); one that takes SLOW_CALL_S or more counts as a
    sample instead, and that callable gets SLOW_REPEATS (VERY_SLOW_REPEATS) samples in all.
    """
    k = len(fns)
    reps = list(repeats) if isinstance(repeats, (list, tuple)) else [repeats] * k
    warm = list(warm) if warm is not None else [True] * k
    samples = [[] for _ in fns]
    want = [0] * k
    for i, f in enumerate(fns):
        if f is None:
            continue
        want[i] = reps[i]
        if not warm[i]:
            continue
        t = timed(f, restores[i])
        if t >= SLOW_CALL_S:
            samples[i].append(t)
            slow = VERY_SLOW_REPEATS if t >= VERY_SLOW_CALL_S else SLOW_REPEATS
            want[i] = max(1, min(reps[i], slow))
    while any(len(s) < w for s, w in zip(samples, want)):
        for i, f in enumerate(fns):
            if len(samples[i]) < want[i]:
                samples[i].append(timed(f, restores[i]))
    return [statistics.median(s) if s else None for s in samples]



def copy_bandwidth(dst, src, threads, repeats=5, hows=("copyto",), restore=None, pool=None):
    """GB/s of ``dst[:] = src`` for each thread count in ``threads`` and each way in ``hows``
    (``"copyto"``, ``"memmove"``): ``{(threads, how): GB/s}``.

    The bytes are those read plus those written, 2 x ``src.nbytes``; the time is the median of
    ``repeats`` copies, the thread counts and ways taking turns, each copy after its untimed
    ``restore()`` (None: nothing).  ``pool``: the threads to copy on (default: a new pool).
    """
    if pool is None:
        with ThreadPoolExecutor(max(threads)) as own:
            return copy_bandwidth(dst, src, threads, repeats, hows, restore, own)
    cp = {(nt, how): copier(dst, src, nt, how, pool) for nt in threads for how in hows}
    t = median_interleaved(list(cp.values()), [restore] * len(cp), repeats)
    return {k: 2 * src.nbytes / v / 1e9 for k, v in zip(cp, t)}


# ---------------------------------------------------------------------------------------------
# the restores and wrappers of the interleaved benchmarks (mixed_dtypes, bias, masks, gated,
# family)

_FLUSH = None


def flush():
    """Read twice the last-level cache: the next call finds its operands in memory."""
    global _FLUSH
    if _FLUSH is None:
        _FLUSH = np.ones(2 * last_level_cache_bytes() // 8)
    _FLUSH.sum()


def restorer(dst, src, flushed=True):
    """A restore for median_interleaved: copy ``src`` into ``dst`` (then flush the caches)."""
    def restore():
        np.copyto(dst, src)
        if flushed:
            flush()
    return restore


def with_threads(nt, f):
    """``f`` run under relufast.num_threads(nt)."""
    import relufast

    def call():
        with relufast.num_threads(nt):
            f()
    return call
