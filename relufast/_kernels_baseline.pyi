# Type information for the compiled kernel module relufast._kernels_baseline (built from
# _kernels.pxi and the files it includes).  _kernels_avx2 and _kernels_avx512 have the same
# interface.  Internal: the public API is relufast's top-level functions.

import enum
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ISA",
    "Op",
    "Status",
    "MaskOp",
    "forward_f32",
    "forward_f64",
    "gradient_f32",
    "gradient_f64",
    "forward_mixed",
    "gradient_mixed",
    "prelu_forward_f32",
    "prelu_forward_f64",
    "prelu_gradient_f32",
    "prelu_gradient_f64",
    "prelu_bias_forward_f32",
    "prelu_bias_forward_f64",
    "prelu_bias_gradient_f32",
    "prelu_bias_gradient_f64",
    "mask_forward_f32",
    "mask_forward_f64",
    "mask_gradient_f32",
    "mask_gradient_f64",
    "mask_bias_forward_f32",
    "mask_bias_forward_f64",
    "mask_bias_gradient_f32",
    "mask_bias_gradient_f64",
    "glu_forward",
    "glu_gradient",
    "prelu_forward_mixed",
    "prelu_gradient_mixed",
    "bias_forward_f32",
    "bias_forward_f64",
    "bias_gradient_f32",
    "bias_gradient_f64",
    "bf16_instructions",
    "tab_kernels",
    "lut16",
    "lut16_tables",
]

# a description of the instruction set the module was compiled for
ISA: str

class Op(enum.IntEnum):
    RELU = 0
    LEAKY = 1
    ELU = 2
    CELU = 3
    RELU6 = 4
    GELU = 5
    GELU_TANH = 6
    SILU = 7
    HARDTANH = 8
    THRESHOLD = 9
    HARDSIGMOID = 10
    HARDSWISH = 11
    RELU_SQUARED = 12
    SOFTPLUS = 13
    MISH = 14
    D_RELU = 16
    D_LEAKY = 17
    D_ELU = 18
    D_CELU = 19
    D_RELU6 = 20
    D_GELU = 21
    D_GELU_TANH = 22
    D_SILU = 23
    D_ELU_Y = 24
    D_CELU_Y = 25
    D_HARDTANH = 26
    D_THRESHOLD = 27
    D_HARDSIGMOID = 28
    D_HARDSWISH = 29
    D_RELU_SQUARED = 30
    D_SOFTPLUS = 31
    D_MISH = 32

# what every entry point returns (as an int); anything but DONE: nothing written
class Status(enum.IntEnum):
    DONE = 0
    OVERLAP = 1  # an input overlaps an output other than element for element: copy that input
    REFUSED = 2  # layout, dtype, shape, writability: the general path names it or copies
    NONFINITE = 3  # a prelu weight is NaN or inf
    NOMEMORY = 4  # prelu's working memory could not be allocated

# any ndarrays: DONE, or nothing written and OVERLAP or REFUSED (not C-contiguous, aligned, of
# the dtype and of one shape, or out not writable)
def forward_f32(
    op: int, x: NDArray[np.float32], y: NDArray[np.float32], a: float, b: float, nt: int
) -> int: ...
def forward_f64(
    op: int, x: NDArray[np.float64], y: NDArray[np.float64], a: float, b: float, nt: int
) -> int: ...
def gradient_f32(
    op: int,
    g: NDArray[np.float32],
    x: NDArray[np.float32],
    out: NDArray[np.float32],
    a: float,
    b: float,
    nt: int,
) -> int: ...
def gradient_f64(
    op: int,
    g: NDArray[np.float64],
    x: NDArray[np.float64],
    out: NDArray[np.float64],
    a: float,
    b: float,
    nt: int,
) -> int: ...

# operands of mixed float dtypes (float16, float32, float64, and bfloat16 passed as its uint16
# bits), computed in float64 if f64 else float32, converted block by block: DONE, or nothing
# written and OVERLAP or REFUSED
def forward_mixed(
    op: int, x: NDArray[np.generic], y: NDArray[np.generic], a: float, b: float, f64: bool,
    nt: int,
) -> int: ...
def gradient_mixed(
    op: int,
    g: NDArray[np.generic],
    x: NDArray[np.generic],
    out: NDArray[np.generic],
    a: float,
    b: float,
    f64: bool,
    nt: int,
) -> int: ...

# whether bfloat16 rounding uses AVX512_BF16's instruction (where the CPU has it): the setting
# before the call; use 0 or 1 sets it (the tests of the integer rounding)
def bf16_instructions(use: int = -1) -> bool: ...
# float gelu, gelu', silu' and softplus' through the table loops (AVX-512 only): the setting, set to `on`
# first if given; returns the previous one
def tab_kernels(on: bool | None = None) -> bool: ...
# whether float16 / bfloat16 smooth functions use lookup tables: the setting before the call;
# use 0 or 1 sets it (the tests and A/B timings of the computed path)
def lut16(use: int = -1) -> bool: ...
# the keys (op, format, a, b, float table loops on) of the tables built so far, oldest first
def lut16_tables() -> tuple[tuple[int, int, float, float, int], ...]: ...

# any ndarrays (x and y of one shape, w 1-D and not empty), x seen as runs of `inner` elements,
# run r on channel r % len(w): DONE, or nothing written and OVERLAP (x overlaps y other than in
# place, or w overlaps y), NONFINITE, REFUSED or NOMEMORY
def prelu_forward_f32(
    x: NDArray[np.float32], w: NDArray[np.float32], y: NDArray[np.float32], inner: int, nt: int
) -> int: ...
def prelu_forward_f64(
    x: NDArray[np.float64], w: NDArray[np.float64], y: NDArray[np.float64], inner: int, nt: int
) -> int: ...

# g, x and gx of one shape, w 1-D, gw 1-D of x's dtype and len(w), writable: gx = g * prelu'(x)
# and gw = the weight gradient per channel (summed in float64, rounded once): DONE, or nothing
# written and OVERLAP (also gw overlapping gx), NONFINITE, REFUSED or NOMEMORY
def prelu_gradient_f32(
    g: NDArray[np.float32],
    x: NDArray[np.float32],
    w: NDArray[np.float32],
    gx: NDArray[np.float32],
    gw: NDArray[np.float32],
    inner: int,
    nt: int,
) -> int: ...
def prelu_gradient_f64(
    g: NDArray[np.float64],
    x: NDArray[np.float64],
    w: NDArray[np.float64],
    gx: NDArray[np.float64],
    gw: NDArray[np.float64],
    inner: int,
    nt: int,
) -> int: ...

# the relu-like forwards that also write a 1-bit mask
class MaskOp(enum.IntEnum):
    MASK_RELU = 0
    MASK_LEAKY = 1  # a nonzero slope
    MASK_LEAKY_ZERO = 2  # a slope of +-0.0
    MASK_RELU6 = 3

# 1-bit masks.  x and y C-contiguous of rows * width elements, m C-contiguous uint8 of
# rows * ceil(width / 8) bytes: y = f(x) (MaskOp `op`, slope a) and m = the bits of x
# (np.packbits, bitorder "little", per row of width; x > 0, relu6: 0 < x < 6).  DONE, or nothing
# written and OVERLAP or REFUSED
def mask_forward_f32(
    op: int, x: NDArray[np.float32], y: NDArray[np.float32], m: NDArray[np.uint8],
    rows: int, width: int, a: float, nt: int,
) -> int: ...
def mask_forward_f64(
    op: int, x: NDArray[np.float64], y: NDArray[np.float64], m: NDArray[np.uint8],
    rows: int, width: int, a: float, nt: int,
) -> int: ...

# out = g where m's bit is set, else +0.0 (zero) or w * g; shapes as mask_forward's
def mask_gradient_f32(
    g: NDArray[np.float32], m: NDArray[np.uint8], out: NDArray[np.float32], rows: int,
    width: int, w: float, zero: bool, nt: int,
) -> int: ...
def mask_gradient_f64(
    g: NDArray[np.float64], m: NDArray[np.uint8], out: NDArray[np.float64], rows: int,
    width: int, w: float, zero: bool, nt: int,
) -> int: ...

# the masks with a bias (1-D of the dtype; the flat array as runs of `inner` elements, 1 or whole
# rows, run r on channel r % len(bias)): y = f(x + bias) and m = the bits of x + bias; or the
# select of mask_gradient and gb (one float64 per channel) the sum of out per channel.  DONE, or
# nothing written and OVERLAP, REFUSED or NOMEMORY
def mask_bias_forward_f32(
    op: int, x: NDArray[np.float32], bias: NDArray[np.float32], y: NDArray[np.float32],
    m: NDArray[np.uint8], rows: int, width: int, inner: int, a: float, nt: int,
) -> int: ...
def mask_bias_forward_f64(
    op: int, x: NDArray[np.float64], bias: NDArray[np.float64], y: NDArray[np.float64],
    m: NDArray[np.uint8], rows: int, width: int, inner: int, a: float, nt: int,
) -> int: ...
def mask_bias_gradient_f32(
    g: NDArray[np.float32], m: NDArray[np.uint8], out: NDArray[np.float32],
    gb: NDArray[np.float64], rows: int, width: int, inner: int, w: float, zero: bool, nt: int,
) -> int: ...
def mask_bias_gradient_f64(
    g: NDArray[np.float64], m: NDArray[np.uint8], out: NDArray[np.float64],
    gb: NDArray[np.float64], rows: int, width: int, inner: int, w: float, zero: bool, nt: int,
) -> int: ...

# gated units.  Each operand is (array, first element, row stride in elements) over `rows` rows
# of `h` elements; arrays C-contiguous, of a float dtype (bfloat16 as uint16 bits), outputs
# writable: y = f(a) * b, or grad_a = f_grad(g * b, a) and grad_b = g * f(a), computed in
# float64 if f64 else float32.  DONE, or nothing written and REFUSED
def glu_forward(
    op: int, a: NDArray[Any], a_off: int, a_stride: int, b: NDArray[Any], b_off: int,
    b_stride: int, y: NDArray[Any], y_off: int, y_stride: int, rows: int, h: int, pa: float,
    pb: float, f64: bool, nt: int,
) -> int: ...
def glu_gradient(
    op: int, dop: int, g: NDArray[Any], g_off: int, g_stride: int, a: NDArray[Any], a_off: int,
    a_stride: int, b: NDArray[Any], b_off: int, b_stride: int, ga: NDArray[Any], ga_off: int,
    ga_stride: int, gb: NDArray[Any], gb_off: int, gb_stride: int, rows: int, h: int,
    pa: float, pb: float, f64: bool, nt: int,
) -> int: ...

# prelu for operands of mixed float dtypes (x, y, g, gx and gw float16, float32, float64, or
# bfloat16 as its uint16 bits; w of the compute dtype, float64 if f64 else float32), converted
# block by block; gw gets the float64 sums rounded once to its dtype: DONE, or nothing written
# and OVERLAP, NONFINITE, REFUSED or NOMEMORY
def prelu_forward_mixed(
    x: NDArray[np.generic], w: NDArray[np.floating], y: NDArray[np.generic], inner: int,
    f64: bool, nt: int,
) -> int: ...
def prelu_gradient_mixed(
    g: NDArray[np.generic],
    x: NDArray[np.generic],
    w: NDArray[np.floating],
    gx: NDArray[np.generic],
    gw: NDArray[np.generic],
    inner: int,
    f64: bool,
    nt: int,
) -> int: ...

# the fused bias.  x and y C-contiguous of one dtype and size (y may be x), bias 1-D of that
# dtype, the flat array as runs of `inner` elements, run r on channel r % len(bias): y =
# f(x + bias[channel]) for forward op `op`; or out = f_grad(g, x + bias) (from_y: x is the
# output) for gradient op `dop`, and gb (len(bias) float64) the sum of out per channel.  DONE,
# or nothing written and OVERLAP, REFUSED or NOMEMORY
def bias_forward_f32(
    op: int, x: NDArray[np.float32], bias: NDArray[np.float32], y: NDArray[np.float32],
    inner: int, a: float, b: float, nt: int,
) -> int: ...
def bias_forward_f64(
    op: int, x: NDArray[np.float64], bias: NDArray[np.float64], y: NDArray[np.float64],
    inner: int, a: float, b: float, nt: int,
) -> int: ...
def bias_gradient_f32(
    dop: int, from_y: bool, g: NDArray[np.float32], x: NDArray[np.float32],
    bias: NDArray[np.float32], out: NDArray[np.float32], gb: NDArray[np.float64], inner: int,
    a: float, b: float, nt: int,
) -> int: ...
def bias_gradient_f64(
    dop: int, from_y: bool, g: NDArray[np.float64], x: NDArray[np.float64],
    bias: NDArray[np.float64], out: NDArray[np.float64], gb: NDArray[np.float64], inner: int,
    a: float, b: float, nt: int,
) -> int: ...

# prelu with a fused bias: as prelu_forward and prelu_gradient, bias 1-D of w's length and
# dtype, laid over x as w is.  y = prelu(x + bias); or gx = g * prelu'(x + bias) and sums (2 *
# len(w) float64) the weight gradient's sums per channel, then the bias gradient's, unrounded.
# DONE, or nothing written and OVERLAP, NONFINITE (a weight), REFUSED or NOMEMORY
def prelu_bias_forward_f32(
    x: NDArray[np.float32], w: NDArray[np.float32], bias: NDArray[np.float32],
    y: NDArray[np.float32], inner: int, nt: int,
) -> int: ...
def prelu_bias_forward_f64(
    x: NDArray[np.float64], w: NDArray[np.float64], bias: NDArray[np.float64],
    y: NDArray[np.float64], inner: int, nt: int,
) -> int: ...
def prelu_bias_gradient_f32(
    g: NDArray[np.float32], x: NDArray[np.float32], w: NDArray[np.float32],
    bias: NDArray[np.float32], gx: NDArray[np.float32], sums: NDArray[np.float64], inner: int,
    nt: int,
) -> int: ...
def prelu_bias_gradient_f64(
    g: NDArray[np.float64], x: NDArray[np.float64], w: NDArray[np.float64],
    bias: NDArray[np.float64], gx: NDArray[np.float64], sums: NDArray[np.float64], inner: int,
    nt: int,
) -> int: ...

# rrelu in training: C-contiguous operands of one dtype (the slopes follow the C-order index);
# DONE, or nothing written and OVERLAP or REFUSED
def rrelu_forward_f32(
    x: NDArray[np.float32], y: NDArray[np.float32], lower: float, upper: float, key: int, nt: int
) -> int: ...
def rrelu_forward_f64(
    x: NDArray[np.float64], y: NDArray[np.float64], lower: float, upper: float, key: int, nt: int
) -> int: ...
def rrelu_gradient_f32(
    g: NDArray[np.float32], x: NDArray[np.float32], out: NDArray[np.float32], lower: float,
    upper: float, key: int, narrow: bool, nt: int,
) -> int: ...
def rrelu_gradient_f64(
    g: NDArray[np.float64], x: NDArray[np.float64], out: NDArray[np.float64], lower: float,
    upper: float, key: int, narrow: bool, nt: int,
) -> int: ...
def rrelu_slopes(
    out: NDArray[np.float64], lower: float, upper: float, key: int, single: bool
) -> NDArray[np.float64]: ...
