"""The OpenMP runtime's wait policy, set before the runtime starts.

After a parallel region libgomp's worker threads spin, waiting for the next one: by default
300,000 rounds of a pause instruction, several milliseconds on current x86 cores.  A network
alternates relufast's calls with BLAS matmuls, and for those milliseconds relufast's spinning
workers take cores from BLAS's threads: scikit-learn's MLP trained slower with relufast than
with NumPy, and a training step at batch 64 ran 5.6 times slower (docs/performance.md, "Beside
BLAS").  With 1,000 rounds (tens of microseconds) the workers still catch back-to-back relufast
calls, and give the cores back before a matmul needs them.

libgomp reads its settings once, when it is loaded, from the environment, so they are set for
that moment only, and only where the user set neither ``OMP_WAIT_POLICY`` nor
``GOMP_SPINCOUNT``.  A wheel bundles its own copy of libgomp, which this affects alone (its
modules are bound to it at load, ``-z now``, and deep-bound where another libgomp is already
loaded); a build against the system's libgomp shares it with the libraries that use it, and if
one of them loaded it first its settings stay.
"""

import importlib
import os
import sys

SPIN_COUNT = "1000"

# How long the workers spin after a call with SPIN_COUNT rounds: about 25 us on the 2-core AMD
# EPYC (Zen 4) where it was measured (bench/threshold.py --gaps).  Idle longer, they sleep.
# None when the user chose the policy: then relufast does not guess.
WAKE_WINDOW = None

# What show_config() reports: whose wait policy the runtime started with, and whether relufast's
# modules were deep-bound to their own runtime beside another libgomp
POLICY = "not started"
DEEP_BOUND = False


def _foreign_runtime_loaded():
    """True if a libgomp is already mapped into the process (PyTorch loads its own, globally)."""
    try:
        with open("/proc/self/maps") as f:
            return "libgomp" in f.read()
    except OSError:
        return False


def _deep_binding():
    """dlopen flags under which relufast's modules call the libgomp they were linked with.

    A wheel bundles its own renamed libgomp; but a library loaded earlier with RTLD_GLOBAL
    (PyTorch loads its libgomp so) would otherwise serve relufast's OpenMP calls, with that
    runtime's wait policy: relufast's workers then spun for milliseconds after each call again.
    Not under a sanitizer's preloaded runtime, which refuses RTLD_DEEPBIND.
    """
    deep = getattr(os, "RTLD_DEEPBIND", 0)
    if not deep or "san" in os.environ.get("LD_PRELOAD", "") or not _foreign_runtime_loaded():
        return None
    return sys.getdlopenflags() | deep


def start_openmp():
    """Load the compiled modules, and with them the OpenMP runtime, with relufast's wait policy.

    The kernel modules this CPU can run are loaded here too (later imports find them loaded),
    so that all of them bind to the same runtime.
    """
    global WAKE_WINDOW, POLICY, DEEP_BOUND
    user_set = [f"{v}={os.environ[v]}" for v in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
                if v in os.environ]
    if user_set:
        POLICY = " ".join(user_set) + " (the user's)"
    else:
        os.environ["GOMP_SPINCOUNT"] = SPIN_COUNT
        WAKE_WINDOW = 20e-6
        POLICY = f"GOMP_SPINCOUNT={SPIN_COUNT} (relufast's)"
    flags, deep = sys.getdlopenflags(), _deep_binding()
    DEEP_BOUND = deep is not None
    if deep is not None:
        sys.setdlopenflags(deep)
    try:
        from . import _openmp

        _openmp.max_threads()  # a runtime that starts lazily starts now
        for isa in ["baseline"] + _openmp.cpu_features():
            try:
                importlib.import_module(f"relufast._kernels_{isa}")
            except ImportError:  # not built into this install
                pass
    finally:
        sys.setdlopenflags(flags)
        if not user_set:
            del os.environ["GOMP_SPINCOUNT"]
