# Type information for relufast's public functions (the implementation is _api.py).
#
# Each function is overloaded so that the result's type follows NumPy's rules as relufast
# applies them: an ndarray keeps its dtype (float16, float32, float64); any other array-like
# (a list, a Python float) becomes float64; with ``out`` the result is ``out`` itself.

from collections.abc import Sequence
from typing import Any, Literal, SupportsIndex, TypeVar, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._rrelu import RReLUNoise
from ._version import __version__ as __version__

# the dtypes relufast computes in
_Float = TypeVar("_Float", np.float16, np.float32, np.float64)
# a caller's ``out`` array, returned as it was given
_Out = TypeVar("_Out", bound=NDArray[np.floating[Any]])

_Approximate = Literal["none", "tanh"]

SELU_ALPHA: float
SELU_SCALE: float

# relu
@overload
def relu(x: NDArray[_Float], out: None = None) -> NDArray[_Float]: ...
@overload
def relu(x: ArrayLike, out: None = None) -> NDArray[np.float64]: ...
@overload
def relu(x: ArrayLike, out: _Out) -> _Out: ...
@overload
def relu(
    x: ArrayLike,
    out: NDArray[np.floating[Any]] | None = None,
    *,
    mask: Literal[True] | NDArray[np.uint8],
    bias: ArrayLike | None = None,
    axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.uint8]]: ...
@overload
def relu(
    x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# relu_grad
@overload
def relu_grad(
    grad: NDArray[_Float], x: NDArray[_Float], out: None = None, *, from_output: bool = False
) -> NDArray[_Float]: ...
@overload
def relu_grad(
    grad: ArrayLike, x: ArrayLike, out: None = None, *, from_output: bool = False
) -> NDArray[np.float64]: ...
@overload
def relu_grad(grad: ArrayLike, x: ArrayLike, out: _Out, *, from_output: bool = False) -> _Out: ...
@overload
def relu_grad(
    grad: ArrayLike,
    x: None = None,
    out: NDArray[np.floating[Any]] | None = None,
    *,
    from_output: Literal[False] = False,
    mask: NDArray[np.uint8],
) -> NDArray[np.floating[Any]]: ...
@overload
def relu_grad(
    grad: ArrayLike,
    x: None = None,
    out: NDArray[np.floating[Any]] | None = None,
    *,
    from_output: Literal[False] = False,
    mask: NDArray[np.uint8],
    bias: ArrayLike,
    axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...
@overload
def relu_grad(
    grad: ArrayLike, x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# leaky_relu
@overload
def leaky_relu(
    x: NDArray[_Float], negative_slope: float = 0.01, out: None = None
) -> NDArray[_Float]: ...
@overload
def leaky_relu(
    x: ArrayLike, negative_slope: float = 0.01, out: None = None
) -> NDArray[np.float64]: ...
@overload
def leaky_relu(x: ArrayLike, negative_slope: float, out: _Out) -> _Out: ...
@overload
def leaky_relu(x: ArrayLike, negative_slope: float = 0.01, *, out: _Out) -> _Out: ...
@overload
def leaky_relu(
    x: ArrayLike,
    negative_slope: float = 0.01,
    out: NDArray[np.floating[Any]] | None = None,
    *,
    mask: Literal[True] | NDArray[np.uint8],
    bias: ArrayLike | None = None,
    axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.uint8]]: ...
@overload
def leaky_relu(
    x: ArrayLike, negative_slope: float = 0.01, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# leaky_relu_grad
@overload
def leaky_relu_grad(
    grad: NDArray[_Float],
    x: NDArray[_Float],
    negative_slope: float = 0.01,
    out: None = None,
    *,
    from_output: bool = False,
) -> NDArray[_Float]: ...
@overload
def leaky_relu_grad(
    grad: ArrayLike,
    x: ArrayLike,
    negative_slope: float = 0.01,
    out: None = None,
    *,
    from_output: bool = False,
) -> NDArray[np.float64]: ...
@overload
def leaky_relu_grad(
    grad: ArrayLike, x: ArrayLike, negative_slope: float, out: _Out, *, from_output: bool = False
) -> _Out: ...
@overload
def leaky_relu_grad(
    grad: ArrayLike,
    x: ArrayLike,
    negative_slope: float = 0.01,
    *,
    out: _Out,
    from_output: bool = False,
) -> _Out: ...
@overload
def leaky_relu_grad(
    grad: ArrayLike,
    x: None = None,
    negative_slope: float = 0.01,
    out: NDArray[np.floating[Any]] | None = None,
    *,
    from_output: Literal[False] = False,
    mask: NDArray[np.uint8],
) -> NDArray[np.floating[Any]]: ...
@overload
def leaky_relu_grad(
    grad: ArrayLike,
    x: None = None,
    negative_slope: float = 0.01,
    out: NDArray[np.floating[Any]] | None = None,
    *,
    from_output: Literal[False] = False,
    mask: NDArray[np.uint8],
    bias: ArrayLike,
    axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...
@overload
def leaky_relu_grad(
    grad: ArrayLike, x: ArrayLike, negative_slope: float = 0.01, out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# elu
@overload
def elu(x: NDArray[_Float], alpha: float = 1.0, out: None = None) -> NDArray[_Float]: ...
@overload
def elu(x: ArrayLike, alpha: float = 1.0, out: None = None) -> NDArray[np.float64]: ...
@overload
def elu(x: ArrayLike, alpha: float, out: _Out) -> _Out: ...
@overload
def elu(x: ArrayLike, alpha: float = 1.0, *, out: _Out) -> _Out: ...
@overload
def elu(
    x: ArrayLike, alpha: float = 1.0, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# elu_grad
@overload
def elu_grad(
    grad: NDArray[_Float],
    x: NDArray[_Float],
    alpha: float = 1.0,
    out: None = None,
    *,
    from_output: bool = False,
) -> NDArray[_Float]: ...
@overload
def elu_grad(
    grad: ArrayLike,
    x: ArrayLike,
    alpha: float = 1.0,
    out: None = None,
    *,
    from_output: bool = False,
) -> NDArray[np.float64]: ...
@overload
def elu_grad(
    grad: ArrayLike, x: ArrayLike, alpha: float, out: _Out, *, from_output: bool = False
) -> _Out: ...
@overload
def elu_grad(
    grad: ArrayLike, x: ArrayLike, alpha: float = 1.0, *, out: _Out, from_output: bool = False
) -> _Out: ...
@overload
def elu_grad(
    grad: ArrayLike, x: ArrayLike, alpha: float = 1.0, out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# selu
@overload
def selu(x: NDArray[_Float], out: None = None) -> NDArray[_Float]: ...
@overload
def selu(x: ArrayLike, out: None = None) -> NDArray[np.float64]: ...
@overload
def selu(x: ArrayLike, out: _Out) -> _Out: ...
@overload
def selu(
    x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# selu_grad
@overload
def selu_grad(
    grad: NDArray[_Float], x: NDArray[_Float], out: None = None, *, from_output: bool = False
) -> NDArray[_Float]: ...
@overload
def selu_grad(
    grad: ArrayLike, x: ArrayLike, out: None = None, *, from_output: bool = False
) -> NDArray[np.float64]: ...
@overload
def selu_grad(grad: ArrayLike, x: ArrayLike, out: _Out, *, from_output: bool = False) -> _Out: ...
@overload
def selu_grad(
    grad: ArrayLike, x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# celu
@overload
def celu(x: NDArray[_Float], alpha: float = 1.0, out: None = None) -> NDArray[_Float]: ...
@overload
def celu(x: ArrayLike, alpha: float = 1.0, out: None = None) -> NDArray[np.float64]: ...
@overload
def celu(x: ArrayLike, alpha: float, out: _Out) -> _Out: ...
@overload
def celu(x: ArrayLike, alpha: float = 1.0, *, out: _Out) -> _Out: ...
@overload
def celu(
    x: ArrayLike, alpha: float = 1.0, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# celu_grad
@overload
def celu_grad(
    grad: NDArray[_Float],
    x: NDArray[_Float],
    alpha: float = 1.0,
    out: None = None,
    *,
    from_output: bool = False,
) -> NDArray[_Float]: ...
@overload
def celu_grad(
    grad: ArrayLike,
    x: ArrayLike,
    alpha: float = 1.0,
    out: None = None,
    *,
    from_output: bool = False,
) -> NDArray[np.float64]: ...
@overload
def celu_grad(
    grad: ArrayLike, x: ArrayLike, alpha: float, out: _Out, *, from_output: bool = False
) -> _Out: ...
@overload
def celu_grad(
    grad: ArrayLike, x: ArrayLike, alpha: float = 1.0, *, out: _Out, from_output: bool = False
) -> _Out: ...
@overload
def celu_grad(
    grad: ArrayLike, x: ArrayLike, alpha: float = 1.0, out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# relu6
@overload
def relu6(x: NDArray[_Float], out: None = None) -> NDArray[_Float]: ...
@overload
def relu6(x: ArrayLike, out: None = None) -> NDArray[np.float64]: ...
@overload
def relu6(x: ArrayLike, out: _Out) -> _Out: ...
@overload
def relu6(
    x: ArrayLike,
    out: NDArray[np.floating[Any]] | None = None,
    *,
    mask: Literal[True] | NDArray[np.uint8],
    bias: ArrayLike | None = None,
    axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.uint8]]: ...
@overload
def relu6(
    x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# relu6_grad
@overload
def relu6_grad(
    grad: NDArray[_Float], x: NDArray[_Float], out: None = None, *, from_output: bool = False
) -> NDArray[_Float]: ...
@overload
def relu6_grad(
    grad: ArrayLike, x: ArrayLike, out: None = None, *, from_output: bool = False
) -> NDArray[np.float64]: ...
@overload
def relu6_grad(grad: ArrayLike, x: ArrayLike, out: _Out, *, from_output: bool = False) -> _Out: ...
@overload
def relu6_grad(
    grad: ArrayLike,
    x: None = None,
    out: NDArray[np.floating[Any]] | None = None,
    *,
    from_output: Literal[False] = False,
    mask: NDArray[np.uint8],
) -> NDArray[np.floating[Any]]: ...
@overload
def relu6_grad(
    grad: ArrayLike,
    x: None = None,
    out: NDArray[np.floating[Any]] | None = None,
    *,
    from_output: Literal[False] = False,
    mask: NDArray[np.uint8],
    bias: ArrayLike,
    axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...
@overload
def relu6_grad(
    grad: ArrayLike, x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# gelu
@overload
def gelu(
    x: NDArray[_Float], approximate: _Approximate = "none", out: None = None
) -> NDArray[_Float]: ...
@overload
def gelu(
    x: ArrayLike, approximate: _Approximate = "none", out: None = None
) -> NDArray[np.float64]: ...
@overload
def gelu(x: ArrayLike, approximate: _Approximate, out: _Out) -> _Out: ...
@overload
def gelu(x: ArrayLike, approximate: _Approximate = "none", *, out: _Out) -> _Out: ...
@overload
def gelu(
    x: ArrayLike, approximate: _Approximate = "none", out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# gelu_grad
@overload
def gelu_grad(
    grad: NDArray[_Float],
    x: NDArray[_Float],
    approximate: _Approximate = "none",
    out: None = None,
    *,
    from_output: Literal[False] = False,
) -> NDArray[_Float]: ...
@overload
def gelu_grad(
    grad: ArrayLike,
    x: ArrayLike,
    approximate: _Approximate = "none",
    out: None = None,
    *,
    from_output: Literal[False] = False,
) -> NDArray[np.float64]: ...
@overload
def gelu_grad(
    grad: ArrayLike,
    x: ArrayLike,
    approximate: _Approximate,
    out: _Out,
    *,
    from_output: Literal[False] = False,
) -> _Out: ...
@overload
def gelu_grad(
    grad: ArrayLike,
    x: ArrayLike,
    approximate: _Approximate = "none",
    *,
    out: _Out,
    from_output: Literal[False] = False,
) -> _Out: ...
@overload
def gelu_grad(
    grad: ArrayLike, x: ArrayLike, approximate: _Approximate = "none", out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# silu
@overload
def silu(x: NDArray[_Float], out: None = None) -> NDArray[_Float]: ...
@overload
def silu(x: ArrayLike, out: None = None) -> NDArray[np.float64]: ...
@overload
def silu(x: ArrayLike, out: _Out) -> _Out: ...
@overload
def silu(
    x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# silu_grad
@overload
def silu_grad(
    grad: NDArray[_Float],
    x: NDArray[_Float],
    out: None = None,
    *,
    from_output: Literal[False] = False,
) -> NDArray[_Float]: ...
@overload
def silu_grad(
    grad: ArrayLike, x: ArrayLike, out: None = None, *, from_output: Literal[False] = False
) -> NDArray[np.float64]: ...
@overload
def silu_grad(
    grad: ArrayLike, x: ArrayLike, out: _Out, *, from_output: Literal[False] = False
) -> _Out: ...
@overload
def silu_grad(
    grad: ArrayLike, x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# prelu: weight is a scalar or a 1-D array of length x.shape[axis].  A number or a list is a
# parameter (x's dtype is kept); an ndarray weight of another float dtype promotes (NumPy's
# result_type), typed as any float
_Weight = float | np.floating[Any] | Sequence[float]

@overload
def prelu(
    x: NDArray[_Float], weight: _Weight | NDArray[_Float], axis: SupportsIndex = 1,
    out: None = None,
) -> NDArray[_Float]: ...
@overload
def prelu(
    x: NDArray[np.floating[Any]], weight: NDArray[np.floating[Any]], axis: SupportsIndex = 1,
    out: None = None,
) -> NDArray[np.floating[Any]]: ...
@overload
def prelu(
    x: ArrayLike, weight: ArrayLike, axis: SupportsIndex = 1, out: None = None
) -> NDArray[np.float64]: ...
@overload
def prelu(x: ArrayLike, weight: ArrayLike, axis: SupportsIndex, out: _Out) -> _Out: ...
@overload
def prelu(x: ArrayLike, weight: ArrayLike, axis: SupportsIndex = 1, *, out: _Out) -> _Out: ...
@overload
def prelu(
    x: ArrayLike, weight: ArrayLike, axis: SupportsIndex = 1,
    out: NDArray[np.floating[Any]] | None = None, *, bias: ArrayLike,
) -> NDArray[np.floating[Any]]: ...

# prelu_grad: (grad_x, grad_weight); from_output is refused (the output does not determine x).
# Both results have the result_type of grad, x and an ndarray weight (as for prelu)
@overload
def prelu_grad(
    grad: NDArray[_Float],
    x: NDArray[_Float],
    weight: _Weight | NDArray[_Float],
    axis: SupportsIndex = 1,
    out: None = None,
    *,
    from_output: Literal[False] = False,
) -> tuple[NDArray[_Float], NDArray[_Float]]: ...
@overload
def prelu_grad(
    grad: NDArray[np.floating[Any]],
    x: NDArray[np.floating[Any]],
    weight: ArrayLike,
    axis: SupportsIndex = 1,
    out: None = None,
    *,
    from_output: Literal[False] = False,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...
@overload
def prelu_grad(
    grad: ArrayLike,
    x: ArrayLike,
    weight: ArrayLike,
    axis: SupportsIndex = 1,
    out: None = None,
    *,
    from_output: Literal[False] = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...
@overload
def prelu_grad(
    grad: ArrayLike,
    x: ArrayLike,
    weight: ArrayLike,
    axis: SupportsIndex,
    out: _Out,
    *,
    from_output: Literal[False] = False,
) -> tuple[_Out, NDArray[np.floating[Any]]]: ...
@overload
def prelu_grad(
    grad: ArrayLike,
    x: ArrayLike,
    weight: ArrayLike,
    axis: SupportsIndex = 1,
    *,
    out: _Out,
    from_output: Literal[False] = False,
) -> tuple[_Out, NDArray[np.floating[Any]]]: ...
@overload
def prelu_grad(
    grad: ArrayLike,
    x: ArrayLike,
    weight: ArrayLike,
    axis: SupportsIndex = 1,
    out: NDArray[np.floating[Any]] | None = None,
    *,
    bias: ArrayLike,
    from_output: Literal[False] = False,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# the shape of the 1-bit mask of an array of this shape (relu, leaky_relu, relu6: mask=)
def mask_shape(shape: tuple[SupportsIndex, ...]) -> tuple[int, ...]: ...

# gated units: f(a) * b (two arrays), or f of x's first half times its second along axis
def reglu(
    a: ArrayLike,
    b: ArrayLike | None = None,
    *,
    axis: SupportsIndex = -1,
    out: NDArray[np.floating[Any]] | None = None,
) -> NDArray[np.floating[Any]]: ...
def geglu(
    a: ArrayLike,
    b: ArrayLike | None = None,
    *,
    approximate: _Approximate = "none",
    axis: SupportsIndex = -1,
    out: NDArray[np.floating[Any]] | None = None,
) -> NDArray[np.floating[Any]]: ...
def swiglu(
    a: ArrayLike,
    b: ArrayLike | None = None,
    *,
    axis: SupportsIndex = -1,
    out: NDArray[np.floating[Any]] | None = None,
) -> NDArray[np.floating[Any]]: ...

# their gradients: (grad_a, grad_b) with two arrays, the gradient for x with one
_GluOut = tuple[NDArray[np.floating[Any]] | None, NDArray[np.floating[Any]] | None]
@overload
def reglu_grad(
    grad: ArrayLike, a: ArrayLike, b: ArrayLike, *, axis: SupportsIndex = -1,
    out: _GluOut | None = None,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...
@overload
def reglu_grad(
    grad: ArrayLike, a: ArrayLike, b: None = None, *, axis: SupportsIndex = -1,
    out: NDArray[np.floating[Any]] | None = None,
) -> NDArray[np.floating[Any]]: ...
@overload
def geglu_grad(
    grad: ArrayLike, a: ArrayLike, b: ArrayLike, *, approximate: _Approximate = "none",
    axis: SupportsIndex = -1, out: _GluOut | None = None,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...
@overload
def geglu_grad(
    grad: ArrayLike, a: ArrayLike, b: None = None, *, approximate: _Approximate = "none",
    axis: SupportsIndex = -1, out: NDArray[np.floating[Any]] | None = None,
) -> NDArray[np.floating[Any]]: ...
@overload
def swiglu_grad(
    grad: ArrayLike, a: ArrayLike, b: ArrayLike, *, axis: SupportsIndex = -1,
    out: _GluOut | None = None,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...
@overload
def swiglu_grad(
    grad: ArrayLike, a: ArrayLike, b: None = None, *, axis: SupportsIndex = -1,
    out: NDArray[np.floating[Any]] | None = None,
) -> NDArray[np.floating[Any]]: ...

# hardtanh
@overload
def hardtanh(x: NDArray[_Float], min_val: float = -1.0, max_val: float = 1.0, out: None = None) -> NDArray[_Float]: ...
@overload
def hardtanh(x: ArrayLike, min_val: float = -1.0, max_val: float = 1.0, out: None = None) -> NDArray[np.float64]: ...
@overload
def hardtanh(x: ArrayLike, min_val: float = -1.0, max_val: float = 1.0, *, out: _Out) -> _Out: ...
@overload
def hardtanh(
    x: ArrayLike, min_val: float = -1.0, max_val: float = 1.0, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# hardtanh_grad
@overload
def hardtanh_grad(
    grad: NDArray[_Float], x: NDArray[_Float], min_val: float = -1.0, max_val: float = 1.0, out: None = None, *, from_output: bool = False
) -> NDArray[_Float]: ...
@overload
def hardtanh_grad(
    grad: ArrayLike, x: ArrayLike, min_val: float = -1.0, max_val: float = 1.0, out: None = None, *, from_output: bool = False
) -> NDArray[np.float64]: ...
@overload
def hardtanh_grad(
    grad: ArrayLike, x: ArrayLike, min_val: float = -1.0, max_val: float = 1.0, *, out: _Out, from_output: bool = False
) -> _Out: ...
@overload
def hardtanh_grad(
    grad: ArrayLike, x: ArrayLike, min_val: float = -1.0, max_val: float = 1.0, out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# threshold
@overload
def threshold(x: NDArray[_Float], threshold: float, value: float, out: None = None) -> NDArray[_Float]: ...
@overload
def threshold(x: ArrayLike, threshold: float, value: float, out: None = None) -> NDArray[np.float64]: ...
@overload
def threshold(x: ArrayLike, threshold: float, value: float, *, out: _Out) -> _Out: ...
@overload
def threshold(
    x: ArrayLike, threshold: float, value: float, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# threshold_grad
@overload
def threshold_grad(
    grad: NDArray[_Float], x: NDArray[_Float], threshold: float, value: float, out: None = None, *, from_output: bool = False
) -> NDArray[_Float]: ...
@overload
def threshold_grad(
    grad: ArrayLike, x: ArrayLike, threshold: float, value: float, out: None = None, *, from_output: bool = False
) -> NDArray[np.float64]: ...
@overload
def threshold_grad(
    grad: ArrayLike, x: ArrayLike, threshold: float, value: float, *, out: _Out, from_output: bool = False
) -> _Out: ...
@overload
def threshold_grad(
    grad: ArrayLike, x: ArrayLike, threshold: float, value: float, out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# hardsigmoid
@overload
def hardsigmoid(x: NDArray[_Float], out: None = None) -> NDArray[_Float]: ...
@overload
def hardsigmoid(x: ArrayLike, out: None = None) -> NDArray[np.float64]: ...
@overload
def hardsigmoid(x: ArrayLike, *, out: _Out) -> _Out: ...
@overload
def hardsigmoid(
    x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# hardsigmoid_grad
@overload
def hardsigmoid_grad(
    grad: NDArray[_Float], x: NDArray[_Float], out: None = None, *, from_output: bool = False
) -> NDArray[_Float]: ...
@overload
def hardsigmoid_grad(
    grad: ArrayLike, x: ArrayLike, out: None = None, *, from_output: bool = False
) -> NDArray[np.float64]: ...
@overload
def hardsigmoid_grad(
    grad: ArrayLike, x: ArrayLike, *, out: _Out, from_output: bool = False
) -> _Out: ...
@overload
def hardsigmoid_grad(
    grad: ArrayLike, x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# hardswish
@overload
def hardswish(x: NDArray[_Float], out: None = None) -> NDArray[_Float]: ...
@overload
def hardswish(x: ArrayLike, out: None = None) -> NDArray[np.float64]: ...
@overload
def hardswish(x: ArrayLike, *, out: _Out) -> _Out: ...
@overload
def hardswish(
    x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# hardswish_grad
@overload
def hardswish_grad(
    grad: NDArray[_Float], x: NDArray[_Float], out: None = None, *, from_output: bool = False
) -> NDArray[_Float]: ...
@overload
def hardswish_grad(
    grad: ArrayLike, x: ArrayLike, out: None = None, *, from_output: bool = False
) -> NDArray[np.float64]: ...
@overload
def hardswish_grad(
    grad: ArrayLike, x: ArrayLike, *, out: _Out, from_output: bool = False
) -> _Out: ...
@overload
def hardswish_grad(
    grad: ArrayLike, x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# relu_squared
@overload
def relu_squared(x: NDArray[_Float], out: None = None) -> NDArray[_Float]: ...
@overload
def relu_squared(x: ArrayLike, out: None = None) -> NDArray[np.float64]: ...
@overload
def relu_squared(x: ArrayLike, *, out: _Out) -> _Out: ...
@overload
def relu_squared(
    x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# relu_squared_grad
@overload
def relu_squared_grad(
    grad: NDArray[_Float], x: NDArray[_Float], out: None = None, *, from_output: bool = False
) -> NDArray[_Float]: ...
@overload
def relu_squared_grad(
    grad: ArrayLike, x: ArrayLike, out: None = None, *, from_output: bool = False
) -> NDArray[np.float64]: ...
@overload
def relu_squared_grad(
    grad: ArrayLike, x: ArrayLike, *, out: _Out, from_output: bool = False
) -> _Out: ...
@overload
def relu_squared_grad(
    grad: ArrayLike, x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# rrelu
@overload
def rrelu(
    x: NDArray[_Float], lower: float = ..., upper: float = ..., training: Literal[False] = False,
    rng: np.random.Generator | None = None, out: None = None,
) -> NDArray[_Float]: ...
@overload
def rrelu(
    x: ArrayLike, lower: float = ..., upper: float = ..., training: Literal[False] = False,
    rng: np.random.Generator | None = None, out: None = None,
) -> NDArray[np.float64]: ...
@overload
def rrelu(
    x: ArrayLike, lower: float = ..., upper: float = ..., training: Literal[False] = False,
    rng: np.random.Generator | None = None, *, out: _Out,
) -> _Out: ...
@overload
def rrelu(
    x: ArrayLike, lower: float = ..., upper: float = ..., training: Literal[False] = False,
    rng: np.random.Generator | None = None, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...
@overload
def rrelu(
    x: ArrayLike, lower: float = ..., upper: float = ..., *, training: Literal[True],
    rng: np.random.Generator | None = None, out: NDArray[np.floating[Any]] | None = None,
) -> tuple[NDArray[np.floating[Any]], RReLUNoise]: ...

# rrelu_grad
@overload
def rrelu_grad(
    grad: NDArray[_Float], x: NDArray[_Float], lower: float | None = None,
    upper: float | None = None, out: None = None, *, noise: RReLUNoise | None = None,
    from_output: bool = False,
) -> NDArray[_Float]: ...
@overload
def rrelu_grad(
    grad: ArrayLike, x: ArrayLike, lower: float | None = None, upper: float | None = None,
    out: None = None, *, noise: RReLUNoise | None = None, from_output: bool = False,
) -> NDArray[np.float64]: ...
@overload
def rrelu_grad(
    grad: ArrayLike, x: ArrayLike, lower: float | None = None, upper: float | None = None, *,
    out: _Out, noise: RReLUNoise | None = None, from_output: bool = False,
) -> _Out: ...
@overload
def rrelu_grad(
    grad: ArrayLike, x: ArrayLike, lower: float | None = None, upper: float | None = None,
    out: NDArray[np.floating[Any]] | None = None, *, from_output: bool = False,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# softplus
@overload
def softplus(
    x: NDArray[_Float], beta: float = 1.0, threshold: float = 20.0, out: None = None
) -> NDArray[_Float]: ...
@overload
def softplus(
    x: ArrayLike, beta: float = 1.0, threshold: float = 20.0, out: None = None
) -> NDArray[np.float64]: ...
@overload
def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0, *, out: _Out) -> _Out: ...
@overload
def softplus(
    x: ArrayLike, beta: float = 1.0, threshold: float = 20.0,
    out: NDArray[np.floating[Any]] | None = None, *, bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# softplus_grad
@overload
def softplus_grad(
    grad: NDArray[_Float], x: NDArray[_Float], beta: float = 1.0, threshold: float = 20.0,
    out: None = None, *, from_output: bool = False
) -> NDArray[_Float]: ...
@overload
def softplus_grad(
    grad: ArrayLike, x: ArrayLike, beta: float = 1.0, threshold: float = 20.0,
    out: None = None, *, from_output: bool = False
) -> NDArray[np.float64]: ...
@overload
def softplus_grad(
    grad: ArrayLike, x: ArrayLike, beta: float = 1.0, threshold: float = 20.0, *, out: _Out,
    from_output: bool = False
) -> _Out: ...
@overload
def softplus_grad(
    grad: ArrayLike, x: ArrayLike, beta: float = 1.0, threshold: float = 20.0,
    out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...

# mish
@overload
def mish(x: NDArray[_Float], out: None = None) -> NDArray[_Float]: ...
@overload
def mish(x: ArrayLike, out: None = None) -> NDArray[np.float64]: ...
@overload
def mish(x: ArrayLike, *, out: _Out) -> _Out: ...
@overload
def mish(
    x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    bias: ArrayLike, axis: SupportsIndex = 1,
) -> NDArray[np.floating[Any]]: ...

# mish_grad
@overload
def mish_grad(
    grad: NDArray[_Float], x: NDArray[_Float], out: None = None, *, from_output: bool = False
) -> NDArray[_Float]: ...
@overload
def mish_grad(
    grad: ArrayLike, x: ArrayLike, out: None = None, *, from_output: bool = False
) -> NDArray[np.float64]: ...
@overload
def mish_grad(
    grad: ArrayLike, x: ArrayLike, *, out: _Out, from_output: bool = False
) -> _Out: ...
@overload
def mish_grad(
    grad: ArrayLike, x: ArrayLike, out: NDArray[np.floating[Any]] | None = None, *,
    from_output: bool = False, bias: ArrayLike, axis: SupportsIndex = 1,
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]: ...
