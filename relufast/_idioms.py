"""The NumPy idiom each relufast function is compared against.

For every function, the one-liner a user writes today without relufast: plain NumPy, one
temporary array per operator, a new array returned.  Same names and parameters as relufast's
functions (without ``out``); a gradient returns what relufast's returns (``prelu_grad``: the
gradients with respect to x and to the weight).  ``python -m relufast`` times relufast against
these, and the repository's ``bench/formulations.py`` uses them as its NumPy idiom column.

NumPy has no erf, so ``gelu`` and ``gelu_grad`` exist only in the tanh form here.
"""

import numpy as np

from ._api import SELU_ALPHA, SELU_SCALE

_K = float(np.sqrt(2 / np.pi))  # gelu's tanh form: tanh(K (x + C x^3))
_C = 0.044715


def _along(weight, x, axis):
    """PReLU's weight shaped to broadcast against x along ``axis``."""
    axis = axis % x.ndim
    return np.asarray(weight).reshape((-1,) + (1,) * (x.ndim - axis - 1))


def _tanh_form(approximate):
    if approximate != "tanh":
        raise NotImplementedError("NumPy has no erf: the NumPy idiom exists for "
                                  "approximate='tanh' only")


def relu(x):
    return x * (x > 0)


def relu_grad(grad, x):
    return grad * (x > 0)


def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(grad, x, negative_slope=0.01):
    return np.where(x > 0, grad, negative_slope * grad)


def prelu(x, weight, axis=1):
    return np.where(x > 0, x, _along(weight, x, axis) * x)


def prelu_grad(grad, x, weight, axis=1):
    others = tuple(a for a in range(x.ndim) if a != axis % x.ndim)
    return (np.where(x > 0, grad, _along(weight, x, axis) * grad),
            np.where(x > 0, 0, grad * x).sum(axis=others))


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(x))


def elu_grad(grad, x, alpha=1.0):
    return np.where(x > 0, grad, grad * alpha * np.exp(x))


def selu(x):
    return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))


def selu_grad(grad, x):
    return SELU_SCALE * np.where(x > 0, grad, grad * SELU_ALPHA * np.exp(x))


def celu(x, alpha=1.0):
    return np.maximum(0, x) + np.minimum(0, alpha * np.expm1(x / alpha))


def celu_grad(grad, x, alpha=1.0):
    return np.where(x > 0, grad, grad * np.exp(x / alpha))


def relu6(x):
    return np.clip(x, 0, 6)


def relu6_grad(grad, x):
    return grad * ((x > 0) & (x < 6))


def gelu(x, approximate="tanh"):
    _tanh_form(approximate)
    return 0.5 * x * (1 + np.tanh(_K * (x + _C * x**3)))


def gelu_grad(grad, x, approximate="tanh"):
    _tanh_form(approximate)
    th = np.tanh(_K * (x + _C * x**3))
    return grad * (0.5 * (1 + th) + 0.5 * x * (1 - th * th) * _K * (1 + 3 * _C * x * x))


def silu(x):
    return x / (1 + np.exp(-x))


def silu_grad(grad, x):
    return grad * (s := 1 / (1 + np.exp(-x))) * (1 + x * (1 - s))


# the piecewise rest, and rrelu in evaluation (leaky_relu with the mean slope)

def hardtanh(x, min_val=-1.0, max_val=1.0):
    return np.clip(x, min_val, max_val)


def hardtanh_grad(grad, x, min_val=-1.0, max_val=1.0):
    return grad * ((x > min_val) & (x < max_val))


def threshold(x, threshold, value):
    return np.where(x > threshold, x, value)


def threshold_grad(grad, x, threshold, value):
    return grad * (x > threshold)


def hardsigmoid(x):
    return np.clip(x + 3, 0, 6) / 6


def hardsigmoid_grad(grad, x):
    return grad * ((x > -3) & (x < 3)) / 6


def hardswish(x):
    return x * np.clip(x + 3, 0, 6) / 6


def hardswish_grad(grad, x):
    return grad * np.where(x < -3, 0, np.where(x > 3, 1, x / 3 + 0.5))


def relu_squared(x):
    return np.maximum(x, 0) ** 2


def relu_squared_grad(grad, x):
    return grad * 2 * np.maximum(x, 0)


def rrelu(x, lower=1.0 / 8, upper=1.0 / 3):
    return np.where(x > 0, x, (lower + upper) / 2 * x)


def rrelu_grad(grad, x, lower=1.0 / 8, upper=1.0 / 3):
    return np.where(x > 0, grad, (lower + upper) / 2 * grad)


def softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(beta * x)) / beta)


def softplus_grad(grad, x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, grad, grad / (1 + np.exp(-beta * x)))


def mish(x):
    return x * np.tanh(np.log1p(np.exp(x)))


def mish_grad(grad, x):
    t = np.tanh(np.log1p(np.exp(x)))
    return grad * (t + x * (1 - t * t) / (1 + np.exp(-x)))
