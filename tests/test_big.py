"""Arrays of more than 2**31 elements: every index in the kernels and the Python layer is 64-bit.

An in-place relu and an in-place prelu (a weight per column, so the kernels' channel arithmetic
``i % C`` runs past 2**31) over 2**31 + 2**20 + 7 float32 elements (8.6 GB), checked chunk by
chunk against a table of the expected values, so no second copy is needed.  The values follow
a hash of the index modulo a prime, so an element skipped, shifted or written twice shows,
and so does an index wrapped at 2**31 or 2**32.

Opt-in: RELUFAST_BIG_TESTS=1 (the tests are also marked slow: ``pytest -m slow``).  They need
MemAvailable of NEEDED bytes (11.6 GB) and skip, saying so, where the machine lacks them.
About 25 s and 8.7 GB of resident memory on a 2-core machine.
"""

import os

import numpy as np
import pytest

import relufast

N = 2**31 + 2**20 + 7
COLUMNS = 1024  # prelu: x is (N // COLUMNS, COLUMNS), the remainder left as a tail
CHUNK = 2**24  # a multiple of COLUMNS
PERIOD = 4099  # a prime: the values repeat every PERIOD elements, 2**31 and 2**32 are not
NEEDED = N * 4 + 3 * 2**30  # the array, the pattern tables and headroom

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("RELUFAST_BIG_TESTS") != "1",
                       reason="opt-in: RELUFAST_BIG_TESTS=1 (8.6 GB of memory)"),
]


def _mem_available():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class Pattern:
    """The value of flat index i is base[i % PERIOD] (a hash of i % PERIOD, in [-64, 64),
    exact in float32); ``table`` holds it for indices 0 .. CHUNK + PERIOD * COLUMNS, so the
    values of any chunk [lo, lo + CHUNK), and their column phase, are one slice away."""

    def __init__(self):
        k = np.arange(PERIOD, dtype=np.uint64)
        base = (((k * np.uint64(2654435761)) & np.uint64(4095)).astype(np.float32) - 2048) / 32
        self.span = PERIOD * COLUMNS
        self.table = np.resize(base, CHUNK + self.span)

    def window(self, table, lo, hi):
        off = lo % self.span  # lo and off agree mod PERIOD and mod COLUMNS
        return table[off:off + (hi - lo)]


@pytest.fixture(scope="module")
def big():
    avail = _mem_available()
    if avail is None:
        pytest.skip("cannot read MemAvailable from /proc/meminfo")
    if avail < NEEDED:
        pytest.skip(f"needs {NEEDED / 2**30:.1f} GiB available, the machine has "
                    f"{avail / 2**30:.1f} GiB")
    x = np.empty(N, np.float32)
    yield x, Pattern()
    del x


def _fill(x, pat):
    for lo in range(0, N, CHUNK):
        hi = min(N, lo + CHUNK)
        x[lo:hi] = pat.window(pat.table, lo, hi)


def _first_difference(x, want_table, pat, end):
    for lo in range(0, end, CHUNK):
        hi = min(end, lo + CHUNK)
        got, want = x[lo:hi], pat.window(want_table, lo, hi)
        if not np.array_equal(got, want):
            return lo + int(np.flatnonzero(got != want)[0])
    return None


def test_relu_in_place_past_2_31(big):
    x, pat = big
    _fill(x, pat)
    assert relufast.relu(x, out=x) is x
    bad = _first_difference(x, np.maximum(pat.table, np.float32(0)), pat, N)
    assert bad is None, f"relu in place: wrong value at flat index {bad} (2**31 = {2**31})"


def test_prelu_in_place_past_2_31(big):
    x, pat = big
    rows = N // COLUMNS
    m = x[: rows * COLUMNS].reshape(rows, COLUMNS)
    _fill(x, pat)
    w = (np.arange(COLUMNS, dtype=np.float32) - 512) / 256  # negative, zero and positive
    assert relufast.prelu(m, w, axis=1, out=m) is m
    t = pat.table
    want = np.where(t > 0, t, np.resize(w, t.size) * t)
    bad = _first_difference(x, want, pat, rows * COLUMNS)
    assert bad is None, f"prelu in place: wrong value at flat index {bad} (2**31 = {2**31})"
    tail = x[rows * COLUMNS:]
    assert np.array_equal(tail, pat.window(t, rows * COLUMNS, N)), "prelu wrote past its rows"
