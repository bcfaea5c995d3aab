"""Regression tests for the failure modes that the trust work (issue 6: sanitizers, property
tests, fuzzing, leak and thread stress) found in relufast.  Each test names what found it."""

import os
import subprocess
import sys

import numpy as np
import pytest

import relufast
from relufast import _openmp, _threads


# found probing parameter conversion for the fuzz harness (tools/fuzz.py): float(10**400)
# raised OverflowError, which escaped the API instead of the ValueError SPEC names
@pytest.mark.parametrize("call", [
    lambda p: relufast.leaky_relu(np.ones(3), p),
    lambda p: relufast.leaky_relu_grad(np.ones(3), np.ones(3), p),
    lambda p: relufast.elu(np.ones(3), p),
    lambda p: relufast.elu_grad(np.ones(3), np.ones(3), p),
    lambda p: relufast.celu(np.ones(3), p),
    lambda p: relufast.celu_grad(np.ones(3), np.ones(3), p),
])
@pytest.mark.parametrize("value", [10**400, -10**400, 2**1024], ids=["1e400", "-1e400", "2**1024"])
def test_python_int_parameter_beyond_float64_is_a_value_error(call, value):
    with pytest.raises(ValueError, match="must be finite"):
        call(value)


# found probing the thread API for tests/test_thread_stress.py: set_num_threads accepted any
# count, and the next large call asked libgomp for that many threads; at 2**31 - 1 libgomp
# printed "Out of memory allocating 481036338272 bytes" and ended the process, at 2**31 the
# kernel call raised OverflowError.  Counts above MAX_THREADS are now refused, and an
# OMP_NUM_THREADS above it is capped.
@pytest.mark.parametrize("n", [2**31 - 1, 2**31, 10**6])
def test_absurd_thread_counts_are_refused(n, thread_state):
    with pytest.raises(ValueError, match="n must be an int from 1 to"):
        relufast.set_num_threads(n)
    with pytest.raises(ValueError, match="n must be an int from 1 to"):
        with relufast.num_threads(n):
            pass
    assert relufast.get_num_threads() <= _threads.MAX_THREADS


def test_thread_count_cap_is_generous(thread_state):
    # far past any speedup, yet far below what a runtime fails to start
    assert 256 <= _threads.MAX_THREADS and 4 * _openmp.num_procs() <= _threads.MAX_THREADS
    relufast.set_num_threads(_threads.MAX_THREADS)
    assert relufast.get_num_threads() == _threads.MAX_THREADS
    with relufast.num_threads(_threads.MAX_THREADS):
        pass


@pytest.mark.skipif(not _openmp.OPENMP, reason="built without OpenMP")
def test_huge_omp_num_threads_does_not_end_the_process():
    env = dict(os.environ, OMP_NUM_THREADS=str(2**31 - 1))
    root = os.path.dirname(os.path.dirname(os.path.abspath(relufast.__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    code = ("import numpy as np, relufast\n"
            "from relufast import _threads\n"
            "assert relufast.get_num_threads() == _threads.MAX_THREADS\n"
            "x = np.linspace(-1, 1, 40_000)\n"
            "assert (relufast.relu(x) == np.maximum(x, 0)).all()\n"
            "print('ok')\n")
    # from the package's parent, so that a checkout in the working directory does not shadow it
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=120, cwd=root)
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.returncode, r.stdout, r.stderr)
