"""relufast's pytest fixtures and hooks: only these.  What the tests run on (functions, values,
layouts) is in cases.py, how they compare results in numerics.py, the float64 twin in
reference.py: plain modules, imported as such."""

import zlib

import numpy as np
import pytest

import relufast
from relufast import _dispatch

from cases import wrap_kernel_tables

# ---------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture
def rng(request):
    """A generator seeded from the test's name: reproducible, different per test."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture
def default_isa():
    """Restore the default kernel module after a test that switches it."""
    yield
    _dispatch.select_isa()


@pytest.fixture
def thread_state():
    """Leave the process-wide thread setting as the test found it (unset)."""
    relufast.set_num_threads(None)
    yield
    relufast.set_num_threads(None)


class KernelSpy:
    """Records the thread count ``nt`` every compiled call receives (its last argument)."""

    def __init__(self):
        self.calls = []

    def wrap(self, fn):
        def spy(*args):
            self.calls.append(args[-1])
            return fn(*args)
        return spy


@pytest.fixture
def kernel_spy(monkeypatch):
    """Wrap the compiled entry points of the active kernel module to record thread counts."""
    spy = KernelSpy()
    k = _dispatch.KERNELS
    wrap_kernel_tables(monkeypatch, ("forward", "gradient", "prelu_forward", "prelu_gradient"),
                       lambda table, f: spy.wrap(f))
    for name in ("forward_mixed", "gradient_mixed", "prelu_forward_mixed",
                 "prelu_gradient_mixed"):  # mixed dtypes, float16 and bfloat16
        monkeypatch.setattr(k, name, spy.wrap(getattr(k, name)))
    return spy


# ---------------------------------------------------------------------------------------------
# pytest-run-parallel (pytest --parallel-threads=N runs every test in N threads at once): tests
# that change process-wide state, the thread count, the kernel module, monkeypatched kernels,
# sys.stdout (doctest), would race copies of themselves, so they run in one thread


_PROCESS_WIDE_FIXTURES = {"thread_state", "default_isa", "kernel_spy"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = _PROCESS_WIDE_FIXTURES & set(getattr(item, "fixturenames", ()))
        if used:
            item.add_marker(pytest.mark.thread_unsafe(reason=f"process-wide state: {used}"))
        elif getattr(item, "originalname", "") == "test_docstring_examples":
            item.add_marker(pytest.mark.thread_unsafe(reason="doctest swaps sys.stdout"))
