"""Measure relufast against the NumPy idiom and PyTorch, and draw the performance page's chart.

    python docs/figures/perf.py --measure [--size N] [--out docs/perf/results.json]
    python docs/figures/perf.py --render [--results docs/perf/results.json] [--out DIR]

``--measure`` times every function and a few gradients on a float32 array of ``--size``
elements (default 64 x 64 x 56 x 56, 51 MB; prelu's shaped as a ResNet feature map, (64, 64, 56,
56)) and writes the medians, the machine (CPU model, cores) and the versions to a JSON file.
The ops, data and formulations are the benchmarks' (``bench/formulations.py``), the copy
bandwidth ``bench/timing.py``'s.  relufast runs in place (``f(x, out=x)``,
``f_grad(g, x, out=g)``) on all cores; the NumPy idiom (``relufast._idioms``) is what people
write without it (one temporary array per operator); PyTorch (optional: its column is left out
when torch is not installed) runs its in-place function where it has one, and the aten backward
kernel that autograd calls for the gradients, on all cores.  Each number is an effective
bandwidth: the bytes the operation must move (read the inputs once, write the output once)
divided by its time, drawn against the machine's copy bandwidth (``np.copyto`` split across
all cores), the ceiling for an elementwise operation on arrays that do not fit in the caches.

``--render`` (what the docs build runs, docs/conf.py) reads the JSON and writes perf.png (the
chart) and perf_table.md (the table) for docs/performance.md.  It needs matplotlib only.
"""

import argparse
import functools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "..", "perf", "results.json")

BENCH = os.path.join(HERE, "..", "..", "bench")

# the ops drawn (bench/formulations.py's names) and their labels on the chart
FIGURE_OPS = ["relu", "leaky_relu", "prelu_nchw", "elu", "selu", "celu", "relu6", "gelu",
              "gelu_tanh", "silu", "relu_grad", "leaky_relu_grad", "elu_grad", "gelu_grad",
              "silu_grad"]
FIGURE_LABELS = {"prelu_nchw": "prelu", "gelu_tanh": "gelu tanh"}


def _median(timing, fn, restore, repeat):
    """Median seconds of ``repeat`` calls of fn, each after its untimed ``restore()``, after a
    warm-up call (page faults, caches, thread pools)."""
    timing.timed(fn, restore)
    return statistics.median(timing.timed(fn, restore) for _ in range(repeat))


def _cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        model = fields.get("Model name", "").strip()
        family, mod = fields.get("CPU family", "").strip(), fields.get("Model", "").strip()
        return f"{model} (family {family}, model {mod})" if family else model
    except OSError:
        return platform.processor() or platform.machine()


def measure(size, repeat):
    sys.path.insert(0, BENCH)  # the ops, formulations and timing of the benchmarks
    import formulations as fm
    import timing

    import relufast as rf

    try:
        import torch
    except ImportError:
        torch = None
    threads = rf.get_num_threads()
    if torch is not None:
        torch.set_num_threads(threads)
    dtype = np.dtype(np.float32)
    specs = [fm.OPS[name] for name in FIGURE_OPS]
    px, pg = (fm.pristine(max(math.prod(fm.shape_for(s, size)) for s in specs), dtype, which)
              for which in ("x", "g"))
    x, g = px.copy(), pg.copy()
    copy = timing.copy_bandwidth(np.empty(size, dtype), px[:size], sorted({1, threads}), 9)
    result = {
        "machine": {"cpu": _cpu_model(), "cores": os.cpu_count(), "platform": platform.platform()},
        "versions": {"python": platform.python_version(), "relufast": rf.__version__,
                     "numpy": np.__version__, "torch": torch.__version__ if torch else None},
        "dtype": dtype.name, "elements": size,
        "shape": list(fm.shape_for(fm.OPS["prelu_nchw"], size)), "threads": threads,
        "date": time.strftime("%Y-%m-%d"),
        "copy_bandwidth": {f"{nt} thread{'s' if nt > 1 else ''}": gbs * 1e9
                           for (nt, _), gbs in copy.items()},
        "ops": [],
    }
    peers = [("relufast", fm.relufast_impl, repeat), ("numpy", fm.numpy_idiom_impl,
                                                       max(3, repeat // 2))]
    if torch is not None:
        peers.append(("torch", fm.torch_impl, repeat))
    for spec in specs:
        shape, grad = fm.shape_for(spec, size), spec.kind == "gradient"
        xs, gs = fm.view(x, shape), fm.view(g, shape)
        restore = functools.partial(np.copyto, gs if grad else xs,
                                    fm.view(pg if grad else px, shape))
        np.copyto(xs, fm.view(px, shape))
        np.copyto(gs, fm.view(pg, shape))
        case = fm.Case(spec, dtype, shape, True, xs, gs if grad else None)
        row = {"name": FIGURE_LABELS.get(spec.name, spec.name), "kind": spec.kind,
               "bytes": case.nbytes, "seconds": {}}
        for lib, impl, reps in peers:
            try:
                fn = impl(case)
            except fm.Unsupported:  # torch's prelu: only the allocating out-of-place form
                try:
                    fn = impl(fm.Case(spec, dtype, shape, False, xs, gs if grad else None,
                                      np.empty(shape, dtype)))
                except fm.Unsupported:  # the NumPy idiom of gelu without SciPy
                    continue
            with np.errstate(all="ignore"):
                row["seconds"][lib] = _median(timing, fn, restore, reps)
        result["ops"].append(row)
        print(f"{row['name']:<16} " + "  ".join(
            f"{k} {case.nbytes / v / 1e9:6.2f} GB/s" for k, v in row["seconds"].items()),
            flush=True)
    return result


# -- rendering (matplotlib only) -------------------------------------------------------------

LABELS = {"relufast": "relufast (in place)", "numpy": "NumPy idiom", "torch": "PyTorch"}
COLORS = {"relufast": "#1f5fa8", "numpy": "#9a9a9a", "torch": "#d9641e"}


def render(results_path, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(results_path) as f:
        r = json.load(f)
    os.makedirs(out, exist_ok=True)
    libs = [k for k in ("relufast", "numpy", "torch") if any(k in o["seconds"] for o in r["ops"])]
    names = [o["name"] for o in r["ops"]]
    fig, ax = plt.subplots(figsize=(9.0, 4.2), dpi=100)
    width = 0.8 / len(libs)
    for i, lib in enumerate(libs):
        vals = [o["bytes"] / o["seconds"][lib] / 1e9 if lib in o["seconds"] else 0
                for o in r["ops"]]
        ax.bar(np.arange(len(names)) + (i - (len(libs) - 1) / 2) * width, vals, width,
               label=LABELS[lib], color=COLORS[lib])
    copy_all = max(r["copy_bandwidth"].values()) / 1e9
    ax.axhline(copy_all, color="black", lw=1, ls="--")
    ax.text(len(names) - 0.5, copy_all, f"copy bandwidth {copy_all:.1f} GB/s", ha="right",
            va="bottom", fontsize=8)
    ax.set_xticks(np.arange(len(names)))
    ax.set_xticklabels(names, rotation=35, ha="right", fontsize=8)
    ax.set_ylabel("effective bandwidth, GB/s (higher is better)", fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    m = r["machine"]
    ax.set_title(f"{r['elements'] / 1e6:.1f} M float32 elements, {r['threads']} threads: "
                 f"{m['cpu']}, {m['cores']} cores", fontsize=9)
    ax.legend(fontsize=8, frameon=False, loc="upper right", bbox_to_anchor=(1, 0.93))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "perf.png"))
    plt.close(fig)

    lines = ["| operation | relufast | NumPy idiom | speedup | " +
             ("PyTorch | " if "torch" in libs else "") + "relufast GB/s |",
             "|---|---:|---:|---:|" + ("---:|" if "torch" in libs else "") + "---:|"]
    for o in r["ops"]:
        s = o["seconds"]
        t_np = f"{s['numpy'] * 1e3:.1f} ms" if "numpy" in s else "-"
        speed = f"{s['numpy'] / s['relufast']:.1f}x" if "numpy" in s else "-"
        cells = [o["name"], f"{s['relufast'] * 1e3:.1f} ms", t_np, speed]
        if "torch" in libs:
            cells.append(f"{s['torch'] * 1e3:.1f} ms" if "torch" in s else "-")
        cells.append(f"{o['bytes'] / s['relufast'] / 1e9:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    v = r["versions"]
    lines += ["", "Copy bandwidth: " + ", ".join(
        f"{k} {b / 1e9:.1f} GB/s" for k, b in r["copy_bandwidth"].items()) +
        f".  Python {v['python']}, relufast {v['relufast']}, NumPy {v['numpy']}" +
        (f", PyTorch {v['torch']}" if v.get("torch") else "") + f"; measured {r['date']}."]
    with open(os.path.join(out, "perf_table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--measure", action="store_true", help="time and write --out (JSON)")
    p.add_argument("--render", action="store_true", help="draw --results into --out (a folder)")
    p.add_argument("--size", type=int, default=64 * 64 * 56 * 56)
    p.add_argument("--repeat", type=int, default=9)
    p.add_argument("--results", default=RESULTS)
    p.add_argument("--out")
    args = p.parse_args(argv)
    if args.measure:
        result = measure(args.size, args.repeat)
        with open(args.out or RESULTS, "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")
    if args.render:
        render(args.results, args.out or os.path.join(HERE, "..", "_generated"))
    if not (args.measure or args.render):
        p.error("say --measure or --render")


if __name__ == "__main__":
    sys.exit(main())
