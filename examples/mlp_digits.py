"""A multilayer perceptron in plain NumPy, trained on scikit-learn's digits with relufast.

    python examples/mlp_digits.py [--epochs 30] [--lr 0.1] [--high-lr 0.3] [--seed 0]

needs scikit-learn (``pip install "relufast[examples]"``) for its bundled data set: 1,797
grey 8x8 images of handwritten digits, of which a quarter is held out for the test.

The network is 64 -> 256 -> 128 -> 10, float32, trained by mini-batch SGD with momentum on the
softmax cross-entropy.  Each hidden layer's activation is a ``relufast.layers`` object that runs
**in place** (``ReLU(in_place=True).forward(h)`` overwrites the pre-activation with the
activation) and keeps, for its backward, **one bit an element**: the 1-bit mask of
``relu(h, out=h, mask=...)``, from which ``backward(g)`` computes the gradient in place in g.
The script reports the bytes the activations keep for the backward per step: the masks, against
the float32 outputs that the derivative from the output (the NumPy idiom, and relufast before
its masks) keeps.  (The matrix products' weight gradients still need each layer's output.)

It trains the network, from the same initial weights on the same batches, with relu and with
leaky_relu, each with relufast and with the NumPy idiom (``np.maximum(h, 0)``, ``g * (h > 0)``,
``np.where(...)``), and prints for each the test accuracy, the fraction of dead units per hidden
layer (units whose output is <= 0 for every training image) and the time spent in the
activations, forward and backward, relufast next to the NumPy idiom.  The two backends compute
the same numbers (relu and leaky_relu are exact), so they train the same network: the script
checks that.  Then it trains both activations again with a learning rate three times higher,
where relu's units die (no gradient reaches a unit that is never active, so it never comes
back) and leaky_relu's keep learning.
"""

import argparse
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits  # installed with scikit-learn

import relufast as rf
import relufast.layers as L

SLOPE = 0.01  # leaky_relu's negative slope


# -- activations: the forward in place, the gradient from the output, timed ------------------


class Activation:
    """One activation function with one backend; accumulates the seconds spent in it and the
    bytes kept for the backward at the end of each forward pass."""

    def __init__(self, name, backend):
        self.name, self.backend, self.seconds = name, backend, 0.0
        self.layers = {}  # relufast: one layer object per hidden layer (each keeps its mask)
        self.kept = 0     # the most bytes kept for the backward after a forward pass

    def _layer(self, i):
        if i not in self.layers:
            self.layers[i] = (L.ReLU(in_place=True) if self.name == "relu"
                              else L.LeakyReLU(SLOPE, in_place=True))
        return self.layers[i]

    def forward(self, h, i):
        """Overwrite ``h`` with act(h) (relufast, in place) or return act(h) (the idiom)."""
        t0 = time.perf_counter()
        if self.backend == "relufast":
            y = self._layer(i).forward(h)
        elif self.name == "relu":
            y = np.maximum(h, 0)
        else:
            y = np.where(h > 0, h, SLOPE * h)
        self.seconds += time.perf_counter() - t0
        return y

    def kept_bytes(self, outputs):
        """Bytes the activations keep for the backward: relufast's masks, or the idiom's
        outputs (its derivative is computed from them)."""
        if self.backend == "relufast":
            return sum(layer.nbytes_kept for layer in self.layers.values())
        return sum(y.nbytes for y in outputs)

    def backward(self, g, i, y):
        """d loss / d h from d loss / d y: relufast from layer i's mask, the idiom from y."""
        t0 = time.perf_counter()
        if self.backend == "relufast":
            g = self._layer(i).backward(g)
        elif self.name == "relu":
            g = g * (y > 0)
        else:
            g = np.where(y > 0, g, SLOPE * g)
        self.seconds += time.perf_counter() - t0
        return g


# -- the network --------------------------------------------------------------------------


def init_params(sizes, rng):
    """He-initialized weights (float32) and zero biases for layer sizes ``sizes``."""
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        w = (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(np.float32)
        params.append([w, np.zeros(n_out, np.float32)])
    return params


def forward(params, act, x):
    """The activations of every layer: [x, y1, y2, ..., logits]."""
    outs = [x]
    for i, (w, b) in enumerate(params):
        h = outs[-1] @ w
        h += b
        outs.append(act.forward(h, i) if i < len(params) - 1 else h)
    act.kept = max(act.kept, act.kept_bytes(outs[1:-1]))  # a full batch's
    return outs


def softmax_xent_grad(logits, labels):
    """d (mean cross-entropy) / d logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1
    p /= len(labels)
    return p


def train(params, act, x, y, epochs, lr, momentum, batch, seed):
    """Mini-batch SGD with momentum; the batch order depends only on ``seed``."""
    rng = np.random.default_rng(seed)
    velocity = [[np.zeros_like(w), np.zeros_like(b)] for w, b in params]
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        step = lr * 0.5 * (1 + np.cos(np.pi * epoch / epochs))  # cosine decay
        for lo in range(0, len(x), batch):
            idx = order[lo:lo + batch]
            outs = forward(params, act, x[idx])
            g = softmax_xent_grad(outs[-1], y[idx])
            for i in range(len(params) - 1, -1, -1):
                w, b = params[i]
                gw, gb = outs[i].T @ g, g.sum(axis=0)
                if i:
                    g = act.backward(g @ w.T, i - 1, outs[i])  # outs[i]: layer i's activation
                for p, v, gp in zip(params[i], velocity[i], (gw, gb)):
                    v *= momentum
                    v -= step * gp
                    p += v
    return params


def evaluate(params, act, x, y):
    """(accuracy, fraction of dead units per hidden layer) on ``x``: one batch, no timing."""
    probe = Activation(act.name, "relufast")
    outs = forward(params, probe, x)
    accuracy = float(np.mean(outs[-1].argmax(axis=1) == y))
    dead = [float(np.mean(np.all(h <= 0, axis=0))) for h in outs[1:-1]]
    return accuracy, dead


# -- main ---------------------------------------------------------------------------------


def load_digits(seed):
    """(x_train, y_train, x_test, y_test): a stratified 75/25 split, standardized, float32."""
    from sklearn.datasets import load_digits as _load
    from sklearn.model_selection import train_test_split

    data = _load()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, stratify=data.target, random_state=seed)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1.0
    return ((x_train - mean) / std).astype(np.float32), y_train, \
        ((x_test - mean) / std).astype(np.float32), y_test


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--hidden", type=int, nargs="+", default=[256, 128])
    p.add_argument("--lr", type=float, default=0.1, help="initial learning rate (cosine decay)")
    p.add_argument("--high-lr", type=float, default=0.3,
                   help="the learning rate of the dying-ReLU experiment (0: skip it)")
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    data = load_digits(args.seed)
    sizes = [data[0].shape[1], *args.hidden, 10]
    print(f"digits: {len(data[0])} training and {len(data[2])} test images; MLP "
          f"{' -> '.join(map(str, sizes))}, float32, {args.epochs} epochs of SGD "
          f"(batch {args.batch}, momentum {args.momentum}, cosine decay); "
          f"relufast {rf.__version__}, NumPy {np.__version__}")
    # the matrices are small (a batch of 64 by at most 256): BLAS threads would cost more than
    # they save, so the matrix products run on one thread, as relufast does below 32,768
    # elements
    with threadpool_limits(1, user_api="blas"):
        results = {"lr": _compare(args, sizes, *data)}
        if args.high_lr:
            results["high_lr"] = _dying(args, sizes, *data)
    return results


def _train_eval(args, sizes, act, lr, x_train, y_train, x_test, y_test):
    """Train from the seed's initial weights; (params, test accuracy, dead fractions, seconds)."""
    params = init_params(sizes, np.random.default_rng(args.seed))
    t0 = time.perf_counter()
    train(params, act, x_train, y_train, args.epochs, lr, args.momentum, args.batch, args.seed)
    seconds = time.perf_counter() - t0
    accuracy, _ = evaluate(params, act, x_test, y_test)
    _, dead = evaluate(params, act, x_train, y_train)
    return params, accuracy, dead, seconds


def _dead_text(dead, hidden):
    return ", ".join(f"layer {i + 1} {d:5.1%} of {n}" for i, (d, n) in enumerate(zip(dead, hidden)))


def _compare(args, sizes, *data):
    """relu and leaky_relu at the learning rate: accuracy, dead units, relufast vs NumPy time."""
    print(f"\nlearning rate {args.lr}: each activation trained with relufast (layers in place, "
          "backward from 1-bit masks) and with the NumPy idiom")
    results = {}
    for name in ("relu", "leaky_relu"):
        act_rf, act_np = Activation(name, "relufast"), Activation(name, "numpy")
        params, accuracy, dead, total_rf = _train_eval(args, sizes, act_rf, args.lr, *data)
        params_np, _, _, total_np = _train_eval(args, sizes, act_np, args.lr, *data)
        same = all(np.array_equal(a, b) for la, lb in zip(params, params_np)
                   for a, b in zip(la, lb))
        t_rf, t_np = act_rf.seconds, act_np.seconds
        results[name] = {"accuracy": accuracy, "dead": dead, "seconds_relufast": t_rf,
                         "seconds_numpy": t_np, "same_weights": same,
                         "kept_relufast": act_rf.kept, "kept_numpy": act_np.kept}
        print(f"  {name}:")
        print(f"    test accuracy        {accuracy:.2%}")
        print(f"    dead units           {_dead_text(dead, args.hidden)}")
        print(f"    time in activations  relufast {t_rf * 1e3:6.1f} ms ({t_rf / total_rf:4.1%} of "
              f"training), NumPy idiom {t_np * 1e3:6.1f} ms ({t_np / total_np:4.1%}): "
              f"{t_np / t_rf:.1f}x")
        print(f"    kept for the activations' backward per step: relufast {act_rf.kept:,} "
              f"bytes (1-bit masks), NumPy idiom {act_np.kept:,} bytes (the outputs): "
              f"{act_np.kept / act_rf.kept:.0f}x less")
        print(f"    same weights with relufast and with the NumPy idiom: "
              f"{'yes' if same else 'NO'}")
    return results


def _dying(args, sizes, *data):
    """relu and leaky_relu at a learning rate high enough to kill relu units."""
    print(f"\nlearning rate {args.high_lr} (too high): dying ReLU")
    results = {}
    for name in ("relu", "leaky_relu"):
        _, accuracy, dead, _ = _train_eval(args, sizes, Activation(name, "relufast"),
                                           args.high_lr, *data)
        results[name] = {"accuracy": accuracy, "dead": dead}
        print(f"  {name + ':':<12} test accuracy {accuracy:6.2%}, dead units "
              f"{_dead_text(dead, args.hidden)}")
    print("  (dead: output <= 0 for every training image.  relu gives such a unit no gradient, "
          "so it never\n  comes back; leaky_relu still passes it negative_slope times the "
          "gradient, and it keeps learning.)")
    return results


if __name__ == "__main__":
    main()
    sys.exit(0)
