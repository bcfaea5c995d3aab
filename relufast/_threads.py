"""Thread count: get/set, the context manager, and how many threads one call uses.

The number of threads a call uses is, first found wins:

1. the innermost ``num_threads(n)`` block active in this thread (or asyncio task),
2. the last ``set_num_threads(n)`` (process-wide),
3. the OpenMP runtime's own setting, ``omp_get_max_threads()``: a threadpoolctl limit, else
   ``OMP_NUM_THREADS``, else all cores; capped at ``MAX_THREADS``.

Arrays below a size threshold run inline on the calling thread whatever the setting: no OpenMP
region is entered, so they never pay a fork/join.
"""

import contextlib
import contextvars
import operator
import os

import numpy as np

from . import _openmp, _runtime

# Below these sizes (elements) a call runs inline on the calling thread, with no OpenMP region
# (no fork/join); above, it takes one thread per half-threshold of elements, up to the thread
# count in force, so a mid-sized array does not wake all of a many-core machine.  Both are the
# break-even sizes that bench/threshold.py measures (docs/performance.md): the same per-thread
# grain on 2 and 16 cores; the exponential family pays off sooner, as each element costs more.
PARALLEL_MIN_CHEAP = 32768
PARALLEL_MIN_TRANSCENDENTAL = 8192

# Waking OpenMP workers that have gone to sleep (their short spin, relufast/_runtime.py, ended)
# costs tens of microseconds; at the default thread count a call that comes after a pause (a
# matmul, say) uses threads only from WAKE_FACTOR times its threshold, where the work saved
# pays for the wake: 2 threads from cold broke even with 1 at about 64 thresholds, relu and silu
# alike (docs/performance.md, "Beside BLAS").  Such a call runs inline and is marked as one that
# could have threaded (nt = 0), so calls that follow it back to back thread as before.
WAKE_FACTOR = 64

# A child made by fork (os.fork, multiprocessing, concurrent.futures) would hang on its first
# parallel call, waiting for OpenMP workers it did not inherit: the pool of the forking thread is
# released just before every fork instead.  Nothing is paid per call; a parent that forks pays
# for starting its workers again on its next parallel call.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_openmp.release_threads)

_scoped = contextvars.ContextVar("relufast_num_threads", default=0)
_global = 0  # 0: not set, follow the OpenMP runtime

# The most threads a call may use.  An OpenMP runtime that cannot start the team it is asked
# for (libgomp: a count in the billions, or past the process's thread limit) ends the process
# instead of failing the call, so larger counts are refused here, and a larger OpenMP default
# (OMP_NUM_THREADS) is capped.  Four threads per core is already far past any speedup.
MAX_THREADS = max(256, 4 * _openmp.num_procs())


def _check(fn, n):
    """A thread count from the caller of ``fn``: an int (not a bool) from 1 to MAX_THREADS."""
    try:
        if isinstance(n, (bool, np.bool_)):
            raise TypeError
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{fn}: n must be an int >= 1, got {type(n).__name__}") from None
    if n < 1:
        raise ValueError(f"{fn}: n must be an int >= 1, got {n}")
    if n > MAX_THREADS:
        raise ValueError(
            f"{fn}: n must be an int from 1 to {MAX_THREADS} (4 threads per core, at least "
            f"256), got {n}"
        )
    return n


def _wrapped_environment_count():
    """What OMP_NUM_THREADS turns into when libgomp, which reads it as an unsigned long, returns
    it as a C int: a count past 2**31 - 1 comes back negative or as a small wrong number.  None
    for a count that fits."""
    first = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    try:
        n = int(first)
    except ValueError:
        return None
    return (n + 2**31) % 2**32 - 2**31 if n > 2**31 - 1 else None


_WRAPPED = _wrapped_environment_count()


def _runtime_threads():
    """The OpenMP runtime's count, capped at MAX_THREADS; a negative count, or the wrapped
    value of a huge OMP_NUM_THREADS, means "more than MAX_THREADS" (a threadpoolctl limit set
    later is another value, and is followed)."""
    m = _openmp.max_threads()
    return m if 0 < m <= MAX_THREADS and m != _WRAPPED else MAX_THREADS


def get_num_threads():
    """The number of threads relufast uses for a large array.

    Returns
    -------
    int
        From the innermost ``num_threads`` block, else ``set_num_threads``, else the OpenMP
        runtime (threadpoolctl's limit, ``OMP_NUM_THREADS``, or the number of cores).  Always 1
        when relufast was built without OpenMP.

    See Also
    --------
    set_num_threads, num_threads : change it.

    Notes
    -----
    Arrays below a size threshold (32,768 elements, 8,192 for the exponential functions) run
    on the calling thread whatever this says.

    Examples
    --------
    >>> import relufast
    >>> relufast.get_num_threads() >= 1
    True
    """
    if not _openmp.OPENMP:
        return 1
    return _scoped.get() or _global or _runtime_threads()


def set_num_threads(n):
    """Set the number of threads relufast uses, for the whole process.

    Parameters
    ----------
    n : int or None
        A count from 1 to 4 per core (at least 256; more is refused, as an OpenMP runtime
        that cannot start them ends the process), or None to go back to following the OpenMP
        runtime (threadpoolctl, ``OMP_NUM_THREADS``, all cores).

    See Also
    --------
    num_threads : the same for one block of code, in one thread.

    Examples
    --------
    >>> import relufast
    >>> relufast.set_num_threads(1)
    >>> relufast.get_num_threads()
    1
    >>> relufast.set_num_threads(None)  # back to the default
    """
    global _global
    _global = 0 if n is None else _check("set_num_threads", n)


def threads_for(n, threshold, idle_seconds=None, grouped=False):
    """Threads for a call on n elements: 1 below ``threshold``, else one per threshold / 2
    elements, up to ``get_num_threads()``; and at the default thread count 0 (inline, marked as
    a call that could have threaded) below ``WAKE_FACTOR * threshold`` when ``idle_seconds()``,
    the kernels' time since such a call ended, says the workers are asleep.

    ``grouped``: the call sums across elements (a weight's or a bias's gradient), and its
    float64 sums are grouped by thread.  Where it would get 0 it gets -nt instead: inline and
    marked as well, but its sums grouped as nt threads would group them, so that the result
    depends on the thread count in force and not on the time since the last call."""
    if n < threshold or not _openmp.OPENMP:
        return 1
    asked = _scoped.get() or _global
    if asked:  # a count the user asked for is used as it is
        return min(asked, 2 * n // threshold)
    nt = min(_runtime_threads(), 2 * n // threshold)
    if (nt > 1 and n < WAKE_FACTOR * threshold and idle_seconds is not None
            and _runtime.WAKE_WINDOW is not None and idle_seconds() > _runtime.WAKE_WINDOW):
        return -nt if grouped else 0
    return nt


@contextlib.contextmanager
def num_threads(n):
    """Context manager: use ``n`` threads inside the block (in this thread only), then restore.

    Parameters
    ----------
    n : int
        A count from 1 to 4 per core (at least 256).  The block's value (``as``) is ``n``.

    See Also
    --------
    set_num_threads : the same for the whole process.

    Notes
    -----
    The setting is a context variable: other Python threads and asyncio tasks keep theirs.

    Examples
    --------
    >>> import relufast
    >>> with relufast.num_threads(1):
    ...     relufast.get_num_threads()
    1
    """
    token = _scoped.set(_check("num_threads", n))
    try:
        yield n
    finally:
        _scoped.reset(token)
