# Type information for the compiled kernel module relufast._kernels_baseline (built from
# _kernels.pxi and the files it includes).  _kernels_avx2 and _kernels_avx512 have the same
# interface.  Internal: the public API is relufast's top-level functions.

import enum

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ISA",
    "Op",
    "Status",
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

# float gelu, gelu' and silu' through the table loops (AVX-512 only): the setting, set to `on`
# first if given; returns the previous one
def tab_kernels(on: bool | None = None) -> bool: ...

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
