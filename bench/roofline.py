"""Roofline report: how close each relufast op runs to the machine's copy bandwidth.

Run ``python bench/roofline.py`` from the repository root, with relufast built in place or
installed (``--help`` for the options).  It measures

* the copy bandwidth: ``np.copyto`` between two large preallocated arrays, counting the bytes
  read plus the bytes written (2N x itemsize).  For N threads the array is cut into N chunks,
  each copied by ``np.copyto`` on its own Python thread (NumPy releases the GIL for the copy):
  a path with neither relufast nor OpenMP in it.  ``ctypes.memmove`` (libc's memcpy, which may
  use non-temporal stores for large copies) is measured beside it once per block as a
  cross-check;
* for every op, the effective bandwidth: the bytes that must move divided by the median time of
  one call, forward in place (``out=x``: 2N x itemsize) and gradient into grad (``out=grad``:
  3N x itemsize), for 1 thread and for all threads (``relufast.num_threads``), and its ratio to
  the copy bandwidth measured with the same thread count, size and dtype *alongside that op*
  (copy, relufast and torch take turns call by call, so a noisy neighbour hits them alike);
* the per-call time at 10**3 elements (in place) next to NumPy's idiom for the same op and next
  to ``np.maximum(x, 0, out=x)``.

Every in-place call is timed on a fresh copy of the input (restored outside the timed region), so
no op is timed on its own output; after the restore the cache is flushed, so that a 40 MB input
is not half in a 32 MB L3 because the restore just wrote it (the copy is timed the same way).
Before each op the report waits (``--wait``, 1 s at most) for other processes to leave the CPUs
idle, and marks with ``~`` the rows during which they did not: on a shared machine, a 2-thread
timing with one core taken by someone else is worthless.  PyTorch columns appear when torch is
installed (``--no-torch``
drops them); nothing else beyond NumPy is needed.

The ops and the relufast, NumPy and PyTorch formulations are formulations.py's, the table the
pytest-benchmark suite uses too, so both measure the same thing; the timing helpers and the copy
are timing.py's.
"""

import argparse
import functools
import math
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# run as a script: relufast from the environment, else this tree's in-place build
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import relufast as rf  # noqa: E402
from formulations import (OPS, Case, Unsupported, numpy_impl, pristine,  # noqa: E402
                          relufast_impl, shape_for, torch_impl, torch_threads, view)
from timing import (SLOW_CALL_S, SLOW_REPEATS, VERY_SLOW_CALL_S,  # noqa: E402
                    VERY_SLOW_REPEATS, LoadMeter, QuietWaiter, copier, copy_bandwidth,
                    last_level_cache_bytes, median_interleaved, streamer)

# ---------------------------------------------------------------------------------------------
# the report: one block per (dtype, size)

MEMORY_BOUND = {"relu", "leaky_relu", "prelu_nchw", "prelu_2d"}
MEMORY_BOUND |= {n + "_grad" for n in MEMORY_BOUND}
ELU_LIKE = {"elu", "selu", "elu_grad", "selu_grad"}
REF_REPEATS = 3  # samples of the copy and stream references beside each op
# The references are measured beside the ops that can run at memory speed; beside the
# transcendental ones (a few hundredths of it with scalar libm) they would cost a third of the
# report's time for nothing, and the block's medians serve (copy column '-').
CHEAP_OPS = MEMORY_BOUND | {"relu6", "relu6_grad"}


def _target(name, xcopy, vs_torch):
    """The issue's targets: 'ok', 'MISS' or '' (none applies)."""
    checks = []
    if name in MEMORY_BOUND:
        checks.append(xcopy >= 0.9)
    if name in ELU_LIKE:
        checks.append(xcopy >= 0.5)
        if vs_torch is not None:
            checks.append(vs_torch >= 3.0)
    if vs_torch is not None:
        checks.append(vs_torch >= 1.0)
    return "" if not checks else ("ok" if all(checks) else "MISS")


class _Block:
    """Arrays for one (dtype, n): pristine inputs, working inputs, a copy destination.

    Every restore (the untimed copy of a pristine input before each timed call) is followed by
    a read of a buffer twice the last-level cache, so that no timed call finds its input in the
    cache because the restore just wrote it there: the roofline is the memory's.
    """

    def __init__(self, dtype, n):
        self.dtype, self.n = np.dtype(dtype), n
        size = max(math.prod(shape_for(s, n)) for s in OPS.values())
        self.px, self.pg = pristine(size, dtype, "x"), pristine(size, dtype, "g")
        self.x, self.g = self.px.copy(), self.pg.copy()
        self.dst = np.zeros(n, dtype)
        self.flush_buf = np.ones(2 * last_level_cache_bytes(), np.uint8)

    def restorer(self, dst, src):
        def restore():
            np.copyto(dst, src)
            self.flush_buf.max()  # reads evict the restored lines (clean lines, no write-back)

        return restore

    def case(self, spec, inplace=True):
        shape = shape_for(spec, self.n)
        x, g = view(self.x, shape), view(self.g, shape)
        np.copyto(x, view(self.px, shape))
        np.copyto(g, view(self.pg, shape))
        grad = spec.kind == "gradient"
        c = Case(spec, self.dtype, shape, inplace, x, g if grad else None,
                 None if inplace else np.empty(shape, self.dtype))
        restore = self.restorer(g if grad else x, view(self.pg if grad else self.px, shape))
        return c, restore


def _with_threads(fn, nt):
    """fn run with nt threads in relufast and torch."""
    if fn is None:
        return None

    def run():
        with rf.num_threads(nt):
            fn()

    return run


def _torch_threaded(fn, nt):
    if fn is None:
        return None

    def run():
        torch_threads(nt)
        fn()

    return run


def report_block(dtype, n, threads, ops, repeats, use_torch, out, results, wait=None):
    """Effective bandwidth of every op at (dtype, n), with a copy measured alongside each.

    For each op, the copy (np.copyto), relufast and torch take turns at every thread count, so
    the ratio xcopy compares measurements taken together; np.copyto is checked against libc's
    memmove once, at the start of the block.
    """
    p = functools.partial(print, file=out, flush=True)
    wait = wait or QuietWaiter(1.0)
    b = _Block(dtype, n)
    itemsize = b.dtype.itemsize
    src = b.px[:n]  # the copy reads a pristine input (never written) into dst
    restore_src = b.flush_buf.max  # src never changes; flushed, as the ops' inputs are
    rows, copies = [], {nt: [] for nt in threads}
    streams = {(k, nt): [] for k in ("forward", "gradient") for nt in threads}
    with ThreadPoolExecutor(max(threads)) as pool:
        # np.copyto against libc's memmove once, as a cross-check of the reference
        wait()
        check = copy_bandwidth(b.dst, src, threads, max(repeats, 5), ("copyto", "memmove"),
                               restore_src, pool)
        cp = {(nt, "copyto"): copier(b.dst, src, nt, "copyto", pool) for nt in threads}
        for name in ops:
            spec = OPS[name]
            case, restore = b.case(spec)
            fn = relufast_impl(case)
            tfn, tnote = None, ""
            if use_torch:
                try:
                    tfn = torch_impl(case)
                except Unsupported:  # prelu: torch has only the allocating out-of-place form,
                    # which reads the same (restored) input arrays
                    tfn, tnote = torch_impl(b.case(spec, inplace=False)[0]), "*"
            fns, rst, reps, warm = [], [], [], []
            ref_reps = min(repeats, REF_REPEATS)  # the references: warm after the first op
            beside = name in CHEAP_OPS  # else the block's medians serve (see REF_BESIDE)
            for nt in threads:
                fns += [cp[nt, "copyto"] if beside else None,
                        streamer(case, nt, pool) if beside else None,
                        _with_threads(fn, nt), _torch_threaded(tfn, nt)]
                rst += [restore_src, restore, restore, restore]
                reps += [ref_reps, ref_reps, repeats, repeats]
                warm += [not rows, not rows, True, True]
            old = torch_threads()
            wait()
            try:
                with LoadMeter() as m:
                    t = median_interleaved(fns, rst, reps, warm)
            finally:
                torch_threads(old)
            row = {}
            for i, nt in enumerate(threads):
                tc, ts, trf, tt = t[4 * i: 4 * i + 4]
                row[nt] = dict(ms=trf * 1e3, gbs=case.nbytes / trf / 1e9,
                               torch_gbs=tt and case.nbytes / tt / 1e9,
                               rf_over_torch=tt / trf if tt else None,
                               load=m.load, torch_note=tnote, kind=spec.kind, beside=beside)
                if beside:
                    row[nt]["copy_gbs"] = 2 * n * itemsize / tc / 1e9
                    row[nt]["stream_gbs"] = case.nbytes / ts / 1e9
                    copies[nt].append(row[nt]["copy_gbs"])
                    streams[spec.kind, nt].append(row[nt]["stream_gbs"])
                results["ops"][(name, b.dtype.name, n, nt)] = row[nt]
            rows.append((name, row, m.load))

    # with only transcendental ops selected (--ops), no copy ran beside an op: the block's
    # start-of-block np.copyto serves
    med = {nt: statistics.median(copies[nt]) if copies[nt] else check[nt, "copyto"]
           for nt in threads}
    smed = {k: statistics.median(v) for k, v in streams.items() if v}
    for name, row, _ in rows:  # the ratios; ops measured without references use the medians
        for nt, r in row.items():
            r.setdefault("copy_gbs", med[nt])
            r.setdefault("stream_gbs", smed.get((r["kind"], nt), med[nt]))
            r["xcopy"], r["xstream"] = r["gbs"] / r["copy_gbs"], r["gbs"] / r["stream_gbs"]
    results["copy"][(b.dtype.name, n)] = dict(
        median_over_ops=med, start={f"{how} {nt}t": v for (nt, how), v in check.items()},
        stream={f"{k} {nt}t": v for (k, nt), v in smed.items()})
    p()
    p(f"{b.dtype.name}, n = {n:,}:  GB/s, medians over the block's ops, 1 | {max(threads)} "
      "threads:  copy " + " | ".join(f"{med[nt]:.1f}" for nt in threads)
      + ";  stream forward " + " | ".join(
          f"{smed.get(('forward', nt), float('nan')):.1f}" for nt in threads)
      + ", gradient " + " | ".join(
          f"{smed.get(('gradient', nt), float('nan')):.1f}" for nt in threads)
      + ";  memmove at the start " + " | ".join(
          f"{check[nt, 'memmove']:.1f}" for nt in threads))
    cols = f"{'ms':>8} {'GB/s':>6} {'copy':>5} {'xcopy':>5} {'xstrm':>5}" + (
        f" {'torch':>6} {'rf/torch':>8}" if use_torch else "") + f" {'target':>6}"
    p(f"  {'op':<16}" + " |".join(f" {nt} thread{'s' if nt > 1 else ''}".center(len(cols))
                                 for nt in threads))
    p(f"  {'':<16}" + " |".join(cols for _ in threads))
    for name, row, load in rows:
        cells = []
        for nt in threads:
            r = row[nt]
            copy = f"{r['copy_gbs']:5.1f}" if r["beside"] else f"{'-':>5}"
            cell = f"{r['ms']:8.2f} {r['gbs']:6.1f} {copy} {r['xcopy']:5.2f} {r['xstream']:5.2f}"
            if use_torch:
                vs = r["rf_over_torch"]
                cell += (f" {r['torch_gbs']:5.1f}{r['torch_note'] or ' '} {vs:8.2f}"
                         if vs is not None else f" {'-':>6} {'-':>8}")
            cell += f" {_target(name, r['xcopy'], r['rf_over_torch']):>6}"
            cells.append(cell)
        p(f"  {name:<16}" + " |".join(cells) + ("  ~" if load > 0.25 else ""))


# ---------------------------------------------------------------------------------------------
# the report: per-call time at 10**3 elements


def report_small(n, dtypes, ops, rounds, use_torch, out, results, pool_rows=32):
    """Per-call time, in place, at n elements: relufast, NumPy's idiom, torch.

    ``pool_rows`` independent arrays (128 KiB of float32 at n = 1000: they stay in L2) are
    restored from pristine copies, then each is processed once by a Python loop; the per-call
    time is the loop's time over pool_rows (no timer call inside the loop, no op on its own
    output).  Median over ``rounds`` loops, the implementations taking turns.
    """
    p = functools.partial(print, file=out)
    impls = [("relufast", relufast_impl), ("numpy", numpy_impl)]
    if use_torch:
        impls.append(("torch", torch_impl))
    per = {}
    for dtype in dtypes:
        dt = np.dtype(dtype)
        size = max(math.prod(shape_for(s, n)) for s in OPS.values())
        px = np.stack([pristine(size, dt, "x", seed=r) for r in range(pool_rows)])
        pg = np.stack([pristine(size, dt, "g", seed=r) for r in range(pool_rows)])
        X, G = px.copy(), pg.copy()
        rows = [(X[r], G[r]) for r in range(pool_rows)]

        def loop(calls):
            def run():
                for c in calls:
                    c()
            return run

        def timed_rounds(runs, restore):
            times = [[] for _ in runs]
            for r in runs:
                if r is not None:
                    restore()
                    r()
            for _ in range(rounds):
                for i, r in enumerate(runs):
                    if r is not None:
                        restore()
                        t0 = time.perf_counter()
                        r()
                        times[i].append((time.perf_counter() - t0) / pool_rows)
            return [statistics.median(t) if t else None for t in times]

        restore_x = functools.partial(np.copyto, X, px)
        restore_g = functools.partial(np.copyto, G, pg)
        ref = loop([functools.partial(np.maximum, xr[:n], 0, out=xr[:n]) for xr, _ in rows])
        per[(dt.name, "np.maximum")] = timed_rounds([ref], restore_x)[0]
        for name in ops:
            spec = OPS[name]
            shape = shape_for(spec, n)
            grad = spec.kind == "gradient"
            runs = []
            for _, impl in impls:
                try:
                    calls = [impl(Case(spec, dt, shape, True, view(xr, shape),
                                       view(gr, shape) if grad else None))
                             for xr, gr in rows]
                except Unsupported:
                    runs.append(None)
                    continue
                runs.append(loop(calls))
            for (label, _), t in zip(impls, timed_rounds(runs, restore_g if grad else restore_x)):
                per[(dt.name, name, label)] = t
    results["small"] = per

    p()
    p(f"per-call time at n = {n:,} elements, in place (us; median of {rounds} loops over "
      f"{pool_rows} fresh arrays)")
    p("  reference np.maximum(x, 0, out=x): " + ",  ".join(
        f"{np.dtype(d).name} {per[(np.dtype(d).name, 'np.maximum')] * 1e6:.2f} us"
        for d in dtypes))
    cols = f"{'relufast':>8} {'numpy':>7} {'np/rf':>6}" + (
        f" {'torch':>7} {'torch/rf':>8}" if use_torch else "") + f" {'rf/max':>7}"
    p(f"  {'op':<16}" + " |".join(np.dtype(d).name.center(len(cols)) for d in dtypes))
    p(f"  {'':<16}" + " |".join(cols for _ in dtypes))
    for name in ops:
        cells = []
        for d in dtypes:
            dn = np.dtype(d).name
            trf, tnp = per[(dn, name, "relufast")], per[(dn, name, "numpy")]
            tmax = per[(dn, "np.maximum")]
            c = f"{trf * 1e6:8.2f} " + (f"{tnp * 1e6:7.2f} {tnp / trf:6.2f}" if tnp else
                                         f"{'-':>7} {'-':>6}")
            if use_torch:
                tt = per.get((dn, name, "torch"))
                c += f" {tt * 1e6:7.2f} {tt / trf:8.2f}" if tt else f" {'-':>7} {'-':>8}"
            c += f" {trf / tmax:7.2f}"
            cells.append(c)
        p(f"  {name:<16}" + " |".join(cells))


# ---------------------------------------------------------------------------------------------


def _cpu_ghz():
    """The nominal clock (GHz) from /proc/cpuinfo's first "cpu MHz", or None."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":")[1]) / 1000
    except (OSError, ValueError):
        pass
    return None


def report_bound(dtypes, ops, results, out, n_cache=32768, rounds=200):
    """Memory or arithmetic: one thread's time per element with the data in the caches (the
    arithmetic alone: ``n_cache`` elements, out of place so the inputs stay as they are,
    ``rounds`` back-to-back calls, best of 5) next to its time per element on the largest
    array of the roofline table (memory and arithmetic).  Where the in-cache time is at least
    80% of the large-array time, the arithmetic bounds the op: memory could go faster.
    Cycles per element = ns per element x the nominal clock (/proc/cpuinfo)."""
    p = functools.partial(print, file=out, flush=True)
    ghz = _cpu_ghz()
    p()
    p(f"what bounds each op, 1 thread: ns (and cycles at {ghz:.2f} GHz) per element in the "
      f"cache (n = {n_cache:,}) and from memory (the largest n above); bound = arithmetic where "
      "in-cache >= 0.8 x memory" if ghz else
      f"what bounds each op, 1 thread: ns per element in the cache (n = {n_cache:,}) and from "
      "memory (the largest n above); bound = arithmetic where in-cache >= 0.8 x memory")
    for dtype in dtypes:
        dtype = np.dtype(dtype)
        big = {}
        for (name, dt, n, nt), r in results["ops"].items():
            if dt == dtype.name and nt == 1 and n >= big.get(name, (0, 0))[0]:
                big[name] = (n, r["ms"])
        if not big:
            continue
        b = _Block(dtype, n_cache)
        p(f"  {dtype.name}:{'':14s}  cache ns  cycles | memory ns  cycles | bound")
        for name in ops:
            if name not in big:
                continue
            spec = OPS[name]
            case, _ = b.case(spec, inplace=False)
            fn = relufast_impl(case)
            n_elem = case.size
            with rf.num_threads(1):
                fn()
                best = float("inf")
                for _ in range(5):
                    t0 = time.perf_counter()
                    for _ in range(rounds):
                        fn()
                    best = min(best, (time.perf_counter() - t0) / rounds)
            n_big, ms = big[name]
            n_big_elem = math.prod(shape_for(spec, n_big))
            c_ns, m_ns = best / n_elem * 1e9, ms * 1e6 / n_big_elem
            cyc = (lambda v: f"{v * ghz:7.2f}") if ghz else (lambda v: "      -")
            bound = "arithmetic" if c_ns >= 0.8 * m_ns else "memory"
            p(f"  {name:16s} {c_ns:9.3f} {cyc(c_ns)} | {m_ns:9.3f} {cyc(m_ns)} | {bound}")


def _size(s):
    return int(float(s))


def _csv(s, conv=str):
    return [conv(v.strip()) for v in s.split(",") if v.strip()] if s else None


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python bench/roofline.py",
        description="Roofline report: relufast's effective bandwidth per op next to the "
        "machine's copy bandwidth, for 1 thread and all threads, and the per-call time at "
        "10**3 elements next to NumPy.",
    )
    ap.add_argument("--quick", action="store_true",
                    help="n = 10**7 only, 3 repeats, 20 loops in the per-call table")
    ap.add_argument("--sizes", help="comma-separated element counts (default 1e7,5e7)")
    ap.add_argument("--dtypes", default="float32,float64", help="default float32,float64")
    ap.add_argument("--threads", help="comma-separated thread counts (default: 1 and all, "
                    "all = relufast.get_num_threads(): OMP_NUM_THREADS or the cores)")
    ap.add_argument("--ops", help="comma-separated op names (default: all): " + ",".join(OPS))
    ap.add_argument("--repeats", type=int,
                    help="timed calls per measurement, median taken (default 5; 3 above "
                    "10**7 elements; 3 with --quick)")
    ap.add_argument("--small", type=_size, default=1000,
                    help="element count of the per-call table (default 1000; 0 skips it)")
    ap.add_argument("--no-torch", action="store_true", help="leave out the PyTorch columns")
    ap.add_argument("--wait", type=float, default=1.0,
                    help="before each op, wait up to this many seconds for other processes to "
                    "leave the CPUs idle (default 1; 0: never; after 3 waits in vain, only "
                    "every 10th op waits)")
    args = ap.parse_args(argv)

    sizes = _csv(args.sizes, _size) or ([10**7] if args.quick else [10**7, 5 * 10**7])
    dtypes = [np.dtype(d) for d in _csv(args.dtypes)]
    if any(d not in (np.float32, np.float64) for d in dtypes):
        ap.error("dtypes: float32 and/or float64")
    all_threads = rf.get_num_threads()
    threads = _csv(args.threads, int) or sorted({1, all_threads})
    ops = _csv(args.ops) or list(OPS)
    bad = [o for o in ops if o not in OPS]
    if bad:
        ap.error(f"unknown ops {bad}; ops are {', '.join(OPS)}")
    use_torch = False
    if not args.no_torch:
        try:
            import torch  # noqa: F401

            use_torch = True
        except ImportError:
            pass

    out = sys.stdout
    p = functools.partial(print, file=out, flush=True)
    t_start = time.perf_counter()
    p("relufast roofline report")
    p(f"  relufast {rf.__version__}, isa {rf._dispatch.KERNELS.isa}, OpenMP "
      f"{'on' if rf._openmp.OPENMP else 'off'}; numpy {np.__version__}"
      + (f"; torch {sys.modules['torch'].__version__}" if use_torch else "; torch: not used")
      + f"; {os.cpu_count()} cores, threads measured: {', '.join(map(str, threads))}")
    p("  bytes that must move: forward in place 2N x itemsize (x read, x written), gradient "
      "into grad 3N x itemsize (grad and x read, grad written)")
    p("  copy: np.copyto(dst, src), 2N x itemsize; N threads = N Python threads copying one "
      "chunk each (relufast-free, no OpenMP); memmove = libc memcpy through ctypes")
    p("  every call's input is restored from a pristine copy, then the cache flushed (untimed); "
      "for each op the copy, relufast and torch take turns;")
    p(f"  median of {args.repeats or ('3' if args.quick else '5 (3 above 10**7 elements)')} calls;"
      f" {SLOW_REPEATS} for calls over {SLOW_CALL_S} s, {VERY_SLOW_REPEATS} (no median) over "
      f"{VERY_SLOW_CALL_S} s; {REF_REPEATS} of each reference (copy, stream) beside each op "
      "that can reach memory speed (elsewhere, copy '-': the block's medians)")
    p("  copy = the copy GB/s measured alongside the op (same threads, dtype, n); xcopy = GB/s "
      "/ copy (in place needs no write-allocate, so > 1 is possible)")
    p("  xstrm = GB/s / the op's own traffic through a NumPy ufunc on as many Python threads "
      "(x *= 1 forward, g *= x gradient), measured alongside: the stricter roofline")
    p("  rf/torch = torch time / relufast time (> 1: relufast faster)")
    p("  target (issue 3): relu, leaky_relu, prelu and their gradients >= 0.9 xcopy; elu, selu "
      "(and gradients) >= 0.5 xcopy and >= 3 rf/torch; every op rf/torch >= 1")
    p("  *: torch has no in-place prelu, its allocating out-of-place F.prelu / "
      "_prelu_kernel_backward is timed;  ~: other processes used > 0.25 cores meanwhile")
    results = {"copy": {}, "ops": {}}
    waiter = QuietWaiter(args.wait)
    for dtype in dtypes:
        for n in sizes:
            repeats = args.repeats or (3 if args.quick or n > 10**7 else 5)
            report_block(dtype, n, threads, ops, repeats, use_torch, out, results, waiter)
            out.flush()
    if args.small:
        report_small(args.small, dtypes, ops, 20 if args.quick else 50, use_torch, out, results)
    if 1 in threads:
        report_bound(dtypes, ops, results, out)

    misses = sorted({k[0] for k, r in results["ops"].items()
                     if _target(k[0], r["xcopy"], r["rf_over_torch"]) == "MISS"})
    p()
    p(f"ops missing a target somewhere: {', '.join(misses) if misses else 'none'}")
    p(f"report took {time.perf_counter() - t_start:.0f} s")
    return results


if __name__ == "__main__":
    main()
