"""Every timed formulation computes the op: each peer agrees with relufast on benchmark data.

A benchmark is only as honest as what it times; this runs each peer once, in place and out of
place, on small arrays of both dtypes and compares with relufast's out-of-place result (and the
PReLU weight gradient).  Tolerances are loose enough for libm differences, far too tight for a
wrong formula.
"""

import numpy as np
import pytest

import formulations as fm
from formulations import IMPLS


def _result(case, ret):
    """(grad_x or y, grad_weight or None) from what an implementation returned."""
    if isinstance(ret, tuple):
        gx, gw = ret
        return np.asarray(gx), np.asarray(gw)
    if ret is not None and not isinstance(ret, np.ndarray):  # a torch tensor
        return ret.numpy(), None
    return (case.out if ret is None else ret), None


def _run(impl, spec, dtype, inplace):
    shape = fm.shape_for(spec, 3000)
    n = int(np.prod(shape))
    x = fm.pristine(n, dtype, "x").reshape(shape)
    g = fm.pristine(n, dtype, "g").reshape(shape) if spec.kind == "gradient" else None
    case = fm.Case(spec, dtype, shape, inplace, x, g, np.zeros(shape, dtype))
    fn = impl(case)
    y, gw = _result(case, fn())
    return np.array(y), gw


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("op", list(fm.OPS))
@pytest.mark.parametrize("peer", list(IMPLS))
def test_peer_agrees_with_relufast(peer, op, dtype):
    spec = fm.OPS[op]
    ref, ref_gw = _run(fm.relufast_impl, spec, dtype, inplace=False)
    rtol = 3e-5 if dtype == np.float32 else 1e-12
    if peer == "torch" and op == "hardsigmoid_grad":
        # PyTorch's hardsigmoid_backward multiplies by 1/6 rounded to float32 (1.0f / 6.0f),
        # in float64 too: 3e-8 relative
        rtol = max(rtol, 1e-7)
    ran = False
    for inplace in (True, False):
        try:
            y, gw = _run(IMPLS[peer], spec, dtype, inplace)
        except fm.Unsupported:
            continue
        ran = True
        np.testing.assert_allclose(y, ref, rtol=rtol, atol=rtol, err_msg=f"inplace={inplace}")
        if ref_gw is not None:
            # sums of ~3000/64 terms: rounding of float32 partial sums differs by peer
            tol = (1e-4 if dtype == np.float32 else 1e-10) * np.abs(ref_gw).max()
            np.testing.assert_allclose(gw, ref_gw, rtol=0, atol=tol,
                                       err_msg=f"weight gradient, inplace={inplace}")
    if not ran:
        pytest.skip(f"{peer} has no formulation of {op}")
