"""Which kernel module runs, and its compiled entry points per dtype.

setup.py compiles the one Cython source once per instruction set, as ``_kernels_baseline``,
``_kernels_avx2`` and ``_kernels_avx512``.  At import the best one that is both built and
supported by this CPU is chosen (``RELUFAST_ISA`` names another); ``select_isa`` switches later,
for the tests and benchmarks that compare the paths.

The call path reads ``KERNELS``: one object, refilled in place by ``select_isa``, so that every
module that holds it sees the switch without reaching back here.
"""

import importlib
import os
import types
import warnings

import numpy as np

from . import _openmp

ISA_ORDER = ("avx512", "avx2", "baseline")  # best first

F16 = np.dtype(np.float16)
F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)


def _bfloat16():
    """ml_dtypes' bfloat16, an optional dependency: None when it is not installed."""
    try:
        import ml_dtypes
    except ImportError:
        return None
    return np.dtype(ml_dtypes.bfloat16)


BF16 = _bfloat16()


def available_isas():
    """The kernel modules built into this install that this CPU can run, best first."""
    cpu = set(_openmp.cpu_features()) | {"baseline"}
    found = []
    for isa in ISA_ORDER:
        if isa not in cpu:
            continue
        try:
            importlib.import_module(f"relufast._kernels_{isa}")
        except ImportError:
            continue
        found.append(isa)
    return found


class Kernels:
    """The compiled entry points of one kernel module, one per dtype (float32, float64).

    Each is a plain function (a fused ``def`` would dispatch on every call); float16 and
    unsupported dtypes are not keys, so ``.get(dtype)`` is the dtype test of the hot path.
    """

    def __init__(self, isa):
        # the dicts are made once and refilled by load(): the call path binds them at import
        self.forward, self.gradient, self.prelu_forward, self.prelu_gradient = {}, {}, {}, {}
        self.mask_forward, self.mask_gradient = {}, {}
        self.mask_bias_forward, self.mask_bias_gradient = {}, {}
        self.bias_forward, self.bias_gradient = {}, {}
        self.prelu_bias_forward, self.prelu_bias_gradient = {}, {}
        self.rrelu_forward, self.rrelu_gradient = {}, {}
        self.load(isa)

    def load(self, isa):
        mod = importlib.import_module(f"relufast._kernels_{isa}")
        self.isa = isa
        self.description = mod.ISA
        self.forward.update({F32: mod.forward_f32, F64: mod.forward_f64})
        self.gradient.update({F32: mod.gradient_f32, F64: mod.gradient_f64})
        self.prelu_forward.update({F32: mod.prelu_forward_f32, F64: mod.prelu_forward_f64})
        self.prelu_gradient.update({F32: mod.prelu_gradient_f32, F64: mod.prelu_gradient_f64})
        self.mask_forward.update({F32: mod.mask_forward_f32, F64: mod.mask_forward_f64})
        self.mask_gradient.update({F32: mod.mask_gradient_f32, F64: mod.mask_gradient_f64})
        # the mask with a bias (the bias along the last axis, or a constant over whole rows)
        self.mask_bias_forward.update({F32: mod.mask_bias_forward_f32,
                                       F64: mod.mask_bias_forward_f64})
        self.mask_bias_gradient.update({F32: mod.mask_bias_gradient_f32,
                                        F64: mod.mask_bias_gradient_f64})
        self.bias_forward.update({F32: mod.bias_forward_f32, F64: mod.bias_forward_f64})
        self.bias_gradient.update({F32: mod.bias_gradient_f32, F64: mod.bias_gradient_f64})
        # prelu with a fused bias (C-contiguous operands of one dtype; _bias.py)
        self.prelu_bias_forward.update({F32: mod.prelu_bias_forward_f32,
                                        F64: mod.prelu_bias_forward_f64})
        self.prelu_bias_gradient.update({F32: mod.prelu_bias_gradient_f32,
                                         F64: mod.prelu_bias_gradient_f64})
        # rrelu in training (C-contiguous operands of one dtype; _rrelu.py lays out the rest)
        self.rrelu_forward.update({F32: mod.rrelu_forward_f32, F64: mod.rrelu_forward_f64})
        self.rrelu_gradient.update({F32: mod.rrelu_gradient_f32, F64: mod.rrelu_gradient_f64})
        self.rrelu_slopes = mod.rrelu_slopes
        # gated units: one entry point each for every dtype (operands converted block by block)
        self.glu_forward = mod.glu_forward
        self.glu_gradient = mod.glu_gradient
        self.idle_seconds = mod.idle_seconds
        # operands of mixed float dtypes (float16 among them), converted block by block
        self.forward_mixed = mod.forward_mixed
        self.gradient_mixed = mod.gradient_mixed
        self.prelu_forward_mixed = mod.prelu_forward_mixed
        self.prelu_gradient_mixed = mod.prelu_gradient_mixed


def _codes():
    """Op codes and statuses as plain ints (an IntEnum member costs more to look up and pass);
    every kernel module shares them, as they come from one source."""
    mod = importlib.import_module("relufast._kernels_baseline")
    op = types.SimpleNamespace(**{o.name: int(o) for o in mod.Op})
    status = types.SimpleNamespace(**{s.name: int(s) for s in mod.Status})
    mask = types.SimpleNamespace(**{m.name: int(m) for m in mod.MaskOp})
    return op, status, mask


OP, STATUS, MASK = _codes()

_AVAILABLE = available_isas()
KERNELS = Kernels(_AVAILABLE[0])


def select_isa(isa=None):
    """Switch every call to the kernels of ``isa`` (None: ``$RELUFAST_ISA``, else the best).

    Returns the ISA chosen.  An ``isa`` this machine cannot run raises ValueError and changes
    nothing.
    """
    available = available_isas()
    if isa is None:
        isa = os.environ.get("RELUFAST_ISA") or available[0]
    if isa not in available:
        raise ValueError(f"isa must be one of {available} on this machine, got {isa!r}")
    KERNELS.load(isa)
    return isa


def _select_from_environment():
    """The import-time choice: ``RELUFAST_ISA`` if this machine can run it, else the best (a
    mistyped variable must not make ``import relufast`` fail)."""
    wanted = os.environ.get("RELUFAST_ISA")
    if wanted and wanted not in _AVAILABLE:
        warnings.warn(
            f"relufast: RELUFAST_ISA={wanted!r} is not one of {_AVAILABLE} on this machine; "
            f"using {_AVAILABLE[0]}",
            RuntimeWarning,
            stacklevel=3,
        )
        return
    if wanted:
        KERNELS.load(wanted)


_select_from_environment()
