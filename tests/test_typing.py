"""The type information (py.typed and the .pyi stubs): mypy --strict passes a correct user
snippet and flags wrong calls.  Skipped without mypy."""

import os
import re
import subprocess
import sys
import sysconfig
import textwrap

import pytest

pytest.importorskip("mypy", reason="mypy is not installed")

import relufast  # noqa: E402

GOOD = """
    import io
    from typing import Any, assert_type

    import numpy as np
    from numpy.typing import NDArray

    import relufast as rf

    x: NDArray[np.float32] = np.ones((4, 3), np.float32)
    y: NDArray[np.float32] = rf.relu(x)
    rf.elu(x, 0.5, out=x)
    g = np.ones_like(x)
    gx: NDArray[np.float32] = rf.elu_grad(g, x, from_output=True, out=g)
    z: NDArray[np.float64] = rf.gelu([1.0, -2.0], approximate="tanh")
    h: NDArray[np.float16] = rf.silu(np.zeros(3, np.float16))
    w = np.full(3, 0.25, np.float32)
    gx2, gw = rf.prelu_grad(g, x, w, axis=1)
    both: tuple[NDArray[np.float32], NDArray[np.float32]] = (gx2, gw)
    y16: NDArray[np.float16] = rf.prelu(np.ones((2, 3), np.float16), 0.25)
    assert_type(rf.prelu(y16, np.float32(0.25)), NDArray[np.float16])  # a parameter
    assert_type(rf.prelu(y16, w), NDArray[np.floating[Any]])  # a float32 weight promotes
    assert_type(rf.prelu_grad(np.ones((4, 3)), x, w),
                tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]])
    with rf.num_threads(2) as n:
        k: int = n + rf.get_num_threads()
    rf.set_num_threads(None)
    rf.show_config(file=io.StringIO())
    v: str = rf.__version__
    b = np.zeros(3, np.float32)
    zb = rf.gelu(x, bias=b, axis=1)
    gxb, gbias = rf.silu_grad(g, x, bias=b)
    ym, m = rf.relu(x, mask=True)
    gm = rf.relu_grad(g, mask=m, out=g)
    ymb, mb = rf.leaky_relu(x, 0.1, mask=True, bias=b)
    gmb, gbb = rf.leaky_relu_grad(g, mask=mb, bias=b)
    yp = rf.prelu(x, w, bias=b)
    gxp, gwp, gbp = rf.prelu_grad(g, x, w, bias=b)
    sw = rf.swiglu(x, x)
    ga, gb2 = rf.swiglu_grad(g, x, x)
    gxx = rf.geglu_grad(np.ones((4, 1), np.float32), np.ones((4, 2), np.float32))
    shape: tuple[int, ...] = rf.mask_shape(x.shape)
"""

# each wrong call, and the error mypy must report on its line
BAD = {
    'rf.gelu(x, approximate="exact")': 'No overload variant of "gelu"',
    "rf.silu_grad(x, x, from_output=True)": 'No overload variant of "silu_grad"',
    "rf.relu(x, negative_slope=0.1)": 'Unexpected keyword argument "negative_slope"',
    "rf.relu_grad(x, x, True)": 'No overload variant of "relu_grad"',
    "rf.leaky_relu(x, out=[0.0, 0.0, 0.0])": 'No overload variant of "leaky_relu"',
    'rf.set_num_threads("4")': "incompatible type",
    "rf.relu_gradient(x, x)": 'has no attribute "relu_gradient"',
}


def test_mypy_strict(tmp_path):
    good = tmp_path / "good.py"
    good.write_text(textwrap.dedent(GOOD))
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy as np\nimport relufast as rf\n\nx = np.ones(3, np.float32)\n"
                   + "\n".join(BAD) + "\n")
    # mypy must check against the relufast that the tests import: an installed one it finds in
    # site-packages by itself (and refuses site-packages on MYPYPATH); one built in place it
    # finds through MYPYPATH
    env = dict(os.environ)
    env.pop("MYPYPATH", None)
    parent = os.path.dirname(os.path.dirname(os.path.abspath(relufast.__file__)))
    site = {os.path.abspath(sysconfig.get_paths()[k]) for k in ("purelib", "platlib")}
    if parent not in site:
        env["MYPYPATH"] = parent
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--hide-error-context",
         "--cache-dir", str(tmp_path / "cache"), good.name, bad.name],
        capture_output=True, text=True, cwd=tmp_path, env=env)
    lines = proc.stdout.splitlines()
    errors = [line for line in lines if ": error:" in line]
    assert proc.returncode == 1 and errors, proc.stdout + proc.stderr
    assert not [e for e in errors if e.startswith("good.py:")], proc.stdout
    first = 5  # the line of the first wrong call in bad.py
    for i, (call, message) in enumerate(BAD.items()):
        on_line = [e for e in errors if re.match(rf"bad\.py:{first + i}: ", e)]
        assert any(message in e for e in on_line), (call, message, proc.stdout)
