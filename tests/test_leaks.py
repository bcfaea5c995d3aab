"""No leaks: every function and every gradient called RELUFAST_LEAK_CALLS times (default 10**5
each, spread over every path of the API layer) on small arrays, and the error paths as often (five
groups of refused calls, 10**5 each), leave reference counts, the number of live objects and the
resident memory (RSS) where they were.

A leaked reference shows as a count that grew by the number of calls; a leaked buffer, memoryview
or exception as RSS that grew (a 57-byte object leaked on a third of the calls is +4 MiB against
a tolerance of RSS_SLACK, 2 MiB); a leaked container as gc-tracked objects that stayed.  The figures are
printed (pytest -s, or -rP) and recorded as the test's user properties (--junitxml).

Skipped under AddressSanitizer and valgrind, whose allocators keep freed memory on purpose.
"""

import gc
import os
import resource
import sys

import numpy as np
import pytest

import relufast

CALLS = int(os.environ.get("RELUFAST_LEAK_CALLS", 10**5))
WARMUP = max(1, CALLS // 20)
RSS_SLACK = 2 * 2**20  # bytes of RSS growth tolerated over all the calls (allocator noise)
OBJECT_SLACK = 200  # gc-tracked objects

pytestmark = [
    pytest.mark.skipif("libasan" in os.environ.get("LD_PRELOAD", "")
                       or "vgpreload" in os.environ.get("LD_PRELOAD", ""),
                       reason="a sanitizer's or valgrind's allocator keeps freed memory"),
    pytest.mark.usefixtures("thread_state"),
    pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning"),
]


def rss():
    """Resident memory of this process, in bytes (Linux: /proc/self/statm)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()
    except OSError:
        pytest.skip("no /proc/self/statm to read the resident memory from")


def _operands():
    rng = np.random.default_rng(6)
    ops = {}
    for dt in (np.float16, np.float32, np.float64):
        x = (rng.standard_normal((2, 4)) * 3).astype(dt)
        ops[dt] = dict(x=x, g=rng.standard_normal((2, 4)).astype(dt), out=np.empty_like(x),
                       w=np.array([0.25, -0.5, 0.1, 2.0], dt),
                       strided=np.zeros((2, 8), dt)[:, ::2])
    return ops


OPS = _operands()
SLOPE, ALPHA, NEG = 0.2, 1.3, -0.7  # parameters as objects whose refcounts are watched
ELEMENTWISE = [("relu", {}), ("leaky_relu", {"negative_slope": SLOPE}), ("elu", {"alpha": ALPHA}),
               ("selu", {}), ("celu", {"alpha": ALPHA}), ("relu6", {}),
               ("gelu", {"approximate": "none"}), ("gelu", {"approximate": "tanh"}), ("silu", {})]


def _variants(name, kw):
    """(forward closures, gradient closures) calling ``name`` through every path of the API.

    The paths that copy (float16, Fortran order, strided operands, lists) cost 2-3 times the
    plain ones, so the plain ones are listed three times: every path is taken thousands of
    times, and the 10**5 calls stay cheap."""
    f, fg = getattr(relufast, name), getattr(relufast, name + "_grad")
    fwd, grad = [lambda f=f: f([0.5, -1.0, 2.0], **kw)], []  # a list: converted to float64
    for dt, o in OPS.items():
        x, g, res, st = o["x"], o["g"], o["out"], o["strided"]
        xi, gi = x.copy(), g.copy()
        plain = 1 if dt == np.float16 else 3  # float16 is computed through float32 copies
        fwd += plain * [
            lambda f=f, x=x: f(x, **kw),                        # a new array
            lambda f=f, x=x, res=res: f(x, out=res, **kw),      # into out
            lambda f=f, xi=xi: f(xi, out=xi, **kw),             # in place
        ] + [
            lambda f=f, x=x, st=st: f(x, out=st, **kw),         # through a strided out
            lambda f=f, x=x.T: f(x, **kw),                      # Fortran order
        ]
        grad += plain * [
            lambda fg=fg, g=g, x=x: fg(g, x, **kw),
            lambda fg=fg, g=g, x=x, res=res: fg(g, x, out=res, **kw),
            lambda fg=fg, gi=gi, x=x: fg(gi, x, out=gi, **kw),  # in place into grad
        ] + [
            lambda fg=fg, g=g, x=x[:, ::-1]: fg(g, x, **kw),    # negative strides
        ]
    return fwd, grad


def _prelu_variants():
    fwd, grad = [], []
    for o in OPS.values():
        x, g, w, res = o["x"], o["g"], o["w"], o["out"]
        xi = x.copy()
        fwd += [
            lambda x=x, w=w: relufast.prelu(x, w),
            lambda x=x, w=w: relufast.prelu(x, w[:2], axis=0),
            lambda x=x: relufast.prelu(x, SLOPE),
            lambda xi=xi, w=w: relufast.prelu(xi, w, out=xi),
        ]
        grad += [
            lambda g=g, x=x, w=w: relufast.prelu_grad(g, x, w),
            lambda g=g, x=x, w=w, res=res: relufast.prelu_grad(g, x, w, out=res),
            lambda g=g, x=x: relufast.prelu_grad(g, x, NEG),
            lambda g=g, x=x, w=w: relufast.prelu_grad(g.T, x.T, w[:2], axis=-1),
        ]
    return fwd, grad


def _error_paths():
    """Every kind of refused call, in five groups (inputs, out, parameters, grad and x, prelu
    and threads); each must raise TypeError or ValueError."""
    x, g, res = OPS[np.float32]["x"], OPS[np.float32]["g"], OPS[np.float32]["out"]
    ro = x.copy()
    ro.flags.writeable = False
    ints = x.astype(np.int32)
    masked = np.ma.masked_array(x)
    big = x.astype(">f4")
    wide = res.astype(np.float64)
    cplx = res.astype(np.complex128)  # out of a dtype the float result does not cast to
    w3 = np.ones(3, np.float32)
    w4 = np.ones(4, np.float32)
    return [
        [lambda: relufast.elu(ints),
         lambda: relufast.relu(big),
         lambda: relufast.silu(masked),
         lambda: relufast.gelu(["a", 1.0])],
        [lambda: relufast.relu(x, out=res[:1]),
         lambda: relufast.leaky_relu(x, out=cplx),
         lambda: relufast.selu(x, out=ro),
         lambda: relufast.relu6(x, out=[0.0])],
        [lambda: relufast.elu(x, alpha=float("nan")),
         lambda: relufast.leaky_relu(x, negative_slope="0.1"),
         lambda: relufast.celu(x, alpha=1e39),
         lambda: relufast.celu_grad(g, x, alpha=0.0),
         lambda: relufast.gelu(x, approximate="fast"),
         lambda: relufast.elu(x, alpha=10**400)],
        [lambda: relufast.silu_grad(g, x, from_output=True),
         lambda: relufast.relu_grad(g[:1], x),
         lambda: relufast.elu_grad(wide[:1], x)],
        [lambda: relufast.prelu(x, w3),
         lambda: relufast.prelu_grad(g, x, float("nan")),
         lambda: relufast.prelu(x, w4, axis=5),
         lambda: relufast.set_num_threads(0),
         lambda: relufast.num_threads("2").__enter__()],
    ]


def _watched():
    """Objects whose reference counts must not move: operands, parameters, dtypes, kernels."""
    from relufast import _dispatch
    objs = [SLOPE, ALPHA, NEG, _dispatch.KERNELS, _dispatch.OP]
    for o in OPS.values():
        objs += [o["x"], o["g"], o["out"], o["w"], o["strided"], o["x"].dtype]
    objs += list(_dispatch.KERNELS.forward.values()) + list(_dispatch.KERNELS.gradient.values())
    objs += [np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64), TypeError,
             ValueError]
    return objs


def _run(groups, fraction=1.0, expect_error=False):
    """Call each group of closures ``CALLS * fraction`` times in all, round robin."""
    for closures in groups:
        n = max(1, int(CALLS * fraction))
        for i in range(n):
            fn = closures[i % len(closures)]
            if expect_error:
                try:
                    fn()
                except (TypeError, ValueError):
                    continue
                raise AssertionError(f"{fn} did not raise")
            fn()


def _measure(label, groups, expect_error, record_property, capsys, fraction=1.0):
    """Run ``groups`` (each: closures sharing CALLS calls), after a warm-up; assert flat."""
    _run(groups, fraction / 20, expect_error)  # caches, pymalloc arenas, NumPy's block cache
    watched = _watched()
    gc.collect()
    refs0 = [sys.getrefcount(o) for o in watched]
    objects0 = len(gc.get_objects())
    rss0 = rss()
    _run(groups, fraction, expect_error)
    gc.collect()
    rss1 = rss()
    objects1 = len(gc.get_objects())
    refs1 = [sys.getrefcount(o) for o in watched]
    calls = len(groups) * max(1, int(CALLS * fraction))
    line = (f"{label}: {calls:,} calls ({len(groups)} x {max(1, int(CALLS * fraction)):,}); "
            f"RSS before {rss0 / 2**20:.2f} MiB, after {rss1 / 2**20:.2f} MiB "
            f"({(rss1 - rss0) / 1024:+.0f} KiB); gc objects {objects0} -> {objects1}")
    with capsys.disabled():
        print("\n" + line)
    record_property(label, line)
    moved = [(repr(o)[:60], a, b) for o, a, b in zip(watched, refs0, refs1) if a != b]
    assert not moved, f"reference counts moved: {moved}"
    assert objects1 - objects0 <= OBJECT_SLACK, line
    assert rss1 - rss0 <= RSS_SLACK, line


@pytest.mark.parametrize("name, kw", ELEMENTWISE,
                         ids=[n + ("-" + kw["approximate"] if "approximate" in kw else "")
                              for n, kw in ELEMENTWISE])
def test_elementwise_do_not_leak(name, kw, record_property, capsys):
    # the forward and the gradient, CALLS calls each, spread over every path
    label = name + (f"({kw['approximate']})" if "approximate" in kw else "")
    _measure(label, _variants(name, kw), False, record_property, capsys)


def test_prelu_does_not_leak(record_property, capsys):
    _measure("prelu", _prelu_variants(), False, record_property, capsys)


def test_error_paths_do_not_leak(record_property, capsys):
    # CALLS refused calls of each group
    _measure("errors", _error_paths(), True, record_property, capsys)


def test_thread_api_does_not_leak(record_property, capsys):
    def scoped():
        with relufast.num_threads(1):
            relufast.get_num_threads()

    def process_wide():
        relufast.set_num_threads(2)
        relufast.set_num_threads(None)

    _measure("threads", [[scoped], [process_wide]], False, record_property, capsys)


def test_parallel_calls_do_not_leak(record_property, capsys):
    # above the parallel threshold, so through OpenMP regions: fewer calls (40,000 elements each)
    x = np.linspace(-3, 3, 40_000, dtype=np.float32)
    out = np.empty_like(x)

    def parallel():
        with relufast.num_threads(2):
            relufast.elu(x, out=out)
            relufast.prelu_grad(x, x, 0.3, out=out)

    _measure("parallel", [[parallel]], False, record_property, capsys, fraction=1 / 1000)
