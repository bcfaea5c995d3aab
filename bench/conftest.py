"""The harness of the benchmark suite: options, cases, data, thread counts, timing, summary.

Every case (op, dtype, in place or not, size) is run once per peer, the peers of one case one
after the other (so they share the machine's state), and lands in one pytest-benchmark group,
``"{op} {dtype} {mode} n={n}"``.  See README.md for the options.
"""

import functools
import math
import os
import statistics
from collections import namedtuple

import numpy as np
import pytest

import formulations as fm
import relufast as rf
import timing
from formulations import IMPLS

# the peers timed (formulations.IMPLS also has numpy_idiom, the demo's and the figure's column:
# test_formulations.py checks it, the suite times the tuned NumPy formulation)
PEERS = ("relufast", "numpy", "torch", "numexpr", "numba")
DEFAULT_SIZES = (10**3, 10**5, 10**6, 10**7)
FULL_SIZES = DEFAULT_SIZES + (5 * 10**7,)
MODES = ("inplace", "outofplace")

MIN_ROUNDS = 5
MIN_ROUNDS_SLOW = 3  # for calls longer than SLOW_CALL_S (each averages over much time)
MAX_ROUNDS = 2000
ROUND_MIN_S = 2e-4  # out of place, a round repeats the call until it lasts this long
SLOW_CALL_S = 0.05  # calls longer than this: one warm-up call, MIN_ROUNDS_SLOW rounds

CaseKey = namedtuple("CaseKey", "op dtype mode n")


# ---------------------------------------------------------------------------------------------
# options


def _all_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def pytest_addoption(parser):
    g = parser.getgroup("relufast benchmarks")
    g.addoption(
        "--bench-threads", type=int, default=None,
        help="threads for relufast, torch, numba and numexpr alike "
        "(default: $RELUFAST_BENCH_THREADS, else all cores)",
    )
    g.addoption(
        "--bench-full", action="store_true",
        help="also 5*10**7 elements and float64 (long: see README.md)",
    )
    g.addoption("--bench-sizes", help="comma-separated sizes, e.g. 1e3,1e7 (replaces the set)")
    g.addoption("--bench-dtypes", help="comma-separated dtypes, e.g. float64 (replaces the set)")
    g.addoption("--bench-ops", help="comma-separated op names, e.g. relu,elu_grad (default all)")
    g.addoption("--bench-modes", help="inplace, outofplace or both (default both)")
    g.addoption("--bench-peers", help=f"comma-separated subset of {','.join(PEERS)}")
    g.addoption(
        "--bench-time", type=float, default=0.1,
        help="seconds of timed calls per benchmark, at least 5 rounds (default 0.1)",
    )
    g.addoption(
        "--bench-wait", type=float, default=1.0,
        help="before each case, wait up to this many seconds for other processes to leave "
        "the CPUs idle (default 1; 0: never wait; after 3 waits in vain, only every 10th case "
        "waits)",
    )


def _csv(config, name):
    v = config.getoption(name)
    return [s.strip() for s in v.split(",") if s.strip()] if v else None


def _threads(config):
    n = config.getoption("--bench-threads") or os.environ.get("RELUFAST_BENCH_THREADS")
    return int(n) if n else _all_cores()


def _cases(config):
    full = config.getoption("--bench-full")
    sizes = _csv(config, "--bench-sizes")
    sizes = [int(float(s)) for s in sizes] if sizes else (FULL_SIZES if full else DEFAULT_SIZES)
    dtypes = _csv(config, "--bench-dtypes") or (
        ["float32", "float64"] if full else ["float32"])
    ops = _csv(config, "--bench-ops") or list(fm.OPS)
    modes = _csv(config, "--bench-modes") or MODES
    unknown = (set(ops) - set(fm.OPS) | set(modes) - set(MODES)
               | set(dtypes) - {"float32", "float64"})
    if unknown:
        raise pytest.UsageError(f"unknown op, mode or dtype: {sorted(unknown)}; ops are "
                                f"{', '.join(fm.OPS)}")
    # dtype, then size outermost: the data of one (dtype, size) is made once
    return [CaseKey(op, dt, mode, n) for dt in dtypes for n in sizes for op in ops
            for mode in modes]


def pytest_generate_tests(metafunc):
    if "key" in metafunc.fixturenames:
        cases = _cases(metafunc.config)
        metafunc.parametrize("key", cases, ids=[f"{k.op}-{k.dtype}-{k.mode}-{k.n}" for k in cases])


def pytest_collection_modifyitems(config, items):
    # run the peers of one case back to back (same machine state), cases in generated order
    wanted = _csv(config, "--bench-peers")
    order = {k: i for i, k in enumerate(_cases(config))}

    def peer_of(item):
        return item.originalname[len("test_"):] if item.originalname else ""

    def sort_key(item):
        spec = getattr(item, "callspec", None)
        if spec is None or "key" not in spec.params:
            return (-1, 0)  # non-benchmark tests first
        p = peer_of(item)
        return (order[spec.params["key"]], PEERS.index(p) if p in PEERS else len(PEERS))

    if wanted:
        bad = set(wanted) - set(PEERS)
        if bad:
            raise pytest.UsageError(f"unknown peers {sorted(bad)}; peers are {PEERS}")
        keep = [i for i in items if peer_of(i) not in PEERS or peer_of(i) in wanted]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
    items.sort(key=sort_key)


# ---------------------------------------------------------------------------------------------
# thread counts and the report header


def _peer_versions():
    out = {"numpy": np.__version__}
    for mod in ("torch", "numexpr", "numba", "scipy"):
        try:
            out[mod] = __import__(mod).__version__
        except ImportError:
            out[mod] = "not installed"
    return out


def pytest_report_header(config):
    v = _peer_versions()
    return [
        f"relufast {rf.__version__} (isa {rf._dispatch.KERNELS.isa}); threads for every peer: "
        f"{_threads(config)} (of {_all_cores()} cores)",
        "peers: " + ", ".join(f"{k} {val}" for k, val in v.items()),
    ]


def pytest_benchmark_update_machine_info(config, machine_info):
    machine_info["relufast_bench_threads"] = _threads(config)
    machine_info["relufast_isa"] = rf._dispatch.KERNELS.isa
    machine_info["peer_versions"] = _peer_versions()


@pytest.fixture(scope="session", autouse=True)
def _thread_counts(pytestconfig):
    """One thread count for relufast, torch, numba and numexpr (NumPy is single-threaded)."""
    n = _threads(pytestconfig)
    undo = []
    old = rf.get_num_threads()
    rf.set_num_threads(n)
    undo.append(lambda: rf.set_num_threads(old))
    try:
        import torch

        old_t = torch.get_num_threads()
        torch.set_num_threads(n)
        undo.append(lambda: torch.set_num_threads(old_t))
    except ImportError:
        pass
    try:
        import numexpr as ne

        old_ne = ne.set_num_threads(n)
        undo.append(lambda: ne.set_num_threads(old_ne))
    except ImportError:
        pass
    try:
        import numba

        if n > numba.config.NUMBA_NUM_THREADS:
            pytest.exit(f"numba was started with {numba.config.NUMBA_NUM_THREADS} threads; "
                        f"set NUMBA_NUM_THREADS >= {n}")
        old_nb = numba.get_num_threads()
        numba.set_num_threads(n)
        undo.append(lambda: numba.set_num_threads(old_nb))
    except ImportError:
        pass
    yield n
    for f in reversed(undo):
        f()


# ---------------------------------------------------------------------------------------------
# data: pristine inputs and working buffers for the current (dtype, size), made once


class _Data:
    current = None

    @classmethod
    def get(cls, dtype, n):
        if cls.current is not None and cls.current.key == (dtype, n):
            return cls.current
        cls.current = None  # free the previous size first
        d = cls()
        d.key = (dtype, n)
        size = max(math.prod(fm.shape_for(s, n)) for s in fm.OPS.values())
        d.px, d.pg = fm.pristine(size, dtype, "x"), fm.pristine(size, dtype, "g")
        d.x, d.g, d.out = d.px.copy(), d.pg.copy(), np.zeros_like(d.px)
        cls.current = d
        return d


# ---------------------------------------------------------------------------------------------
# the timed run

RESULTS = {}  # CaseKey -> {peer: (median seconds, bytes, other processes' load in cores)}
NOISY = 0.25  # cores used by other processes during a benchmark that make it suspect


def _waiter(config):
    """One QuietWaiter per session: it stops waiting before every case on a machine that
    stays busy (3 waits in vain), then tries once every 10 cases."""
    w = getattr(config, "_relufast_waiter", None)
    if w is None:
        w = config._relufast_waiter = timing.QuietWaiter(config.getoption("--bench-wait"), NOISY)
    return w


@pytest.fixture
def bench_run(benchmark, pytestconfig, _thread_counts):
    """bench_run(peer, key): time ``peer`` on case ``key`` and record the median."""

    def run(peer, key):
        spec, dtype = fm.OPS[key.op], np.dtype(key.dtype)
        shape = fm.shape_for(spec, key.n)
        d = _Data.get(key.dtype, key.n)
        px, pg = fm.view(d.px, shape), fm.view(d.pg, shape)
        x, g, out = fm.view(d.x, shape), fm.view(d.g, shape), fm.view(d.out, shape)
        np.copyto(x, px)  # an earlier in-place case wrote these
        np.copyto(g, pg)
        grad = spec.kind == "gradient"
        case = fm.Case(spec, dtype, shape, key.mode == "inplace", x, g if grad else None, out)
        try:
            fn = IMPLS[peer](case)
        except fm.Unsupported as e:
            pytest.skip(str(e))

        # in place, every timed call gets a fresh copy of its input, restored outside the
        # timed region (pedantic's setup): no call works on its own output
        restore = None
        if case.inplace:
            restore = functools.partial(np.copyto, g, pg) if grad else \
                functools.partial(np.copyto, x, px)

        # warm up (numba compiles, pages fault in, thread pools wake), then calibrate; a slow
        # first call (>= SLOW_CALL_S even with its one-off costs) is warm-up enough
        t1 = timing.timed(fn, restore)
        if t1 < SLOW_CALL_S:
            t1 = min(timing.timed(fn, restore) for _ in range(3))
        slow = t1 >= SLOW_CALL_S
        budget = pytestconfig.getoption("--bench-time")
        warmup = 0 if slow else 1
        min_rounds = MIN_ROUNDS_SLOW if slow else MIN_ROUNDS

        benchmark.group = f"{key.op} {key.dtype} {key.mode} n={key.n}"
        benchmark.extra_info.update(
            peer=peer, elements=case.size, shape=list(shape), bytes=case.nbytes,
            threads=_threads(pytestconfig), inplace=case.inplace,
        )
        if key not in RESULTS:  # the case's first peer: start on an idle machine
            _waiter(pytestconfig)()
        with timing.LoadMeter() as load:
            if restore is not None:
                rounds = min(MAX_ROUNDS, max(min_rounds, int(budget / t1)))
                benchmark.pedantic(fn, setup=restore, rounds=rounds, iterations=1,
                                   warmup_rounds=warmup)
            else:
                iterations = max(1, math.ceil(ROUND_MIN_S / t1))
                rounds = min(MAX_ROUNDS, max(min_rounds, int(budget / (t1 * iterations))))
                benchmark.pedantic(fn, rounds=rounds, iterations=iterations,
                                   warmup_rounds=warmup)
        median = benchmark.stats.stats.median
        benchmark.extra_info["GB/s"] = round(case.nbytes / median / 1e9, 3)
        benchmark.extra_info["other_load_cores"] = round(load.load, 2)
        RESULTS.setdefault(key, {})[peer] = (median, case.nbytes, load.load)

    return run


# ---------------------------------------------------------------------------------------------
# one compact table at the end: the peers of each case side by side


def _fmt_time(s):
    for unit, f in (("s", 1), ("ms", 1e3), ("us", 1e6)):
        if s >= 1 / f:
            return f"{s * f:7.2f} {unit}"
    return f"{s * 1e9:7.0f} ns"


def pytest_terminal_summary(terminalreporter, config):
    if not RESULTS:
        return
    tr = terminalreporter
    others = [p for p in PEERS[1:] if any(p in r for r in RESULTS.values())]
    tr.write_sep("=", f"relufast vs peers, {_threads(config)} thread(s): median per call")
    tr.write_line("peer columns: peer median / relufast median (> 1: relufast is faster; "
                  "'!': the peer is faster; '-': skipped); GB/s: relufast, counting 2N "
                  "(forward) or 3N (gradient) x itemsize; '~': other processes used more "
                  f"than {NOISY} cores during some peer's run (distrust the row)")
    head = f"{'case':<38} {'relufast':>10} {'GB/s':>7}" + "".join(f" {p:>8}" for p in others)
    tr.write_line(head)
    worst = []
    for key, r in RESULTS.items():
        label = f"{key.op} {key.dtype} {key.mode} n={key.n}"
        if "relufast" not in r:
            continue
        t, nbytes, _ = r["relufast"]
        noisy = " ~" if max(v[2] for v in r.values()) > NOISY else ""
        cells = []
        for p in others:
            if p in r:
                ratio = r[p][0] / t
                cells.append(f" {ratio:7.2f}{'!' if ratio < 1 else ' '}")
                worst.append((ratio, label, p))
            else:
                cells.append(f" {'-':>8}")
        tr.write_line(f"{label:<38} {_fmt_time(t):>10} {nbytes / t / 1e9:7.2f}"
                      + "".join(cells) + noisy)
    slower = sorted(w for w in worst if w[0] < 1)
    if slower:
        tr.write_line(f"'!': a peer is faster than relufast ({len(slower)} cases); the worst:")
        for ratio, label, p in slower[:10]:
            tr.write_line(f"    {label}: {p} at {ratio:.2f}x relufast's time")
    if worst:
        tr.write_line("median over all cases of peer/relufast: " + ", ".join(
            f"{p} {statistics.median(w[0] for w in worst if w[2] == p):.2f}"
            for p in others if any(w[2] == p for w in worst)))
