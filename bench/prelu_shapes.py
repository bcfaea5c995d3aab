"""prelu and prelu_grad over small and mid-sized feature maps (NCHW, rows of channels).

The per-call time of the layouts a CNN's PReLU meets, one shape at a time: small maps (7x7,
5x5, 4x4) whose runs are shorter than a vector loop likes, long periods on small arrays, and
rows of 64 channels.  timeit's best of ``--repeats`` rounds, float32, in place for prelu and
into a separate ``out`` for prelu_grad.  To A/B two trees, run it with each on PYTHONPATH in
turn, alternating (docs/performance.md).

    python bench/prelu_shapes.py [--threads 1] [--repeats 9]
"""

import argparse
import math
import timeit

import numpy as np

import relufast

SHAPES = [(3, 64, 7, 7), (32, 64, 7, 7), (3, 64, 5, 5), (16, 64, 4, 4), (3, 128, 7, 7),
          (4, 64, 10, 10), (3, 64, 12, 12), (8, 64, 14, 14), (2, 64, 28, 28), (64, 64, 28, 28),
          (8, 3, 224, 224), (156, 64)]


def best_us(fn, n, repeats):
    number = max(20, int(2e6 / n))  # about 2 * 10**6 elements per round
    return min(timeit.repeat(fn, number=number, repeat=repeats)) / number * 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=9)
    a = ap.parse_args()
    relufast.set_num_threads(a.threads)
    rng = np.random.default_rng(0)
    print(f"# relufast {relufast.__version__}, {a.threads} thread(s), float32, best of "
          f"{a.repeats}, us per call")
    print("| shape | elements | prelu in place | prelu_grad into out |")
    print("|---|---:|---:|---:|")
    for shape in SHAPES:
        n = math.prod(shape)
        x = rng.standard_normal(shape).astype(np.float32)
        g = rng.standard_normal(shape).astype(np.float32)
        w = rng.uniform(0.01, 0.5, shape[1]).astype(np.float32)
        o = np.empty_like(x)
        fwd = best_us(lambda: relufast.prelu(x, w, out=x), n, a.repeats)
        grad = best_us(lambda: relufast.prelu_grad(g, x, w, out=o), n, a.repeats)
        print(f"| {shape} | {n:,} | {fwd:.2f} | {grad:.2f} |")


if __name__ == "__main__":
    main()
