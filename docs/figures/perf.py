"""Measure relufast against the NumPy idiom and PyTorch, and draw the performance page's chart.

    python docs/figures/perf.py --measure [--size N] [--out docs/perf/results.json]
    python docs/figures/perf.py --render [--results docs/perf/results.json] [--out DIR]

``--measure`` times every function and a few gradients on a float32 array of ``--size``
elements (default 64 x 64 x 56 x 56, a ResNet feature map, 51 MB) and writes the medians, the
machine (CPU model, cores) and the versions to a JSON file.  relufast runs in place
(``f(x, out=x)``, ``f_grad(g, x, out=g)``) on all cores; the NumPy idiom is what people write
without it (one temporary array per operator); PyTorch (optional: its column is left out when
torch is not installed) runs its in-place function where it has one, and the aten backward
kernel that autograd calls for the gradients, on all cores.  Each number is an effective
bandwidth: the bytes the operation must move (read the inputs once, write the output once)
divided by its time, drawn against the machine's copy bandwidth (``np.copyto`` split across
all cores), the ceiling for an elementwise operation on arrays that do not fit in the caches.

``--render`` (what the docs build runs, docs/conf.py) reads the JSON and writes perf.png (the
chart) and perf_table.md (the table) for docs/performance.md.  It needs matplotlib only.
"""

import argparse
import concurrent.futures
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "..", "perf", "results.json")

SELU_A = 1.6732632423543772848170429916717
SELU_S = 1.0507009873554804934193349852946


def _cases(torch):
    """(name, kind, relufast(x, g, w), numpy(x, g, w), torch(x, g, w) or None)."""
    import relufast as rf

    def idiom_gelu_tanh(x):
        return 0.5 * x * (1 + np.tanh(np.float32(np.sqrt(2 / np.pi)) * (x + 0.044715 * x**3)))

    erf = None
    try:
        from scipy.special import erf
    except ImportError:
        pass
    F = torch.nn.functional if torch else None
    aten = torch.ops.aten if torch else None
    cases = [
        ("relu", "forward", lambda x, g, w: rf.relu(x, out=x), lambda x, g, w: x * (x > 0),
         lambda x, g, w: torch.relu_(x)),
        ("leaky_relu", "forward", lambda x, g, w: rf.leaky_relu(x, 0.01, out=x),
         lambda x, g, w: np.where(x > 0, x, 0.01 * x), lambda x, g, w: F.leaky_relu_(x, 0.01)),
        ("prelu", "forward", lambda x, g, w: rf.prelu(x, w, out=x),
         lambda x, g, w: np.where(x > 0, x, w[:, None, None] * x), lambda x, g, w: F.prelu(x, w)),
        ("elu", "forward", lambda x, g, w: rf.elu(x, out=x),
         lambda x, g, w: np.where(x > 0, x, np.expm1(x)), lambda x, g, w: F.elu_(x)),
        ("selu", "forward", lambda x, g, w: rf.selu(x, out=x),
         lambda x, g, w: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)),
         lambda x, g, w: F.selu(x, inplace=True)),
        ("celu", "forward", lambda x, g, w: rf.celu(x, 0.5, out=x),
         lambda x, g, w: np.maximum(0, x) + np.minimum(0, 0.5 * np.expm1(x / 0.5)),
         lambda x, g, w: F.celu_(x, 0.5)),
        ("relu6", "forward", lambda x, g, w: rf.relu6(x, out=x),
         lambda x, g, w: np.clip(x, 0, 6), lambda x, g, w: F.relu6(x, inplace=True)),
        ("gelu", "forward", lambda x, g, w: rf.gelu(x, out=x),
         (lambda x, g, w: 0.5 * x * (1 + erf(x / np.float32(np.sqrt(2))))) if erf else None,
         lambda x, g, w: F.gelu(x)),
        ("gelu tanh", "forward", lambda x, g, w: rf.gelu(x, "tanh", out=x),
         lambda x, g, w: idiom_gelu_tanh(x), lambda x, g, w: F.gelu(x, approximate="tanh")),
        ("silu", "forward", lambda x, g, w: rf.silu(x, out=x),
         lambda x, g, w: x / (1 + np.exp(-x)), lambda x, g, w: F.silu(x, inplace=True)),
        ("relu_grad", "gradient", lambda x, g, w: rf.relu_grad(g, x, out=g),
         lambda x, g, w: g * (x > 0), lambda x, g, w: aten.threshold_backward(g, x, 0)),
        ("leaky_relu_grad", "gradient", lambda x, g, w: rf.leaky_relu_grad(g, x, 0.01, out=g),
         lambda x, g, w: np.where(x > 0, g, 0.01 * g),
         lambda x, g, w: aten.leaky_relu_backward(g, x, 0.01, False)),
        ("elu_grad", "gradient", lambda x, g, w: rf.elu_grad(g, x, out=g),
         lambda x, g, w: np.where(x > 0, g, g * np.exp(x)),
         lambda x, g, w: aten.elu_backward(g, 1.0, 1.0, 1.0, False, x)),
        ("gelu_grad", "gradient", lambda x, g, w: rf.gelu_grad(g, x, out=g),
         (lambda x, g, w: g * (0.5 * (1 + erf(x / np.float32(np.sqrt(2))))
                               + x * np.exp(-0.5 * x * x) / np.float32(np.sqrt(2 * np.pi))))
         if erf else None,
         lambda x, g, w: aten.gelu_backward(g, x)),
        ("silu_grad", "gradient", lambda x, g, w: rf.silu_grad(g, x, out=g),
         lambda x, g, w: g * (s := 1 / (1 + np.exp(-x))) * (1 + x * (1 - s)),
         lambda x, g, w: aten.silu_backward(g, x)),
    ]
    if torch is None:
        cases = [c[:4] + (None,) for c in cases]
    return cases


def _median(fn, pristine, repeat, to=np.copyto, alloc=np.empty_like):
    """Median seconds of fn(x, g) over ``repeat`` runs, each on a fresh copy of the inputs."""
    x, g = (alloc(p) for p in pristine[:2])
    times = []
    for _ in range(repeat + 1):  # the first run warms up (page faults, caches)
        to(x, pristine[0])
        to(g, pristine[1])
        t0 = time.perf_counter()
        fn(x, g)
        times.append(time.perf_counter() - t0)
    return float(np.median(times[1:]))


def copy_bandwidth(n, threads, repeat=9):
    """Bytes per second of np.copyto on ``n`` float32, split in ``threads`` chunks."""
    src = np.random.default_rng(1).standard_normal(n).astype(np.float32)
    dst = np.empty_like(src)
    chunks = np.array_split(np.arange(n), threads)
    bounds = [(c[0], c[-1] + 1) for c in chunks if len(c)]
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        def copy():
            list(pool.map(lambda b: np.copyto(dst[b[0]:b[1]], src[b[0]:b[1]]), bounds))
        copy()
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            copy()
            times.append(time.perf_counter() - t0)
    return 2 * src.nbytes / float(np.median(times))


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
    import relufast as rf

    try:
        import torch
    except ImportError:
        torch = None
    threads = rf.get_num_threads()
    if torch is not None:
        torch.set_num_threads(threads)
    channels = 64
    n = size - size % (channels * 56 * 56) or channels * 56 * 56
    rng = np.random.default_rng(0)
    x0 = (rng.standard_normal(n) * 2).astype(np.float32).reshape(-1, channels, 56, 56)
    g0 = rng.standard_normal(x0.shape).astype(np.float32)
    w = np.linspace(0.05, 0.3, channels, dtype=np.float32)
    result = {
        "machine": {"cpu": _cpu_model(), "cores": os.cpu_count(), "platform": platform.platform()},
        "versions": {"python": platform.python_version(), "relufast": rf.__version__,
                     "numpy": np.__version__, "torch": torch.__version__ if torch else None},
        "dtype": "float32", "elements": int(n), "shape": list(x0.shape), "threads": threads,
        "date": time.strftime("%Y-%m-%d"),
        "copy_bandwidth": {"1 thread": copy_bandwidth(n, 1),
                           f"{threads} threads": copy_bandwidth(n, threads)},
        "ops": [],
    }
    tx0 = tg0 = tw = None
    if torch is not None:
        tx0, tg0, tw = torch.from_numpy(x0), torch.from_numpy(g0), torch.from_numpy(w)
    for name, kind, ours, idiom, theirs in _cases(torch):
        nbytes = (2 if kind == "forward" else 3) * x0.nbytes
        row = {"name": name, "kind": kind, "bytes": nbytes, "seconds": {}}
        row["seconds"]["relufast"] = _median(lambda x, g: ours(x, g, w), (x0, g0), repeat)
        if idiom is not None:
            with np.errstate(all="ignore"):
                row["seconds"]["numpy"] = _median(lambda x, g: idiom(x, g, w), (x0, g0),
                                                  max(3, repeat // 2))
        if theirs is not None:
            row["seconds"]["torch"] = _median(lambda x, g: theirs(x, g, tw), (tx0, tg0),
                                              repeat, to=lambda d, s: d.copy_(s),
                                              alloc=lambda t: t.clone())
        result["ops"].append(row)
        print(f"{name:<16} " + "  ".join(
            f"{k} {nbytes / v / 1e9:6.2f} GB/s" for k, v in row["seconds"].items()), flush=True)
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
    lines += ["", f"Copy bandwidth: " + ", ".join(
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
