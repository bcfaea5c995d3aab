"""relufast: the ReLU family of activation functions and their gradients for NumPy arrays.

Cython kernels with OpenMP loops, in place (``out=x``) or out of place, float16/32/64.
"""

from ._source import use_installed_if_unbuilt as _use_installed_if_unbuilt

_use_installed_if_unbuilt(__name__, __path__)  # only in an unbuilt source folder: see _source

from ._runtime import start_openmp as _start_openmp

_start_openmp()  # before any kernel module loads the OpenMP runtime: see _runtime

from ._api import (
    celu,
    celu_grad,
    elu,
    elu_grad,
    gelu,
    gelu_grad,
    geglu,
    geglu_grad,
    hardsigmoid,
    hardsigmoid_grad,
    hardswish,
    hardswish_grad,
    hardtanh,
    hardtanh_grad,
    leaky_relu,
    leaky_relu_grad,
    mask_shape,
    mish,
    mish_grad,
    prelu,
    prelu_grad,
    relu,
    relu6,
    relu6_grad,
    relu_grad,
    rrelu,
    rrelu_grad,
    relu_squared,
    relu_squared_grad,
    reglu,
    reglu_grad,
    selu,
    selu_grad,
    silu,
    silu_grad,
    softplus,
    softplus_grad,
    swiglu,
    swiglu_grad,
    threshold,
    threshold_grad,
)
from ._config import show_config
from ._rrelu import RReLUNoise
from ._threads import get_num_threads, num_threads, set_num_threads
from ._version import __version__

__all__ = [
    "__version__",
    "celu",
    "celu_grad",
    "elu",
    "elu_grad",
    "gelu",
    "gelu_grad",
    "geglu",
    "geglu_grad",
    "hardsigmoid",
    "hardsigmoid_grad",
    "hardswish",
    "hardswish_grad",
    "hardtanh",
    "hardtanh_grad",
    "get_num_threads",
    "leaky_relu",
    "leaky_relu_grad",
    "mask_shape",
    "mish",
    "mish_grad",
    "num_threads",
    "prelu",
    "prelu_grad",
    "relu",
    "relu6",
    "relu6_grad",
    "relu_grad",
    "rrelu",
    "rrelu_grad",
    "RReLUNoise",
    "relu_squared",
    "relu_squared_grad",
    "reglu",
    "reglu_grad",
    "selu",
    "selu_grad",
    "set_num_threads",
    "show_config",
    "silu",
    "silu_grad",
    "softplus",
    "softplus_grad",
    "swiglu",
    "swiglu_grad",
    "threshold",
    "threshold_grad",
]
