"""Layer objects for networks written in NumPy: an activation's forward and backward, keeping
the least state its backward needs.

    import relufast.layers as L

    act = L.ReLU(in_place=True)        # or GELU(), SiLU(bias=b), SwiGLU(), PReLU(w), ...
    y = act.forward(h)                 # h is overwritten (in_place): y is h
    ...
    g = act.backward(g)                # into g (in_place); act.grad_bias with a bias

What each layer keeps between ``forward`` and ``backward`` (``kept``, ``nbytes_kept``):

* ``"mask"``: relu, leaky_relu and relu6, with or without a bias, keep one bit an element (a
  mask of ``relufast.mask_shape(x.shape)`` bytes, reused from step to step);
* ``"output"``: functions whose derivative the output determines (elu and celu with
  alpha >= 0, selu) keep a reference to their output, no copy: the next layer keeps that
  array anyway (its weight gradient needs it).  Do not modify it in place before
  ``backward``;
* ``"input"``: gelu, silu, prelu and the gated units need x itself: a reference, or with
  ``in_place=True`` a copy taken before x is overwritten.

``backward`` drops what the forward kept: a layer holds no array between steps but its mask
buffer.  Parameters' gradients (``grad_bias``, prelu's ``grad_weight``) are attributes after
``backward``.
"""

import numpy as np

from . import _api as _f
from ._masks import mask_shape

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GeGLU",
    "LeakyReLU",
    "PReLU",
    "ReGLU",
    "ReLU",
    "ReLU6",
    "SELU",
    "SiLU",
    "SwiGLU",
]


class _Layer:
    """The shared machinery: what is kept, in place, the bias."""

    _fwd = None      # the relufast forward
    _grad = None     # and its gradient
    _mask = False    # a 1-bit mask suffices
    _from_output = False  # the output determines the derivative

    def __init__(self, *, bias=None, axis=1, in_place=False):
        self.bias = bias
        self.axis = axis
        self.in_place = bool(in_place)
        self.grad_bias = None
        self.kept = None
        self._state = None
        self._buffer = None  # the mask's bytes, reused from step to step

    # the function's own parameters, passed to forward and gradient
    def _params(self):
        return {}

    def _uses_output(self):
        return self._from_output

    @property
    def nbytes_kept(self):
        """Bytes of the array this layer keeps for its backward (a mask, a copy, or a reference
        that keeps an output or input alive), 0 when it keeps nothing."""
        s = self._state
        return 0 if s is None else int(s.nbytes)

    def forward(self, x):
        """The activation of ``x`` (written into x when ``in_place``)."""
        x = np.asarray(x)
        kw = self._params()
        out = x if self.in_place else None
        if self.bias is not None:
            kw.update(bias=self.bias, axis=self.axis)
        if self._mask:
            shape = mask_shape(x.shape)
            if self._buffer is None or self._buffer.shape != shape:
                self._buffer = np.empty(shape, np.uint8)
            y, m = self._fwd(x, out=out, mask=self._buffer, **kw)
            self.kept, self._state = "mask", m
            return y
        if self._uses_output():
            y = self._fwd(x, out=out, **kw)
            self.kept, self._state = "output", y
            return y
        self.kept, self._state = "input", (x.copy() if self.in_place else x)
        return self._fwd(x, out=out, **kw)

    def backward(self, grad):
        """d loss / d x from d loss / d y (written into grad when ``in_place``); sets
        ``grad_bias`` when the layer has a bias."""
        if self._state is None:
            raise RuntimeError(f"{type(self).__name__}.backward: no forward to go back through "
                               "(each forward allows one backward)")
        kw = self._params()
        out = grad if self.in_place else None
        state, kept = self._state, self.kept
        self._state = self.kept = None
        if self.bias is not None:
            kw.update(bias=self.bias, axis=self.axis)
        if kept == "mask":
            r = self._grad(grad, mask=state, out=out, **kw)
        else:
            r = self._grad(grad, state, out=out, from_output=kept == "output", **kw)
        if self.bias is not None:
            r, self.grad_bias = r
        return r


class ReLU(_Layer):
    """relu; keeps a 1-bit mask."""
    _fwd, _grad, _mask = staticmethod(_f.relu), staticmethod(_f.relu_grad), True


class ReLU6(_Layer):
    """relu6; keeps a 1-bit mask."""
    _fwd, _grad, _mask = staticmethod(_f.relu6), staticmethod(_f.relu6_grad), True


class LeakyReLU(_Layer):
    """leaky_relu; keeps a 1-bit mask."""
    _fwd, _grad, _mask = staticmethod(_f.leaky_relu), staticmethod(_f.leaky_relu_grad), True

    def __init__(self, negative_slope=0.01, **kw):
        super().__init__(**kw)
        self.negative_slope = negative_slope

    def _params(self):
        return {"negative_slope": self.negative_slope}


class ELU(_Layer):
    """elu; keeps its output (alpha >= 0) or its input."""
    _fwd, _grad = staticmethod(_f.elu), staticmethod(_f.elu_grad)

    def __init__(self, alpha=1.0, **kw):
        super().__init__(**kw)
        self.alpha = alpha

    def _params(self):
        return {"alpha": self.alpha}

    def _uses_output(self):
        return self.alpha >= 0


class CELU(ELU):
    """celu; keeps its output (alpha > 0) or its input."""
    _fwd, _grad = staticmethod(_f.celu), staticmethod(_f.celu_grad)


class SELU(_Layer):
    """selu; keeps its output."""
    _fwd, _grad, _from_output = staticmethod(_f.selu), staticmethod(_f.selu_grad), True


class GELU(_Layer):
    """gelu (``approximate="none"`` or ``"tanh"``); keeps its input."""
    _fwd, _grad = staticmethod(_f.gelu), staticmethod(_f.gelu_grad)

    def __init__(self, approximate="none", **kw):
        super().__init__(**kw)
        self.approximate = approximate

    def _params(self):
        return {"approximate": self.approximate}


class SiLU(_Layer):
    """silu; keeps its input."""
    _fwd, _grad = staticmethod(_f.silu), staticmethod(_f.silu_grad)


class PReLU(_Layer):
    """prelu with a weight per channel along ``axis`` (and an optional bias along it); keeps
    its input; ``grad_weight`` (and ``grad_bias``) after ``backward``."""

    def __init__(self, weight, axis=1, in_place=False, bias=None):
        super().__init__(bias=bias, axis=axis, in_place=in_place)
        self.weight = weight
        self.grad_weight = None

    def forward(self, x):
        x = np.asarray(x)
        self.kept, self._state = "input", (x.copy() if self.in_place else x)
        return _f.prelu(x, self.weight, self.axis, out=x if self.in_place else None,
                        bias=self.bias)

    def backward(self, grad):
        if self._state is None:
            raise RuntimeError("PReLU.backward: no forward to go back through (each forward "
                               "allows one backward)")
        x, self._state, self.kept = self._state, None, None
        out = grad if self.in_place else None
        if self.bias is None:
            gx, self.grad_weight = _f.prelu_grad(grad, x, self.weight, self.axis, out=out)
        else:
            gx, self.grad_weight, self.grad_bias = _f.prelu_grad(grad, x, self.weight,
                                                                 self.axis, out=out,
                                                                 bias=self.bias)
        return gx


class _GLU(_Layer):
    """A gated unit on one array split in halves along ``axis`` (default -1); keeps its input.
    (The result has half the input's size, so it cannot be computed in place.)"""

    def __init__(self, axis=-1):
        super().__init__(axis=axis)

    def forward(self, x):
        x = np.asarray(x)
        self.kept, self._state = "input", x
        return self._fwd(x, axis=self.axis, **self._params())

    def backward(self, grad):
        if self._state is None:
            raise RuntimeError(f"{type(self).__name__}.backward: no forward to go back through "
                               "(each forward allows one backward)")
        x, self._state, self.kept = self._state, None, None
        return self._grad(grad, x, axis=self.axis, **self._params())


class ReGLU(_GLU):
    """relu(a) * b on the halves of x along ``axis``."""
    _fwd, _grad = staticmethod(_f.reglu), staticmethod(_f.reglu_grad)


class SwiGLU(_GLU):
    """silu(a) * b on the halves of x along ``axis``."""
    _fwd, _grad = staticmethod(_f.swiglu), staticmethod(_f.swiglu_grad)


class GeGLU(_GLU):
    """gelu(a) * b on the halves of x along ``axis``."""
    _fwd, _grad = staticmethod(_f.geglu), staticmethod(_f.geglu_grad)

    def __init__(self, approximate="none", axis=-1):
        super().__init__(axis=axis)
        self.approximate = approximate

    def _params(self):
        return {"approximate": self.approximate}
