"""relu and elu forward, in place, on 1,000 and 10,000,000 float32 elements, next to
``np.maximum(x, 0, out=x)`` and the NumPy ELU idiom, in one run (median time per call).

    python bench/per_call.py

Each timed call gets a fresh copy of the input (copies made before the timer starts), so no
call works on its own output.  At 1,000 elements one sample is the mean of 2,000 calls; at
10**7 one call.  15 samples per case (7 at 1,000), the median printed.
"""

import timeit

import numpy as np

import relufast as rf


def _per_call(fn, base, number):
    xs = [base.copy() for _ in range(number)]
    it = iter(xs)
    return timeit.timeit(lambda: fn(next(it)), number=number) / number


CASES = {
    "relu": lambda x: rf.relu(x, out=x),
    "np.maximum(x, 0, out=x)": lambda x: np.maximum(x, 0, out=x),
    "elu": lambda x: rf.elu(x, out=x),
    "NumPy ELU idiom": lambda x: np.copyto(x, np.where(x > 0, x, np.expm1(x))),
}


def main():
    res = {}
    for n, number, samples in ((1000, 2000, 7), (10**7, 1, 15)):
        base = (np.random.default_rng(0).standard_normal(n) * 3).astype(np.float32)
        for name, fn in CASES.items():
            res[name, n] = float(np.median([_per_call(fn, base, number) for _ in range(samples)]))
    print(f"relufast {rf.__version__}, float32, in place, {rf.get_num_threads()} thread(s)")
    for name in CASES:
        print(f"{name:26s} n=1,000: {res[name, 1000] * 1e6:8.2f} us   "
              f"n=10,000,000: {res[name, 10**7] * 1e3:8.2f} ms")
    for a, b in (("relu", "np.maximum(x, 0, out=x)"), ("elu", "NumPy ELU idiom")):
        print(f"{a} vs {b}: {res[b, 1000] / res[a, 1000]:.2f}x at 10**3, "
              f"{res[b, 10**7] / res[a, 10**7]:.2f}x at 10**7")


if __name__ == "__main__":
    main()
