"""The figures of the activation functions: each with its derivative, and the family together.

    python docs/figures/family.py [--out DIR]

Computed with relufast itself (the forward, and the gradient with ``grad = 1``), so the figures
show what the package computes, the derivative's value at each kink included (a filled dot: the
value relufast returns there; an open circle: the other side's limit).  The docs build
(docs/conf.py) runs this into docs/_generated/; ``--out docs/_static --only family`` renews the
README's picture.
"""

import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import relufast as rf  # noqa: E402

# name -> (title, forward(x), gradient(g, x), x range, kinks: [(x0, f' there, other side's f')])
FUNCTIONS = {
    "relu": ("relu", rf.relu, rf.relu_grad, (-4, 4), [(0.0, 0.0, 1.0)]),
    "leaky_relu": ("leaky_relu, negative_slope = 0.1", lambda x: rf.leaky_relu(x, 0.1),
                   lambda g, x: rf.leaky_relu_grad(g, x, 0.1), (-4, 4), [(0.0, 0.1, 1.0)]),
    "prelu": ("prelu, weight = 0.25", lambda x: rf.prelu(x, 0.25),
              lambda g, x: rf.prelu_grad(g, x, 0.25)[0], (-4, 4), [(0.0, 0.25, 1.0)]),
    "elu": ("elu, alpha = 1", rf.elu, rf.elu_grad, (-4, 4), []),
    "selu": ("selu", rf.selu, rf.selu_grad, (-4, 4), [(0.0, 1.7580993408473766, 1.0507009873554805)]),
    "celu": ("celu, alpha = 0.5", lambda x: rf.celu(x, 0.5),
             lambda g, x: rf.celu_grad(g, x, 0.5), (-4, 4), []),
    "relu6": ("relu6", rf.relu6, rf.relu6_grad, (-2, 8), [(0.0, 0.0, 1.0), (6.0, 0.0, 1.0)]),
    "gelu": ("gelu (exact, and approximate=\"tanh\" dotted)", rf.gelu, rf.gelu_grad, (-4, 4), []),
    "silu": ("silu", rf.silu, rf.silu_grad, (-4, 4), []),
    # the piecewise rest, and rrelu (family.png keeps the nine above)
    "hardtanh": ("hardtanh, min_val = -1, max_val = 1", rf.hardtanh, rf.hardtanh_grad, (-3, 3),
                 [(-1.0, 0.0, 1.0), (1.0, 0.0, 1.0)]),
    "threshold": ("threshold, threshold = 1, value = 0 (a jump at 1)",
                  lambda x: rf.threshold(x, 1.0, 0.0),
                  lambda g, x: rf.threshold_grad(g, x, 1.0, 0.0), (-3, 4), [(1.0, 0.0, 1.0)]),
    "hardsigmoid": ("hardsigmoid", rf.hardsigmoid, rf.hardsigmoid_grad, (-5, 5),
                    [(-3.0, 0.0, 1 / 6), (3.0, 0.0, 1 / 6)]),
    "hardswish": ("hardswish", rf.hardswish, rf.hardswish_grad, (-5, 5),
                  [(-3.0, -0.5, 0.0), (3.0, 1.5, 1.0)]),
    "relu_squared": ("relu_squared", rf.relu_squared, rf.relu_squared_grad, (-2, 2), []),
    "rrelu": ("rrelu: the mean slope (evaluation); dots: one training call", rf.rrelu,
              rf.rrelu_grad, (-4, 4), [(0.0, (1 / 8 + 1 / 3) / 2, 1.0)]),
}
# forwards with a jump (the line is broken there, as the derivative's at its kinks)
JUMPS = {"threshold": [1.0]}

# the smooth ReLUs (their own entries, after the first nine the family figure shows)
FUNCTIONS.update({
    "softplus": ("softplus, beta = 1 (and beta = 2 dotted)", rf.softplus, rf.softplus_grad,
                 (-4, 4), []),
    "mish": ("mish", rf.mish, rf.mish_grad, (-4, 4), []),
})

BLUE, ORANGE, GREY = "#1f5fa8", "#d9641e", "#9a9a9a"


def _style(ax, lo, hi):
    ax.axhline(0, color=GREY, lw=0.6)
    ax.axvline(0, color=GREY, lw=0.6)
    ax.set_xlim(lo, hi)
    ax.grid(True, lw=0.3, alpha=0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _draw(ax, name, small=False):
    """``name`` and its derivative on ``ax``."""
    title, f, df, (lo, hi), kinks = FUNCTIONS[name]
    x = np.linspace(lo, hi, 2001)
    _style(ax, lo, hi)
    y = f(x.copy())
    for x0 in JUMPS.get(name, ()):
        y[np.abs(x - x0) <= (hi - lo) / 2000] = np.nan  # the grid points beside the jump
    ax.plot(x, y, color=BLUE, lw=1.6 if small else 2, label=f"{name}(x)")
    if name == "rrelu":  # training: each x <= 0 with its own slope in [lower, upper]
        xs = np.linspace(lo, hi, 81)
        ys, _ = rf.rrelu(xs, training=True, rng=np.random.default_rng(0))
        ax.plot(xs, ys, ".", color=BLUE, ms=3, alpha=0.7)
        ax.fill_between(x[x <= 0], x[x <= 0] / 8, x[x <= 0] / 3, color=BLUE, alpha=0.08, lw=0)
    d = df(np.ones_like(x), x)
    for x0, _, _ in kinks:  # break the derivative's line at its jumps
        d[np.argmin(np.abs(x - x0))] = np.nan
    ax.plot(x, d, color=ORANGE, lw=1.3 if small else 1.6, ls="--", label=f"{name}'(x)")
    if name == "gelu":
        ax.plot(x, rf.gelu(x, "tanh"), color=BLUE, lw=1, ls=":")
        ax.plot(x, rf.gelu_grad(np.ones_like(x), x, "tanh"), color=ORANGE, lw=1, ls=":")
    if name == "softplus":
        ax.plot(x, rf.softplus(x, 2.0), color=BLUE, lw=1, ls=":")
        ax.plot(x, rf.softplus_grad(np.ones_like(x), x, 2.0), color=ORANGE, lw=1, ls=":")
    for x0, at, other in kinks:
        got = float(df(np.ones(1), np.array([x0]))[0])
        assert got == at, (name, x0, got, at)  # the figure shows what relufast returns
        ax.plot([x0], [at], "o", color=ORANGE, ms=4 if small else 5, zorder=3)
        ax.plot([x0], [other], "o", mfc="white", mec=ORANGE, ms=4 if small else 5, zorder=3)
    ax.set_title(name if small else title, fontsize=10)
    ax.tick_params(labelsize=7 if small else 8)


def function_figure(name, path):
    fig, ax = plt.subplots(figsize=(5.2, 3.4), dpi=110)
    _draw(ax, name)
    ax.set_xlabel("x", fontsize=9)
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def family_figure(path):
    """Every function with its derivative, small multiples (the README's picture)."""
    fig, axes = plt.subplots(3, 3, figsize=(9.0, 6.6), dpi=90)
    for ax, name in zip(axes.flat, list(FUNCTIONS)[:9]):
        _draw(ax, name, small=True)
    handles = [plt.Line2D([], [], color=BLUE, lw=1.6), plt.Line2D([], [], color=ORANGE, lw=1.3,
                                                                  ls="--")]
    fig.legend(handles, ["f(x)", "f'(x)  (dot: the value at a kink)"], loc="lower center",
               ncol=2, fontsize=9, frameon=False)
    fig.suptitle("The ReLU family: each function and its derivative, as relufast computes them",
                 fontsize=11)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path)
    plt.close(fig)


def make_all(out, only=None):
    """Write the figures into ``out``: family.png and <name>.png for each function."""
    os.makedirs(out, exist_ok=True)
    if only in (None, "family"):
        family_figure(os.path.join(out, "family.png"))
    for name in FUNCTIONS:
        if only in (None, name):
            function_figure(name, os.path.join(out, f"{name}.png"))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "_generated"))
    p.add_argument("--only", help="one figure: 'family' or a function's name")
    args = p.parse_args(argv)
    make_all(args.out, args.only)


if __name__ == "__main__":
    main()
