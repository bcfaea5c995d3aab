"""scikit-learn's MLPClassifier with relufast as its relu, exactly as scikit-learn calls it.

    python bench/sklearn_mlp.py [--fits 3] [--epochs 3]

scikit-learn's MLP calls its activation in place (``ACTIVATIONS["relu"](X)`` writes into X) and
the derivative from the activation's output into the incoming gradient
(``DERIVATIVES["relu"](Z, delta)``).  This swaps in relufast's functions there, fits the same
network (two hidden layers of 1,024, batch 2,000, 20,000 x 256 float32 samples) with NumPy's
own relu, with relufast at its default thread count and with relufast pinned to one thread, in
turn, and prints the median fit time of each (BLAS threads at their default throughout).
"""

import argparse
import statistics
import time
import warnings

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fits", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args(argv)

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.neural_network import _base

    import relufast as rf

    numpy_relu, numpy_grad = _base.ACTIVATIONS["relu"], _base.DERIVATIVES["relu"]

    def rf_relu(X):
        rf.relu(X, out=X)

    def rf_relu_grad(Z, delta):
        rf.relu_grad(delta, Z, from_output=True, out=delta)

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_000, 256)).astype(np.float32)
    y = (X[:, :8].sum(axis=1) > 0).astype(int) + (X[:, 8:16].sum(axis=1) > 0)

    def fit():
        clf = MLPClassifier(hidden_layer_sizes=(1024, 1024), batch_size=2000,
                            max_iter=args.epochs, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t0 = time.perf_counter()
            clf.fit(X, y)
        return time.perf_counter() - t0

    backends = {
        "numpy": (numpy_relu, numpy_grad, None),
        "relufast": (rf_relu, rf_relu_grad, None),
        "relufast-1t": (rf_relu, rf_relu_grad, 1),
    }
    times = {b: [] for b in backends}
    for _ in range(args.fits):
        for b, (act, der, nt) in backends.items():
            _base.ACTIVATIONS["relu"], _base.DERIVATIVES["relu"] = act, der
            if nt:
                with rf.num_threads(nt):
                    times[b].append(fit())
            else:
                times[b].append(fit())
    _base.ACTIVATIONS["relu"], _base.DERIVATIVES["relu"] = numpy_relu, numpy_grad
    print(f"relufast {rf.__version__}, MLPClassifier (1024, 1024), batch 2000, "
          f"{args.epochs} epochs, median of {args.fits} fits")
    for b, t in times.items():
        print(f"  {b:<12} {statistics.median(t):6.2f} s")


if __name__ == "__main__":
    main()
