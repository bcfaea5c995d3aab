"""examples/mlp_digits.py in a reduced form: a few epochs of a smaller network.

Skipped without scikit-learn (``pip install "relufast[examples]"``) or without the examples/
folder (an installed test suite copied without it).
"""

import importlib.util
import pathlib

import pytest

pytest.importorskip("sklearn", reason="the example needs scikit-learn (the examples extra)")

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "mlp_digits.py"


@pytest.fixture(scope="module")
def example():
    if not EXAMPLE.exists():
        pytest.skip(f"{EXAMPLE} not found")
    spec = importlib.util.spec_from_file_location("mlp_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mlp_digits_reduced(example, capsys):
    results = example.main(["--epochs", "4", "--hidden", "64", "32"])
    out = capsys.readouterr().out
    for name in ("relu", "leaky_relu"):
        r = results["lr"][name]
        assert r["accuracy"] > 0.85, (name, r)  # 4 epochs of the small network learn the digits
        assert r["same_weights"], name  # relufast and the NumPy idiom train the same network
        assert len(r["dead"]) == 2 and all(0 <= d <= 1 for d in r["dead"])
        assert r["seconds_relufast"] > 0 and r["seconds_numpy"] > 0
        # the layers keep 1-bit masks where the derivative from the output keeps float32
        assert r["kept_numpy"] == 32 * r["kept_relufast"] > 0
        assert len(results["high_lr"][name]["dead"]) == 2
    for line in ("test accuracy", "dead units", "time in activations", "dying ReLU"):
        assert line in out
