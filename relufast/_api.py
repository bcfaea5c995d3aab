"""The public functions: each names itself, reads its parameters, and hands off to the call path.

Every body is a few lines: parameter checks (``_checks``), then ``unary`` / ``binary``
(``_call``, the elementwise functions) or ``_prelu``; nothing here touches an array.  The
docstrings are the reference documentation (numpydoc); the exact rules are docs/semantics.md.
"""

from . import _rrelu as _rrelu_impl
from ._bias import forward as _bias_forward
from ._bias import gradient as _bias_gradient
from ._bias import prelu_forward as _prelu_bias_forward
from ._bias import prelu_gradient as _prelu_bias_gradient
from ._call import binary, unary
from ._checks import F32_MAX as _F32_MAX
from ._checks import check_param_f32, input_dtype, no_from_output, param
from ._dispatch import F64 as _F64
from ._dispatch import OP
from ._gated import forward as _glu_forward
from ._gated import gradient as _glu_gradient
from ._masks import forward as _mask_forward
from ._masks import gradient as _mask_gradient
from ._masks import mask_shape as _mask_shape
from ._prelu import forward as _prelu_forward
from ._prelu import gradient as _prelu_gradient
from ._threads import PARALLEL_MIN_CHEAP as _CHEAP
from ._threads import PARALLEL_MIN_TRANSCENDENTAL as _EXP

# `mask`, `bias` and `axis` are keyword arguments by contract (the docstrings say so, the stubs
# make them keyword-only for type checkers), but positional-or-keyword in the signatures: CPython
# looks every absent keyword-only default up in a dict on each call, and three of them made relu
# 3-7% slower per call at 10**3 elements (A/B, bench/per_call.py), where a call without them
# should cost what it did.

def _biased(bias, axis, fn, op, x, out, a=0.0, b=0.0, threshold=_CHEAP, pname=None,
            nonzero=False):
    """f(x + bias): the forwards' call with a bias (the arguments of _call.unary after it)."""
    return _bias_forward(fn, op, x, out, bias, axis, a, b, threshold, pname, nonzero)


def _biased_grad(bias, axis, from_output, fn, op, grad, x, out, a=0.0, b=0.0,
                 threshold=_CHEAP, xname="x", pname=None, nonzero=False):
    """(grad_x, grad_bias): the gradients' call with a bias (_call.binary's arguments after)."""
    return _bias_gradient(fn, op, grad, x, out, bias, axis, from_output, a, b, threshold,
                          xname, pname, nonzero)


_F64_MAX = 1.7976931348623157e308

_FORWARD = object()  # the grad of a forward's parameter checks: it has none


def _params_f32(fn, x, grad, *params):
    """Refuse a parameter ((name, value) pairs, in order) beyond float32's range when the call
    computes in float32, after x's (and a gradient's grad's) dtype checks, as the call path
    orders them for the parameter it checks itself (``pname``): an int64 x is named as such,
    not the parameter.  For the parameters the call path does not see, called only when one
    of them is beyond float32's range: the common call pays a comparison."""
    if grad is _FORWARD:
        f64 = input_dtype(fn, "x", x) == _F64
    else:  # grad first, as the call path: float64 if either is (NumPy's result_type)
        f64 = input_dtype(fn, "grad", grad) == _F64
        f64 = input_dtype(fn, "x", x) == _F64 or f64
    if not f64:
        for name, value in params:
            check_param_f32(fn, name, value, False)

# SELU's constants (Klambauer et al., 2017), as PyTorch writes them
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946




def relu(x, out=None, mask=None, bias=None, axis=1):
    r"""Rectified linear unit, ``max(0, x)``, elementwise.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=x``
        computes in place.  By default a new array is allocated.
    mask : True or ndarray, optional
        Keyword argument.  Also record, one bit an element, whether x > 0: all that
        :func:`relu_grad` needs (``mask=`` there, in place of x).  True allocates the mask; an
        ndarray of dtype uint8 and shape :func:`mask_shape` ``(x.shape)`` receives it.  The
        call then returns ``(y, mask)``.  The layout is ``np.packbits(bits, axis=-1,
        bitorder="little")``'s; NaN gives 0.
    bias : float or array_like, optional
        Keyword argument.  Compute ``f(x + bias)`` in one pass: a scalar, or a 1-D array with
        one value per channel along ``axis`` (finite; prelu's weight rules).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given (with ``mask``: the
        tuple ``(result, mask)``).

    See Also
    --------
    relu_grad : its gradient.
    leaky_relu, prelu : a nonzero slope for negative inputs.

    Notes
    -----
    .. math:: \operatorname{relu}(x) = \max(0, x)

    NaN gives NaN (``np.where(x > 0, x, 0)`` would give 0); ``relu(-0.0)`` is ``+0.0``;
    ``relu(inf)`` is inf.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.relu(np.array([-2.0, 0.0, 3.0, np.nan]))
    array([ 0.,  0.,  3., nan])

    In place, in float32:

    >>> x = np.array([-1.5, 2.5], dtype=np.float32)
    >>> relufast.relu(x, out=x)
    array([0. , 2.5], dtype=float32)
    """
    if mask is None and bias is None:  # the plain call first: one test
        return unary("relu", OP.RELU, x, out)
    if mask is None or mask is False:  # mask=False: no mask
        if bias is None:
            return unary("relu", OP.RELU, x, out)
        return _biased(bias, axis, "relu", OP.RELU, x, out)
    return _mask_forward("relu", OP.RELU, x, out, mask, bias=bias, axis=axis)


def relu_grad(grad, x=None, out=None, mask=None, bias=None, axis=1, *, from_output=False):
    r"""Gradient of :func:`relu`: ``grad * (x > 0)``, with ``relu'(0) = 0``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape; of
        any float dtype (grad and x of different dtypes compute in NumPy's result_type of
        them: float64 with float32 gives float64).
    x : array_like
        relu's input (or, with ``from_output=True``, its output: the sign is the same).
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only.  True: the second argument holds the forward's output ``y = relu(x)``
        instead of x, as after an in-place forward ``relu(x, out=x)``; ``relu'(x)`` is then
        computed from y.
    mask : ndarray, optional
        Keyword argument, in place of x: the mask that ``relu(x, mask=True)`` gave (uint8, shape
        :func:`mask_shape` ``(grad.shape)``).  The result is then computed in grad's dtype
        (float16 and bfloat16 in float32), and equals the gradient from x wherever x was not
        NaN (a NaN x left bit 0: the gradient there is 0, not NaN).
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: x is then the input before it, the derivative
        is taken at ``x + bias``, and the call returns ``(grad_x, grad_bias)``, grad_bias the
        sum of grad_x over every axis but ``axis`` (in float64, rounded once), shaped like the
        bias.
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        of NumPy's result_type of grad and x: ``out`` itself when given.

    See Also
    --------
    relu : the forward.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial x} = g \cdot [x > 0]

    The derivative at the kink is PyTorch's: ``relu'(0) = 0``.  NaN in x gives NaN.
    Where the derivative is 0 the result is exactly 0 whatever ``grad`` holds (a select, as in
    PyTorch, not a multiply): a NaN or an infinity in ``grad`` does not leak through a flat
    part.
    ``relu_grad(nan, -1.0)`` is 0.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.relu_grad(np.ones(3), np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])

    After an in-place forward, from the output:

    >>> x = np.array([-2.0, 0.5, 3.0])
    >>> y = relufast.relu(x, out=x)
    >>> relufast.relu_grad(np.full(3, 5.0), y, from_output=True)
    array([0., 5., 5.])
    """
    if mask is None and bias is None:  # the plain call first: one test (x None: as_input)
        return binary("relu_grad", OP.D_RELU, grad, x, out)
    if mask is not None:
        return _mask_gradient("relu_grad", grad, x, mask, out, from_output, bias=bias,
                              axis=axis)
    return _biased_grad(bias, axis, from_output, "relu_grad", OP.D_RELU, grad, x, out)


def leaky_relu(x, negative_slope=0.01, out=None, mask=None, bias=None, axis=1):
    r"""Leaky ReLU: ``x if x > 0 else negative_slope * x``, elementwise.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    negative_slope : float, default 0.01
        The slope for x <= 0: finite, may be 0 or negative.  Rounded to x's precision.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=x``
        computes in place.  By default a new array is allocated.
    mask : True or ndarray, optional
        Keyword argument.  Also record, one bit an element, whether x > 0: all that
        :func:`leaky_relu_grad` needs (``mask=`` there, in place of x).  True allocates the mask; an
        ndarray of dtype uint8 and shape :func:`mask_shape` ``(x.shape)`` receives it.  The
        call then returns ``(y, mask)``.  The layout is ``np.packbits(bits, axis=-1,
        bitorder="little")``'s; NaN gives 0.
    bias : float or array_like, optional
        Keyword argument.  Compute ``f(x + bias)`` in one pass: a scalar, or a 1-D array with
        one value per channel along ``axis`` (finite; prelu's weight rules).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given (with ``mask``: the
        tuple ``(result, mask)``).

    See Also
    --------
    leaky_relu_grad : its gradient.
    prelu : a learned slope per channel.

    Notes
    -----
    .. math::

        \operatorname{leaky\_relu}(x) =
        \begin{cases} x & x > 0 \\ s\,x & x \le 0 \end{cases}

    with :math:`s` the negative slope.  NaN gives NaN.  Infinities give the limits:
    ``leaky_relu(-inf, 0.0)`` is -0.0 (the sign of ``0.0 * x`` for finite x < 0), not
    ``0 * -inf = nan``.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.leaky_relu(np.array([-2.0, 3.0]), 0.1)
    array([-0.2,  3. ])
    >>> relufast.leaky_relu(np.array([-np.inf, np.nan]), negative_slope=0.0)
    array([-0., nan])
    """
    a = param("leaky_relu", "negative_slope", negative_slope)
    if mask is None and bias is None:  # the plain call first: one test
        return unary("leaky_relu", OP.LEAKY, x, out, a, pname="negative_slope")
    if mask is None or mask is False:  # mask=False: no mask
        if bias is None:
            return unary("leaky_relu", OP.LEAKY, x, out, a, pname="negative_slope")
        return _biased(bias, axis, "leaky_relu", OP.LEAKY, x, out, a, pname="negative_slope")
    return _mask_forward("leaky_relu", OP.LEAKY, x, out, mask, a, "negative_slope", bias, axis)


def leaky_relu_grad(grad, x=None, negative_slope=0.01, out=None, mask=None, bias=None, axis=1,
                    *, from_output=False):
    r"""Gradient of :func:`leaky_relu`: ``grad * (1 if x > 0 else negative_slope)``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape; of
        any float dtype (grad and x of different dtypes compute in NumPy's result_type of
        them: float64 with float32 gives float64).
    x : array_like
        leaky_relu's input (or, with ``from_output=True``, its output).
    negative_slope : float, default 0.01
        The slope used in the forward.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only.  True: the second argument holds the forward's output ``y = leaky_relu(x)``
        instead of x, as after an in-place forward ``leaky_relu(x, out=x)``; ``leaky_relu'(x)`` is then
        computed from y.  It requires ``negative_slope >= 0`` (ValueError otherwise:
        with a negative slope the output's sign does not tell the input's).
    mask : ndarray, optional
        Keyword argument, in place of x: the mask that ``leaky_relu(x, mask=True)`` gave (uint8,
        shape :func:`mask_shape` ``(grad.shape)``), with any slope.  The result is then
        computed in grad's dtype (float16 and bfloat16 in float32), and equals the gradient
        from x wherever x was not NaN (a NaN x left bit 0: the slope's side).
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: x is then the input before it, the derivative
        is taken at ``x + bias``, and the call returns ``(grad_x, grad_bias)``, grad_bias the
        sum of grad_x over every axis but ``axis`` (in float64, rounded once), shaped like the
        bias.
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        of NumPy's result_type of grad and x: ``out`` itself when given.

    See Also
    --------
    leaky_relu : the forward.

    Notes
    -----
    .. math::

        \frac{\partial L}{\partial x} =
        \begin{cases} g & x > 0 \\ s\,g & x \le 0 \end{cases}

    The derivative at the kink is PyTorch's: ``leaky_relu'(0) = negative_slope``.  NaN in x
    gives NaN.  With ``negative_slope=0`` the x <= 0 side is exactly 0 whatever ``grad``
    holds (a select, not a multiply).

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.leaky_relu_grad(np.ones(3), np.array([-1.0, 0.0, 2.0]), 0.1)
    array([0.1, 0.1, 1. ])
    """
    fn = "leaky_relu_grad"
    a = param(fn, "negative_slope", negative_slope)
    if mask is not None:
        return _mask_gradient(fn, grad, x, mask, out, from_output, a, a == 0, "negative_slope",
                              bias, axis)
    if from_output and a < 0:
        no_from_output(fn, True, f"negative_slope={a} < 0, so the output's sign does not "
                        "tell the input's")
    if bias is not None:
        return _biased_grad(bias, axis, from_output, fn, OP.D_LEAKY, grad, x, out, a,
                            pname="negative_slope")
    return binary(fn, OP.D_LEAKY, grad, x, out, a, pname="negative_slope")


def _elu_params(fn, alpha, from_output):
    a = param(fn, "alpha", alpha)
    if from_output and a < 0:
        no_from_output(fn, True, f"alpha={a} < 0, so the output does not determine the input")
    return a


def elu(x, alpha=1.0, out=None, bias=None, axis=1):
    r"""Exponential linear unit: ``x if x > 0 else alpha * (exp(x) - 1)``.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    alpha : float, default 1.0
        The scale of the negative side, which tends to ``-alpha``: finite.  Rounded to x's
        precision.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=x``
        computes in place.  By default a new array is allocated.
    bias : float or array_like, optional
        Keyword argument.  Compute ``f(x + bias)`` in one pass: a scalar, or a 1-D array with
        one value per channel along ``axis`` (finite; prelu's weight rules).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    elu_grad : its gradient.
    selu, celu : the scaled and the continuously differentiable variants.

    Notes
    -----
    .. math::

        \operatorname{elu}(x) =
        \begin{cases} x & x > 0 \\ \alpha\,(e^x - 1) & x \le 0 \end{cases}

    ``exp(x) - 1`` is computed as an ``expm1``, so small negative x keep their digits.  NaN
    gives NaN; ``elu(-inf)`` is ``-alpha``, ``elu(inf)`` is inf.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.elu(np.array([-np.inf, -1.0, 0.0, 2.0]))
    array([-1.        , -0.63212056,  0.        ,  2.        ])
    """
    a = param("elu", "alpha", alpha)
    if bias is not None:
        return _biased(bias, axis, "elu", OP.ELU, x, out, a, 1.0, _EXP, "alpha")
    return unary("elu", OP.ELU, x, out, a, 1.0, _EXP, "alpha")


def elu_grad(grad, x, alpha=1.0, out=None, bias=None, axis=1, *, from_output=False):
    r"""Gradient of :func:`elu`: ``grad * (1 if x > 0 else alpha * exp(x))``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape; of
        any float dtype (grad and x of different dtypes compute in NumPy's result_type of
        them: float64 with float32 gives float64).
    x : array_like
        elu's input (or, with ``from_output=True``, its output).
    alpha : float, default 1.0
        The alpha used in the forward.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only.  True: the second argument holds the forward's output ``y = elu(x)``
        instead of x, as after an in-place forward ``elu(x, out=x)``; ``elu'(x)`` is then
        computed from y.  The derivative is then ``y + alpha`` for y <= 0; it requires
        ``alpha >= 0`` (ValueError otherwise).
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: x is then the input before it, the derivative
        is taken at ``x + bias``, and the call returns ``(grad_x, grad_bias)``, grad_bias the
        sum of grad_x over every axis but ``axis`` (in float64, rounded once), shaped like the
        bias.
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        of NumPy's result_type of grad and x: ``out`` itself when given.

    See Also
    --------
    elu : the forward.

    Notes
    -----
    .. math::

        \frac{\partial L}{\partial x} =
        \begin{cases} g & x > 0 \\ \alpha\,e^x\,g & x \le 0 \end{cases}
        \qquad (\alpha\,e^x = y + \alpha \text{ from the output } y)

    The derivative at the kink is PyTorch's, the x <= 0 branch: ``elu'(0) = alpha``.  NaN in
    x gives NaN.
    Where the derivative is 0 the result is exactly 0 whatever ``grad`` holds (a select, as in
    PyTorch, not a multiply): a NaN or an infinity in ``grad`` does not leak through a flat
    part.
    ``elu_grad(nan, -inf)`` is 0.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.elu_grad(np.ones(3), np.array([-1.0, 0.0, 2.0]))
    array([0.36787944, 1.        , 1.        ])

    Training step with an in-place forward:

    >>> x = np.array([-2.0, -0.5, 0.0, 3.0])
    >>> y = relufast.elu(x, out=x)          # x now holds elu(x)
    >>> relufast.elu_grad(np.ones(4), y, from_output=True)
    array([0.13533528, 0.60653066, 1.        , 1.        ])
    """
    fn = "elu_grad"
    a = _elu_params(fn, alpha, from_output)
    op = OP.D_ELU_Y if from_output else OP.D_ELU
    if bias is not None:
        return _biased_grad(bias, axis, from_output, fn, op, grad, x, out, a, 1.0, _EXP,
                            pname="alpha")
    return binary(fn, op, grad, x, out, a, 1.0, _EXP, pname="alpha")


def selu(x, out=None, bias=None, axis=1):
    r"""Scaled ELU: ``scale * (x if x > 0 else alpha * (exp(x) - 1))``.

    The constants make a self-normalizing network's activations keep zero mean and unit
    variance: ``alpha = 1.6732632423543772848170429916717``,
    ``scale = 1.0507009873554804934193349852946``.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=x``
        computes in place.  By default a new array is allocated.
    bias : float or array_like, optional
        Keyword argument.  Compute ``f(x + bias)`` in one pass: a scalar, or a 1-D array with
        one value per channel along ``axis`` (finite; prelu's weight rules).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    selu_grad : its gradient.
    elu : the unscaled form with a free alpha.

    Notes
    -----
    .. math::

        \operatorname{selu}(x) = \lambda
        \begin{cases} x & x > 0 \\ \alpha\,(e^x - 1) & x \le 0 \end{cases}

    with :math:`\lambda` the scale.  The x <= 0 branch is computed as
    ``(scale * alpha) * expm1(x)``, the product of the constants rounded once to x's dtype.
    NaN gives NaN; ``selu(-inf)`` is ``-scale * alpha``.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.selu(np.array([-1.0, 0.0, 1.0]))
    array([-1.11133074,  0.        ,  1.05070099])
    """
    if bias is not None:
        return _biased(bias, axis, "selu", OP.ELU, x, out, SELU_SCALE * SELU_ALPHA, SELU_SCALE,
                       _EXP)
    return unary("selu", OP.ELU, x, out, SELU_SCALE * SELU_ALPHA, SELU_SCALE, _EXP)


def selu_grad(grad, x, out=None, bias=None, axis=1, *, from_output=False):
    r"""Gradient of :func:`selu`: ``grad * scale * (1 if x > 0 else alpha * exp(x))``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape; of
        any float dtype (grad and x of different dtypes compute in NumPy's result_type of
        them: float64 with float32 gives float64).
    x : array_like
        selu's input (or, with ``from_output=True``, its output).
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only.  True: the second argument holds the forward's output ``y = selu(x)``
        instead of x, as after an in-place forward ``selu(x, out=x)``; ``selu'(x)`` is then
        computed from y.  The derivative is then ``y + scale * alpha`` for y <= 0.
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: x is then the input before it, the derivative
        is taken at ``x + bias``, and the call returns ``(grad_x, grad_bias)``, grad_bias the
        sum of grad_x over every axis but ``axis`` (in float64, rounded once), shaped like the
        bias.
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        of NumPy's result_type of grad and x: ``out`` itself when given.

    See Also
    --------
    selu : the forward.

    Notes
    -----
    .. math::

        \frac{\partial L}{\partial x} = \lambda
        \begin{cases} g & x > 0 \\ \alpha\,e^x\,g & x \le 0 \end{cases}

    At the kink the x <= 0 branch applies: ``selu'(0) = scale * alpha``.  NaN in x gives
    NaN.
    Where the derivative is 0 the result is exactly 0 whatever ``grad`` holds (a select, as in
    PyTorch, not a multiply): a NaN or an infinity in ``grad`` does not leak through a flat
    part.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.selu_grad(np.ones(3), np.array([-1.0, 0.0, 1.0]))
    array([0.6467686 , 1.75809934, 1.05070099])
    """
    op = OP.D_ELU_Y if from_output else OP.D_ELU
    if bias is not None:
        return _biased_grad(bias, axis, from_output, "selu_grad", op, grad, x, out,
                            SELU_SCALE * SELU_ALPHA, SELU_SCALE, _EXP)
    return binary("selu_grad", op, grad, x, out, SELU_SCALE * SELU_ALPHA, SELU_SCALE,
                   _EXP)


def celu(x, alpha=1.0, out=None, bias=None, axis=1):
    r"""Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    alpha : float, default 1.0
        Finite and nonzero (ValueError otherwise).  Rounded to x's precision.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=x``
        computes in place.  By default a new array is allocated.
    bias : float or array_like, optional
        Keyword argument.  Compute ``f(x + bias)`` in one pass: a scalar, or a 1-D array with
        one value per channel along ``axis`` (finite; prelu's weight rules).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    celu_grad : its gradient.
    elu : equal to celu for alpha = 1.

    Notes
    -----
    .. math::

        \operatorname{celu}(x) = \max(0, x) + \min\left(0, \alpha\,(e^{x/\alpha} - 1)
        \right)

    computed as ``x if x > 0 else alpha * expm1(x / alpha)``, which equals it for every
    nonzero alpha.  Unlike elu its derivative is continuous at 0 for every alpha.  NaN gives
    NaN; ``celu(-inf)`` is ``-alpha`` for alpha > 0.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.celu(np.array([-np.inf, -1.0, 2.0]), alpha=2.0)
    array([-2.        , -0.78693868,  2.        ])
    """
    a = param("celu", "alpha", alpha, nonzero=True)
    if bias is not None:
        return _biased(bias, axis, "celu", OP.CELU, x, out, a, 0.0, _EXP, "alpha", True)
    return unary("celu", OP.CELU, x, out, a, 0.0, _EXP, "alpha", True)


def celu_grad(grad, x, alpha=1.0, out=None, bias=None, axis=1, *, from_output=False):
    r"""Gradient of :func:`celu`: ``grad * (1 if x > 0 else exp(x / alpha))``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape; of
        any float dtype (grad and x of different dtypes compute in NumPy's result_type of
        them: float64 with float32 gives float64).
    x : array_like
        celu's input (or, with ``from_output=True``, its output).
    alpha : float, default 1.0
        The alpha used in the forward: finite and nonzero.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only.  True: the second argument holds the forward's output ``y = celu(x)``
        instead of x, as after an in-place forward ``celu(x, out=x)``; ``celu'(x)`` is then
        computed from y.  The derivative is then ``y / alpha + 1`` for y <= 0; it
        requires ``alpha > 0`` (ValueError otherwise).
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: x is then the input before it, the derivative
        is taken at ``x + bias``, and the call returns ``(grad_x, grad_bias)``, grad_bias the
        sum of grad_x over every axis but ``axis`` (in float64, rounded once), shaped like the
        bias.
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        of NumPy's result_type of grad and x: ``out`` itself when given.

    See Also
    --------
    celu : the forward.

    Notes
    -----
    .. math::

        \frac{\partial L}{\partial x} =
        \begin{cases} g & x > 0 \\ e^{x/\alpha}\,g & x \le 0 \end{cases}

    Both branches meet at the kink: ``celu'(0) = 1``.  NaN in x gives NaN.
    Where the derivative is 0 the result is exactly 0 whatever ``grad`` holds (a select, as in
    PyTorch, not a multiply): a NaN or an infinity in ``grad`` does not leak through a flat
    part.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.celu_grad(np.ones(3), np.array([-2.0, 0.0, 3.0]), alpha=2.0)
    array([0.36787944, 1.        , 1.        ])
    """
    fn = "celu_grad"
    a = param(fn, "alpha", alpha, nonzero=True)
    if from_output and a < 0:
        no_from_output(fn, True, f"alpha={a} < 0, so the output does not determine the input")
    op = OP.D_CELU_Y if from_output else OP.D_CELU
    if bias is not None:
        return _biased_grad(bias, axis, from_output, fn, op, grad, x, out, a, 0.0, _EXP,
                            pname="alpha", nonzero=True)
    return binary(fn, op, grad, x, out, a, 0.0, _EXP, pname="alpha", nonzero=True)


def relu6(x, out=None, mask=None, bias=None, axis=1):
    r"""ReLU capped at 6: ``min(max(0, x), 6)``, elementwise.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=x``
        computes in place.  By default a new array is allocated.
    mask : True or ndarray, optional
        Keyword argument.  Also record, one bit an element, whether 0 < x < 6: all that
        :func:`relu6_grad` needs (``mask=`` there, in place of x).  True allocates the mask; an
        ndarray of dtype uint8 and shape :func:`mask_shape` ``(x.shape)`` receives it.  The
        call then returns ``(y, mask)``.  The layout is ``np.packbits(bits, axis=-1,
        bitorder="little")``'s; NaN gives 0.
    bias : float or array_like, optional
        Keyword argument.  Compute ``f(x + bias)`` in one pass: a scalar, or a 1-D array with
        one value per channel along ``axis`` (finite; prelu's weight rules).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given (with ``mask``: the
        tuple ``(result, mask)``).

    See Also
    --------
    relu6_grad : its gradient.
    relu : without the cap.

    Notes
    -----
    .. math:: \operatorname{relu6}(x) = \min(\max(0, x), 6)

    NaN gives NaN; ``relu6(-0.0)`` is ``+0.0``; ``relu6(inf)`` is 6.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.relu6(np.array([-1.0, 3.0, 9.0, np.nan]))
    array([ 0.,  3.,  6., nan])
    """
    if mask is None and bias is None:  # the plain call first: one test
        return unary("relu6", OP.RELU6, x, out)
    if mask is None or mask is False:  # mask=False: no mask
        if bias is None:
            return unary("relu6", OP.RELU6, x, out)
        return _biased(bias, axis, "relu6", OP.RELU6, x, out)
    return _mask_forward("relu6", OP.RELU6, x, out, mask, bias=bias, axis=axis)


def relu6_grad(grad, x=None, out=None, mask=None, bias=None, axis=1, *, from_output=False):
    r"""Gradient of :func:`relu6`: ``grad * (0 < x < 6)``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape; of
        any float dtype (grad and x of different dtypes compute in NumPy's result_type of
        them: float64 with float32 gives float64).
    x : array_like
        relu6's input (or, with ``from_output=True``, its output).
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only.  True: the second argument holds the forward's output ``y = relu6(x)``
        instead of x, as after an in-place forward ``relu6(x, out=x)``; ``relu6'(x)`` is then
        computed from y.
    mask : ndarray, optional
        Keyword argument, in place of x: the mask that ``relu6(x, mask=True)`` gave (uint8, shape
        :func:`mask_shape` ``(grad.shape)``).  The result is then computed in grad's dtype
        (float16 and bfloat16 in float32), and equals the gradient from x wherever x was not
        NaN (a NaN x left bit 0: the gradient there is 0, not NaN).
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: x is then the input before it, the derivative
        is taken at ``x + bias``, and the call returns ``(grad_x, grad_bias)``, grad_bias the
        sum of grad_x over every axis but ``axis`` (in float64, rounded once), shaped like the
        bias.
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        of NumPy's result_type of grad and x: ``out`` itself when given.

    See Also
    --------
    relu6 : the forward.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial x} = g \cdot [0 < x < 6]

    The derivatives at both kinks are PyTorch's: ``relu6'(0) = relu6'(6) = 0``.  NaN in x
    gives NaN.
    Where the derivative is 0 the result is exactly 0 whatever ``grad`` holds (a select, as in
    PyTorch, not a multiply): a NaN or an infinity in ``grad`` does not leak through a flat
    part.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.relu6_grad(np.ones(4), np.array([0.0, 3.0, 6.0, np.nan]))
    array([ 0.,  1.,  0., nan])
    """
    if mask is None and bias is None:  # the plain call first: one test (x None: as_input)
        return binary("relu6_grad", OP.D_RELU6, grad, x, out)
    if mask is not None:
        return _mask_gradient("relu6_grad", grad, x, mask, out, from_output, bias=bias,
                              axis=axis)
    return _biased_grad(bias, axis, from_output, "relu6_grad", OP.D_RELU6, grad, x, out)


def _approximate(fn, approximate):
    if approximate == "none":
        return OP.GELU
    if approximate == "tanh":
        return OP.GELU_TANH
    raise ValueError(f"{fn}: approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu(x, approximate="none", out=None, bias=None, axis=1):
    r"""Gaussian error linear unit: ``x * Phi(x)``, Phi the standard normal CDF.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    approximate : {"none", "tanh"}, default "none"
        "none": the exact form.  "tanh": the tanh approximation (as PyTorch's
        ``approximate="tanh"``), ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=x``
        computes in place.  By default a new array is allocated.
    bias : float or array_like, optional
        Keyword argument.  Compute ``f(x + bias)`` in one pass: a scalar, or a 1-D array with
        one value per channel along ``axis`` (finite; prelu's weight rules).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    gelu_grad : its gradient.
    silu : the sigmoid-weighted counterpart.

    Notes
    -----
    .. math::

        \operatorname{gelu}(x) = x\,\Phi(x)
        = \frac{x}{2}\left(1 + \operatorname{erf}\frac{x}{\sqrt 2}\right),
        \qquad
        \operatorname{gelu}_{\tanh}(x) = \frac{x}{2}\left(1 + \tanh\left(
        \sqrt{2/\pi}\,(x + 0.044715\,x^3)\right)\right)

    Both are computed without the ``1 + erf`` (or ``1 + tanh``) cancellation, so they stay
    accurate in relative terms in the negative tail.  gelu is smooth (no kink).  NaN gives
    NaN; ``gelu(-inf)`` is 0 (the limit, ``-0.0``), ``gelu(inf)`` is inf.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.gelu(np.array([-np.inf, 0.0, 1.0]))
    array([-0.        ,  0.        ,  0.84134475])
    >>> relufast.gelu(np.array([-1.0, 0.0, 1.0]), approximate="tanh")
    array([-0.15880801,  0.        ,  0.84119199])
    """
    if bias is not None:
        return _biased(bias, axis, "gelu", _approximate("gelu", approximate), x, out, 0.0,
                       0.0, _EXP)
    return unary("gelu", _approximate("gelu", approximate), x, out, 0.0, 0.0,
                  _EXP)


def gelu_grad(grad, x, approximate="none", out=None, bias=None, axis=1, *,
              from_output=False):
    r"""Gradient of :func:`gelu`: ``grad * (Phi(x) + x * phi(x))``, phi the normal density.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape; of
        any float dtype (grad and x of different dtypes compute in NumPy's result_type of
        them: float64 with float32 gives float64).
    x : array_like
        gelu's input.
    approximate : {"none", "tanh"}, default "none"
        The form used in the forward; "tanh" differentiates the tanh approximation.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only, and must be False: gelu is not monotonic (its output does not determine x), so its derivative cannot be computed from its
        output (ValueError).
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: x is then the input before it, the derivative
        is taken at ``x + bias``, and the call returns ``(grad_x, grad_bias)``, grad_bias the
        sum of grad_x over every axis but ``axis`` (in float64, rounded once), shaped like the
        bias.
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        of NumPy's result_type of grad and x: ``out`` itself when given.

    See Also
    --------
    gelu : the forward.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial x} = g\,\left(\Phi(x) + x\,\varphi(x)\right)

    for "none"; for "tanh" the exact derivative of the tanh form.  The derivative is 0 at
    ``x = -inf`` and 1 at ``inf``; NaN in x gives NaN.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.gelu_grad(np.ones(3), np.array([-1.0, 0.0, 1.0]))
    array([-0.08331547,  0.5       ,  1.08331547])
    """
    fn = "gelu_grad"
    op = _approximate(fn, approximate)
    no_from_output(fn, from_output, "gelu is not monotonic, its output does not determine x")
    op = OP.D_GELU if op == OP.GELU else OP.D_GELU_TANH
    if bias is not None:
        return _biased_grad(bias, axis, from_output, fn, op, grad, x, out, 0.0, 0.0, _EXP)
    return binary(fn, op, grad, x, out, 0.0, 0.0, _EXP)


def silu(x, out=None, bias=None, axis=1):
    r"""Sigmoid linear unit (swish): ``x * sigmoid(x)``, elementwise.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=x``
        computes in place.  By default a new array is allocated.
    bias : float or array_like, optional
        Keyword argument.  Compute ``f(x + bias)`` in one pass: a scalar, or a 1-D array with
        one value per channel along ``axis`` (finite; prelu's weight rules).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    silu_grad : its gradient.
    gelu : the Gaussian-weighted counterpart.

    Notes
    -----
    .. math:: \operatorname{silu}(x) = \frac{x}{1 + e^{-x}}

    Smooth (no kink).  NaN gives NaN; ``silu(-inf)`` is 0 (the limit), ``silu(inf)`` is inf.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.silu(np.array([-1.0, 0.0, 1.0]))
    array([-0.26894142,  0.        ,  0.73105858])
    """
    if bias is not None:
        return _biased(bias, axis, "silu", OP.SILU, x, out, 0.0, 0.0, _EXP)
    return unary("silu", OP.SILU, x, out, 0.0, 0.0, _EXP)


def silu_grad(grad, x, out=None, bias=None, axis=1, *, from_output=False):
    r"""Gradient of :func:`silu`: ``grad * s * (1 + x * (1 - s))``, s = sigmoid(x).

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape; of
        any float dtype (grad and x of different dtypes compute in NumPy's result_type of
        them: float64 with float32 gives float64).
    x : array_like
        silu's input.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape, of any float dtype
        (the result is cast to it, as NumPy's ``same_kind``).  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only, and must be False: silu is not monotonic (its output does not determine x), so its derivative cannot be computed from its
        output (ValueError).
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: x is then the input before it, the derivative
        is taken at ``x + bias``, and the call returns ``(grad_x, grad_bias)``, grad_bias the
        sum of grad_x over every axis but ``axis`` (in float64, rounded once), shaped like the
        bias.
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        of NumPy's result_type of grad and x: ``out`` itself when given.

    See Also
    --------
    silu : the forward.

    Notes
    -----
    .. math::

        \frac{\partial L}{\partial x} = g\,\sigma(x)\,\bigl(1 + x\,(1 - \sigma(x))
        \bigr)

    The derivative is 0 at ``x = -inf`` and 1 at ``inf``; NaN in x gives NaN.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.silu_grad(np.ones(3), np.array([-1.0, 0.0, 1.0]))
    array([0.07232949, 0.5       , 0.92767051])
    """
    fn = "silu_grad"
    no_from_output(fn, from_output, "silu is not monotonic, its output does not determine x")
    if bias is not None:
        return _biased_grad(bias, axis, from_output, fn, OP.D_SILU, grad, x, out, 0.0, 0.0, _EXP)
    return binary(fn, OP.D_SILU, grad, x, out, 0.0, 0.0, _EXP)


# ---------------------------------------------------------------------------------------------
# PReLU: a learned slope per channel along `axis`


def prelu(x, weight, axis=1, out=None, bias=None):
    r"""Parametric ReLU: ``x if x > 0 else w[c] * x``, c the element's index along ``axis``.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32, float64 or bfloat16 (ml_dtypes) ndarray of any shape and
        strides.  Lists and Python scalars become float64; an ndarray of any other dtype is
        refused with TypeError.
    weight : float or array_like
        The slope for x <= 0: a scalar, or a 1-D array of length ``x.shape[axis]``, one slope
        per channel.  An ndarray of any of x's supported dtypes takes part in the promotion
        (the call computes in NumPy's ``result_type`` of x and the weight, float16 and bfloat16
        in float32) and is used exactly; a number or a list is a parameter, rounded to that
        compute dtype.  Every value finite (ValueError otherwise).
    axis : int, default 1
        The channel axis (1 for NCHW or NC layouts, -1 for NHWC); negative counts from the
        end.  Ignored for a scalar weight.
    out : ndarray, optional
        Where to write the result: a writable ndarray of x's shape and of any supported float
        dtype (the result is rounded once into it).  ``out=x`` computes in place.  By default
        a new array is allocated.

    bias : float or array_like, optional
        Keyword argument.  Compute ``prelu(x + bias)``: a scalar, or a 1-D array of length
        ``x.shape[axis]`` along the weight's ``axis`` (the rules of ``bias`` in :func:`relu`),
        x + bias rounded in the compute dtype.  One pass in prelu's kernels for float32 and
        float64 arrays of one dtype in C order; other dtypes and layouts form x + bias in a
        temporary of x's size first.

    Returns
    -------
    ndarray
        The result, of x's shape and of ``result_type(x, weight)`` (x's dtype for a weight
        given as a number or a list): ``out`` itself when given.

    See Also
    --------
    prelu_grad : its gradients, with respect to x and to the weight.
    leaky_relu : one fixed slope.

    Notes
    -----
    .. math::

        \operatorname{prelu}(x)_{\dots c \dots} =
        \begin{cases} x & x > 0 \\ w_c\,x & x \le 0 \end{cases}

    NaN gives NaN; a zero weight gives -0.0 for every x < 0, the limit at ``x = -inf``
    included.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> x = np.array([[-1.0, -1.0], [2.0, -4.0]])
    >>> relufast.prelu(x, np.array([0.1, 0.5]))
    array([[-0.1, -0.5],
           [ 2. , -2. ]])
    """
    if bias is None:
        return _prelu_forward("prelu", x, weight, axis, out)
    return _prelu_bias_forward("prelu", x, weight, axis, out, bias)


def prelu_grad(grad, x, weight, axis=1, out=None, bias=None, *, from_output=False):
    r"""Gradients of :func:`prelu` with respect to x and to the weight.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape; its
        float dtype may differ from x's (the call computes in NumPy's ``result_type`` of grad,
        x and an ndarray weight, float16 and bfloat16 in float32).
    x : array_like
        prelu's input (the output does not determine it where a weight is negative).
    weight : float or array_like
        The weight used in the forward.
    axis : int, default 1
        The channel axis used in the forward.
    out : ndarray, optional
        Where to write grad_x: a writable ndarray of x's shape and of any supported float
        dtype.  ``out=grad`` (or ``out=x``) computes in place, whatever their dtypes.  By
        default a new array is allocated.
    from_output : bool, default False
        Keyword-only, and must be False: a weight may be negative, so the output's sign does not tell x's, so its derivative cannot be computed from its
        output (ValueError).

    bias : float or array_like, optional
        Keyword argument.  The forward's bias: the derivatives are taken at ``x + bias`` and
        the call returns ``(grad_x, grad_weight, grad_bias)``, grad_bias the sum of grad_x over
        every axis but ``axis`` (over all of them for a scalar bias), accumulated in float64
        (for float32 and float64 arrays of one dtype in C order in the same pass as grad_x and
        grad_weight).

    Returns
    -------
    grad_x : ndarray
        ``grad * (1 if x > 0 else w[c])``, of x's shape and of ``result_type(grad, x,
        weight)`` (``out`` if given).
    grad_weight : ndarray
        For each channel c, the sum of ``grad * x`` over the elements of channel c with
        x <= 0 (every axis but ``axis``), summed in float64 and rounded once to
        ``result_type(grad, x, weight)`` (x's dtype when every operand has it), whatever
        ``out`` is; shaped like weight (0-d for a scalar weight).

    See Also
    --------
    prelu : the forward.

    Notes
    -----
    .. math::

        \frac{\partial L}{\partial x} =
        \begin{cases} g & x > 0 \\ w_c\,g & x \le 0 \end{cases},
        \qquad
        \frac{\partial L}{\partial w_c} = \sum_{x \le 0,\ \text{channel } c} g\,x

    The derivative at the kink is ``prelu'(0) = w[c]``.  NaN in x gives NaN.  The weight
    gradient is accumulated in float64 for every dtype and rounded once; it agrees across
    thread counts to rounding.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> gx, gw = relufast.prelu_grad(np.ones((2, 2)), np.array([[-1.0, 1.0], [-3.0, 2.0]]),
    ...                              np.array([0.5, 0.5]))
    >>> gx
    array([[0.5, 1. ],
           [0.5, 1. ]])
    >>> gw
    array([-4.,  0.])
    """
    if bias is None:
        return _prelu_gradient("prelu_grad", grad, x, weight, axis, out, from_output)
    return _prelu_bias_gradient("prelu_grad", grad, x, weight, axis, out, from_output, bias)


def mask_shape(shape):
    """The shape of the 1-bit mask that relu, leaky_relu and relu6 give for an input of ``shape``.

    Parameters
    ----------
    shape : tuple of int
        The input's shape.

    Returns
    -------
    tuple of int
        ``shape`` with its last axis packed 8 elements a byte: ``(..., ceil(L / 8))`` (a 0-d
        input's mask has shape ``(1,)``).  The mask is uint8 in the layout of
        ``np.packbits(bits, axis=-1, bitorder="little")``.

    Examples
    --------
    >>> import relufast
    >>> relufast.mask_shape((64, 1000))
    (64, 125)
    >>> relufast.mask_shape((3, 5))
    (3, 1)
    """
    return _mask_shape(tuple(int(s) for s in shape))


def reglu(a, b=None, *, axis=-1, out=None):
    r"""ReLU-gated linear unit (ReGLU): ``relu(a) * b``, elementwise; or, with one
    array, relu of its first half times its second half along ``axis``.

    Parameters
    ----------
    a : array_like
        The input of relu (float16, float32, float64 or bfloat16); or, without ``b``, the one
        array x whose halves along ``axis`` are a (the first) and b (the second).
    b : array_like, optional
        The gate, of a's shape (float dtypes may differ: the call computes in NumPy's
        result_type of them, float16 and bfloat16 in float32).
    axis : int, default -1
        Keyword-only.  With one array: the axis along which it is split (its length there
        must be even).  Ignored with two arrays.
    out : ndarray, optional
        Keyword-only.  Where to write the result: a writable ndarray of the result's shape, of
        any float dtype the result casts to (NumPy's ``same_kind``).  With two arrays,
        ``out=a`` or ``out=b`` computes in place.

    Returns
    -------
    ndarray
        ``relu(a) * b``: a's shape (with one array: x's shape with ``axis`` halved), of NumPy's
        result_type of the inputs; ``out`` itself when given.

    See Also
    --------
    reglu_grad : its gradient.
    relu : the activation alone.

    Notes
    -----
    One pass: each element of a and b is read once and each result written once.  The values
    are bitwise those of ``relu(a) * b`` computed in the same dtype (the product
    rounded once after relu's own rounding), so relu's accuracy and special values hold, and
    ``0 * inf`` is NaN as in NumPy.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.reglu(np.array([-1.0, 2.0]), np.array([3.0, 4.0]))
    array([0., 8.])
    >>> relufast.reglu(np.array([[-1.0, 2.0, 3.0, 4.0]])).shape
    (1, 2)
    """
    return _glu_forward("reglu", "relu", OP.RELU, a, b, axis, out)


def reglu_grad(grad, a, b=None, *, axis=-1, out=None):
    r"""Gradients of :func:`reglu`: ``(grad * b * relu'(a), grad * relu(a))``, in one pass.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the result, of the result's shape.
    a : array_like
        The forward's a; or, without ``b``, its one array x.
    b : array_like, optional
        The forward's gate.
    axis : int, default -1
        Keyword-only.  With one array: the axis the forward split it along.
    out : tuple of two ndarrays or None, or ndarray, optional
        Keyword-only.  With two arrays: ``(out_a, out_b)``, each an ndarray of a's shape or
        None (allocated); an input may be its own output (``out=(a, b)``, ``out=(grad, b)``),
        the two outputs must not overlap.  With one array: one ndarray of x's shape
        (``out=x`` computes in place).

    Returns
    -------
    tuple of ndarray, or ndarray
        With two arrays, ``(grad_a, grad_b)``; with one array, the gradient with respect to x
        (x's shape: grad_a and grad_b as its halves).  NumPy's result_type of the inputs.

    See Also
    --------
    reglu : the forward.

    Notes
    -----
    Bitwise ``relu_grad(grad * b, a)`` and ``grad * relu(a)`` computed
    in the same dtype, each input read once.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> ga, gb = relufast.reglu_grad(np.ones(2), np.array([-1.0, 2.0]), np.array([3.0, 4.0]))
    >>> ga
    array([0., 4.])
    >>> gb
    array([0., 2.])
    """
    return _glu_gradient("reglu_grad", "relu", OP.RELU, OP.D_RELU, grad, a, b, axis, out)


def geglu(a, b=None, *, approximate="none", axis=-1, out=None):
    r"""GELU-gated linear unit (GeGLU): ``gelu(a) * b``, elementwise; or, with one
    array, gelu of its first half times its second half along ``axis``.

    Parameters
    ----------
    a : array_like
        The input of gelu (float16, float32, float64 or bfloat16); or, without ``b``, the one
        array x whose halves along ``axis`` are a (the first) and b (the second).
    b : array_like, optional
        The gate, of a's shape (float dtypes may differ: the call computes in NumPy's
        result_type of them, float16 and bfloat16 in float32).
    approximate : {"none", "tanh"}, default "none"
        Keyword-only.  gelu's form, as :func:`gelu`'s.
    axis : int, default -1
        Keyword-only.  With one array: the axis along which it is split (its length there
        must be even).  Ignored with two arrays.
    out : ndarray, optional
        Keyword-only.  Where to write the result: a writable ndarray of the result's shape, of
        any float dtype the result casts to (NumPy's ``same_kind``).  With two arrays,
        ``out=a`` or ``out=b`` computes in place.

    Returns
    -------
    ndarray
        ``gelu(a) * b``: a's shape (with one array: x's shape with ``axis`` halved), of NumPy's
        result_type of the inputs; ``out`` itself when given.

    See Also
    --------
    geglu_grad : its gradient.
    gelu : the activation alone.

    Notes
    -----
    One pass: each element of a and b is read once and each result written once.  The values
    are bitwise those of ``gelu(a, approximate=approximate) * b`` computed in the same dtype
    (the product rounded once after gelu's own rounding), so gelu's accuracy and special values hold, and
    ``0 * inf`` is NaN as in NumPy.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.geglu(np.array([-1.0, 2.0]), np.array([3.0, 4.0]))
    array([-0.47596576,  7.81799894])
    >>> relufast.geglu(np.array([[-1.0, 2.0, 3.0, 4.0]])).shape
    (1, 2)
    """
    op = _approximate("geglu", approximate)
    return _glu_forward("geglu", "gelu", op, a, b, axis, out)


def geglu_grad(grad, a, b=None, *, approximate="none", axis=-1, out=None):
    r"""Gradients of :func:`geglu`: ``(grad * b * gelu'(a), grad * gelu(a))``, in one pass.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the result, of the result's shape.
    a : array_like
        The forward's a; or, without ``b``, its one array x.
    b : array_like, optional
        The forward's gate.
    approximate : {"none", "tanh"}, default "none"
        Keyword-only.  gelu's form, as :func:`gelu`'s.
    axis : int, default -1
        Keyword-only.  With one array: the axis the forward split it along.
    out : tuple of two ndarrays or None, or ndarray, optional
        Keyword-only.  With two arrays: ``(out_a, out_b)``, each an ndarray of a's shape or
        None (allocated); an input may be its own output (``out=(a, b)``, ``out=(grad, b)``),
        the two outputs must not overlap.  With one array: one ndarray of x's shape
        (``out=x`` computes in place).

    Returns
    -------
    tuple of ndarray, or ndarray
        With two arrays, ``(grad_a, grad_b)``; with one array, the gradient with respect to x
        (x's shape: grad_a and grad_b as its halves).  NumPy's result_type of the inputs.

    See Also
    --------
    geglu : the forward.

    Notes
    -----
    Bitwise ``gelu_grad(grad * b, a, approximate=approximate)`` and
    ``grad * gelu(a, approximate=approximate)`` computed in the same dtype, each input read once.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> ga, gb = relufast.geglu_grad(np.ones(2), np.array([-1.0, 2.0]), np.array([3.0, 4.0]))
    >>> ga
    array([-0.24994641,  4.3409272 ])
    >>> gb
    array([-0.15865525,  1.95449974])
    """
    op = _approximate("geglu", approximate)
    dop = OP.D_GELU if op == OP.GELU else OP.D_GELU_TANH
    return _glu_gradient("geglu_grad", "gelu", op, dop, grad, a, b, axis, out)


def swiglu(a, b=None, *, axis=-1, out=None):
    r"""SiLU-gated linear unit (SwiGLU): ``silu(a) * b``, elementwise; or, with one
    array, silu of its first half times its second half along ``axis``.

    Parameters
    ----------
    a : array_like
        The input of silu (float16, float32, float64 or bfloat16); or, without ``b``, the one
        array x whose halves along ``axis`` are a (the first) and b (the second).
    b : array_like, optional
        The gate, of a's shape (float dtypes may differ: the call computes in NumPy's
        result_type of them, float16 and bfloat16 in float32).
    axis : int, default -1
        Keyword-only.  With one array: the axis along which it is split (its length there
        must be even).  Ignored with two arrays.
    out : ndarray, optional
        Keyword-only.  Where to write the result: a writable ndarray of the result's shape, of
        any float dtype the result casts to (NumPy's ``same_kind``).  With two arrays,
        ``out=a`` or ``out=b`` computes in place.

    Returns
    -------
    ndarray
        ``silu(a) * b``: a's shape (with one array: x's shape with ``axis`` halved), of NumPy's
        result_type of the inputs; ``out`` itself when given.

    See Also
    --------
    swiglu_grad : its gradient.
    silu : the activation alone.

    Notes
    -----
    One pass: each element of a and b is read once and each result written once.  The values
    are bitwise those of ``silu(a) * b`` computed in the same dtype (the product
    rounded once after silu's own rounding), so silu's accuracy and special values hold, and
    ``0 * inf`` is NaN as in NumPy.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.swiglu(np.array([-1.0, 2.0]), np.array([3.0, 4.0]))
    array([-0.80682426,  7.04637662])
    >>> relufast.swiglu(np.array([[-1.0, 2.0, 3.0, 4.0]])).shape
    (1, 2)
    """
    return _glu_forward("swiglu", "silu", OP.SILU, a, b, axis, out)


def swiglu_grad(grad, a, b=None, *, axis=-1, out=None):
    r"""Gradients of :func:`swiglu`: ``(grad * b * silu'(a), grad * silu(a))``, in one pass.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the result, of the result's shape.
    a : array_like
        The forward's a; or, without ``b``, its one array x.
    b : array_like, optional
        The forward's gate.
    axis : int, default -1
        Keyword-only.  With one array: the axis the forward split it along.
    out : tuple of two ndarrays or None, or ndarray, optional
        Keyword-only.  With two arrays: ``(out_a, out_b)``, each an ndarray of a's shape or
        None (allocated); an input may be its own output (``out=(a, b)``, ``out=(grad, b)``),
        the two outputs must not overlap.  With one array: one ndarray of x's shape
        (``out=x`` computes in place).

    Returns
    -------
    tuple of ndarray, or ndarray
        With two arrays, ``(grad_a, grad_b)``; with one array, the gradient with respect to x
        (x's shape: grad_a and grad_b as its halves).  NumPy's result_type of the inputs.

    See Also
    --------
    swiglu : the forward.

    Notes
    -----
    Bitwise ``silu_grad(grad * b, a)`` and ``grad * silu(a)`` computed
    in the same dtype, each input read once.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> ga, gb = relufast.swiglu_grad(np.ones(2), np.array([-1.0, 2.0]), np.array([3.0, 4.0]))
    >>> ga
    array([0.21698846, 4.363137  ])
    >>> gb
    array([-0.26894142,  1.76159416])
    """
    return _glu_gradient("swiglu_grad", "silu", OP.SILU, OP.D_SILU, grad, a, b, axis, out)


# ---------------------------------------------------------------------------------------------
# the piecewise rest of the family: hardtanh, threshold, hardsigmoid, hardswish, relu_squared


def _bounds(fn, x, lo_name, lo, hi_name, hi, grad=_FORWARD):
    """Two finite parameters, each checked against float32 when the call computes in float32
    (the first by the call path itself); ``grad``: a gradient's."""
    lo, hi = param(fn, lo_name, lo), param(fn, hi_name, hi)
    if abs(hi) > _F32_MAX:
        _params_f32(fn, x, grad, (hi_name, hi))
    return lo, hi


def hardtanh(x, min_val=-1.0, max_val=1.0, out=None, bias=None, axis=1):
    r"""Hard tanh: ``x`` clamped to ``[min_val, max_val]``, elementwise.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32, float64 (or bfloat16) ndarray of any shape and strides,
        computed in its own precision (float16 and bfloat16 in float32, rounded once).
    min_val, max_val : float, default -1, 1
        The bounds: finite, ``min_val <= max_val`` (ValueError otherwise).  Rounded to x's
        precision.
    out : ndarray, optional
        Where to write the result (any float dtype it casts to); ``out=x`` computes in place.
    bias : float or array_like, optional
        Keyword argument.  Compute ``hardtanh(x + bias)`` in one pass (see :func:`relu`).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    hardtanh_grad : its gradient.
    relu6 : ``hardtanh(x, 0, 6)``, except that relu6 makes -0.0 +0.0.

    Notes
    -----
    Values in ``[min_val, max_val]`` pass unchanged (-0.0 included); NaN gives NaN.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.hardtanh(np.array([-3.0, -0.5, 2.0, np.nan]))
    array([-1. , -0.5,  1. ,  nan])
    """
    fn = "hardtanh"
    lo, hi = _bounds(fn, x, "min_val", min_val, "max_val", max_val)
    if lo > hi:
        raise ValueError(f"{fn}: min_val={lo} must not exceed max_val={hi}")
    if bias is not None:
        return _biased(bias, axis, fn, OP.HARDTANH, x, out, lo, hi, _CHEAP, "min_val")
    return unary(fn, OP.HARDTANH, x, out, lo, hi, _CHEAP, "min_val")


def hardtanh_grad(grad, x, min_val=-1.0, max_val=1.0, out=None, bias=None, axis=1, *,
                  from_output=False):
    r"""Gradient of :func:`hardtanh`: ``grad * (min_val < x < max_val)``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the output, of x's shape (any float dtype:
        the call computes in NumPy's result_type of grad and x).
    x : array_like
        hardtanh's input (or, with ``from_output=True``, its output).
    min_val, max_val : float, default -1, 1
        The forward's bounds.
    out : ndarray, optional
        Where to write the result; ``out=grad`` (or ``out=x``) computes in place.
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: the call then returns ``(grad_x, grad_bias)``
        (see :func:`relu_grad`).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.
    from_output : bool, default False
        Keyword-only.  True: the second argument is the forward's output (the output is
        strictly inside the bounds exactly where x is).

    Returns
    -------
    ndarray
        The gradient with respect to x: ``out`` itself when given.

    See Also
    --------
    hardtanh : the forward.

    Notes
    -----
    The derivative at both kinks is PyTorch's, 0.  NaN in x gives NaN; where the derivative
    is 0 the result is exactly 0 whatever grad holds.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.hardtanh_grad(np.ones(4), np.array([-2.0, -1.0, 0.5, 1.0]))
    array([0., 0., 1., 0.])
    """
    fn = "hardtanh_grad"
    lo, hi = _bounds(fn, x, "min_val", min_val, "max_val", max_val, grad)
    if lo > hi:
        raise ValueError(f"{fn}: min_val={lo} must not exceed max_val={hi}")
    if bias is not None:
        return _biased_grad(bias, axis, from_output, fn, OP.D_HARDTANH, grad, x, out, lo, hi,
                            _CHEAP, pname="min_val")
    return binary(fn, OP.D_HARDTANH, grad, x, out, lo, hi, _CHEAP, pname="min_val")


def threshold(x, threshold, value, out=None, bias=None, axis=1):
    r"""Threshold: ``value if x <= threshold else x``, elementwise (PyTorch's ``F.threshold``).

    Parameters
    ----------
    x : array_like
        The input (float16, float32, float64 or bfloat16, any layout).
    threshold, value : float
        The threshold and the value that replaces x at or below it: finite, rounded to x's
        precision.
    out : ndarray, optional
        Where to write the result; ``out=x`` computes in place.
    bias : float or array_like, optional
        Keyword argument.  Compute ``threshold(x + bias, ...)`` in one pass (see :func:`relu`).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    threshold_grad : its gradient.
    relu : ``threshold(x, 0, 0)``, except that relu makes -0.0 +0.0.

    Notes
    -----
    NaN gives NaN (it is not at or below the threshold).

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.threshold(np.array([0.05, 0.1, 0.5]), 0.1, 20.0)
    array([20. , 20. ,  0.5])
    """
    fn = "threshold"
    t, v = _bounds(fn, x, "threshold", threshold, "value", value)
    if bias is not None:
        return _biased(bias, axis, fn, OP.THRESHOLD, x, out, t, v, _CHEAP, "threshold")
    return unary(fn, OP.THRESHOLD, x, out, t, v, _CHEAP, "threshold")


def threshold_grad(grad, x, threshold, value, out=None, bias=None, axis=1, *,
                   from_output=False):
    r"""Gradient of :func:`threshold`: ``grad * (x > threshold)``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the output, of x's shape.
    x : array_like
        threshold's input (or, with ``from_output=True``, its output).
    threshold, value : float
        The forward's parameters.
    out : ndarray, optional
        Where to write the result; ``out=grad`` (or ``out=x``) computes in place.
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: the call then returns ``(grad_x, grad_bias)``.
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.
    from_output : bool, default False
        Keyword-only.  True: the second argument is the forward's output; it requires
        ``value <= threshold`` (ValueError otherwise: the output then does not tell which side
        x was on).

    Returns
    -------
    ndarray
        The gradient with respect to x: ``out`` itself when given.

    See Also
    --------
    threshold : the forward.

    Notes
    -----
    0 at and below the threshold (PyTorch's ``threshold_backward``); NaN in x gives NaN.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.threshold_grad(np.ones(3), np.array([0.05, 0.1, 0.5]), 0.1, 20.0)
    array([0., 0., 1.])
    """
    fn = "threshold_grad"
    t, v = _bounds(fn, x, "threshold", threshold, "value", value, grad)
    if from_output and v > t:
        no_from_output(fn, True, f"value={v} > threshold={t}, so the output does not tell "
                       "which side of the threshold x was on")
    if bias is not None:
        return _biased_grad(bias, axis, from_output, fn, OP.D_THRESHOLD, grad, x, out, t, v,
                            _CHEAP, pname="threshold")
    return binary(fn, OP.D_THRESHOLD, grad, x, out, t, v, _CHEAP, pname="threshold")


def hardsigmoid(x, out=None, bias=None, axis=1):
    r"""Hard sigmoid: ``min(max(x + 3, 0), 6) / 6``, elementwise (PyTorch's).

    Parameters
    ----------
    x : array_like
        The input (float16, float32, float64 or bfloat16, any layout).
    out : ndarray, optional
        Where to write the result; ``out=x`` computes in place.
    bias : float or array_like, optional
        Keyword argument.  Compute ``hardsigmoid(x + bias)`` in one pass (see :func:`relu`).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    hardsigmoid_grad : its gradient.
    hardswish : x times it.

    Notes
    -----
    Computed in PyTorch's order (``x + 3`` rounded, then divided by 6), so within an ulp of
    the exact value; 0 for x <= -3 (+0.0), 1 for x >= 3, NaN gives NaN.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.hardsigmoid(np.array([-4.0, 0.0, 1.5, 4.0]))
    array([0.  , 0.5 , 0.75, 1.  ])
    """
    if bias is not None:
        return _biased(bias, axis, "hardsigmoid", OP.HARDSIGMOID, x, out)
    return unary("hardsigmoid", OP.HARDSIGMOID, x, out)


def hardsigmoid_grad(grad, x, out=None, bias=None, axis=1, *, from_output=False):
    r"""Gradient of :func:`hardsigmoid`: ``grad / 6`` where ``-3 < x < 3``, else 0.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the output, of x's shape.
    x : array_like
        hardsigmoid's input.
    out : ndarray, optional
        Where to write the result; ``out=grad`` (or ``out=x``) computes in place.
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: the call then returns ``(grad_x, grad_bias)``.
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.
    from_output : bool, default False
        Keyword-only, and must be False: near x = 3 the output rounds to 1, where the
        derivative is still 1/6, so the output does not determine it.

    Returns
    -------
    ndarray
        The gradient with respect to x: ``out`` itself when given.

    See Also
    --------
    hardsigmoid : the forward.

    Notes
    -----
    PyTorch's: ``grad / 6`` (one division, not a product with a rounded 1/6), 0 at both
    kinks; NaN in x gives NaN.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.hardsigmoid_grad(np.full(3, 6.0), np.array([-3.0, 0.0, 2.0]))
    array([0., 1., 1.])
    """
    fn = "hardsigmoid_grad"
    no_from_output(fn, from_output, "near x = 3 the output rounds to 1, where the derivative "
                   "is still 1/6")
    if bias is not None:
        return _biased_grad(bias, axis, False, fn, OP.D_HARDSIGMOID, grad, x, out)
    return binary(fn, OP.D_HARDSIGMOID, grad, x, out)


def hardswish(x, out=None, bias=None, axis=1):
    r"""Hard swish: ``x * min(max(x + 3, 0), 6) / 6``, elementwise (MobileNetV3's, PyTorch's).

    Parameters
    ----------
    x : array_like
        The input (float16, float32, float64 or bfloat16, any layout).
    out : ndarray, optional
        Where to write the result; ``out=x`` computes in place.
    bias : float or array_like, optional
        Keyword argument.  Compute ``hardswish(x + bias)`` in one pass (see :func:`relu`).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    hardswish_grad : its gradient.
    silu : the smooth function it approximates.

    Notes
    -----
    ``x * (x + 3) / 6`` in PyTorch's order between the kinks (within an ulp or two of the exact
    value); x itself from 3 on (PyTorch's ``x * 6 / 6`` can overflow or be an ulp off);
    -0.0 up to -3, the sign of PyTorch's ``x * 0``, and for -inf too, where PyTorch's product
    gives NaN.  NaN gives NaN.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.hardswish(np.array([-4.0, -1.5, 1.5, 4.0]))
    array([-0.   , -0.375,  1.125,  4.   ])
    """
    if bias is not None:
        return _biased(bias, axis, "hardswish", OP.HARDSWISH, x, out)
    return unary("hardswish", OP.HARDSWISH, x, out)


def hardswish_grad(grad, x, out=None, bias=None, axis=1, *, from_output=False):
    r"""Gradient of :func:`hardswish`: ``grad * (x / 3 + 1/2)`` on ``[-3, 3]``, ``grad`` above,
    0 below.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the output, of x's shape.
    x : array_like
        hardswish's input.
    out : ndarray, optional
        Where to write the result; ``out=grad`` (or ``out=x``) computes in place.
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: the call then returns ``(grad_x, grad_bias)``.
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.
    from_output : bool, default False
        Keyword-only, and must be False: hardswish is not monotonic.

    Returns
    -------
    ndarray
        The gradient with respect to x: ``out`` itself when given.

    See Also
    --------
    hardswish : the forward.

    Notes
    -----
    PyTorch's kinks: -1/2 at x = -3, 3/2 at x = 3.  NaN in x gives NaN.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.hardswish_grad(np.ones(4), np.array([-4.0, -3.0, 0.0, 3.0]))
    array([ 0. , -0.5,  0.5,  1.5])
    """
    fn = "hardswish_grad"
    no_from_output(fn, from_output, "hardswish is not monotonic (its output does not "
                   "determine x)")
    if bias is not None:
        return _biased_grad(bias, axis, False, fn, OP.D_HARDSWISH, grad, x, out)
    return binary(fn, OP.D_HARDSWISH, grad, x, out)


def relu_squared(x, out=None, bias=None, axis=1):
    r"""Squared ReLU: ``relu(x) ** 2``, elementwise (Primer's activation).

    Parameters
    ----------
    x : array_like
        The input (float16, float32, float64 or bfloat16, any layout).
    out : ndarray, optional
        Where to write the result; ``out=x`` computes in place.
    bias : float or array_like, optional
        Keyword argument.  Compute ``relu_squared(x + bias)`` in one pass (see :func:`relu`).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    relu_squared_grad : its gradient.

    Notes
    -----
    One rounding (the square); overflows to inf where the square does.  NaN gives NaN; x <= 0
    gives +0.0.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.relu_squared(np.array([-2.0, 0.5, 3.0]))
    array([0.  , 0.25, 9.  ])
    """
    if bias is not None:
        return _biased(bias, axis, "relu_squared", OP.RELU_SQUARED, x, out)
    return unary("relu_squared", OP.RELU_SQUARED, x, out)


def relu_squared_grad(grad, x, out=None, bias=None, axis=1, *, from_output=False):
    r"""Gradient of :func:`relu_squared`: ``grad * 2 * relu(x)``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the output, of x's shape.
    x : array_like
        relu_squared's input.
    out : ndarray, optional
        Where to write the result; ``out=grad`` (or ``out=x``) computes in place.
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: the call then returns ``(grad_x, grad_bias)``.
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.
    from_output : bool, default False
        Keyword-only, and must be False: the derivative from the output would need a square
        root, an extra rounding.

    Returns
    -------
    ndarray
        The gradient with respect to x: ``out`` itself when given.

    See Also
    --------
    relu_squared : the forward.

    Notes
    -----
    ``grad * (2 * relu(x))``: one rounding; exactly 0 for x <= 0 whatever grad holds; NaN in
    x gives NaN.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.relu_squared_grad(np.ones(3), np.array([-2.0, 0.5, 3.0]))
    array([0., 1., 6.])
    """
    fn = "relu_squared_grad"
    no_from_output(fn, from_output, "the derivative from the output needs a square root")
    if bias is not None:
        return _biased_grad(bias, axis, False, fn, OP.D_RELU_SQUARED, grad, x, out)
    return binary(fn, OP.D_RELU_SQUARED, grad, x, out)


# ---------------------------------------------------------------------------------------------
# rrelu: leaky_relu with a random slope in training, the mean slope in evaluation

_RR_LOWER, _RR_UPPER = 1.0 / 8, 1.0 / 3
_RR_MEAN = (_RR_LOWER + _RR_UPPER) / 2  # the evaluation slope for the default bounds


def _rrelu_bounds(fn, x, lower, upper, grad=_FORWARD):
    """Both bounds finite, and each checked against float32 when the call computes in float32:
    the call path sees only the mean slope (lower + upper) / 2, which -3.5e38 with upper 0.3
    does not overflow."""
    lo, hi = param(fn, "lower", lower), param(fn, "upper", upper)
    if abs(lo) > _F32_MAX or abs(hi) > _F32_MAX:
        _params_f32(fn, x, grad, ("lower", lo), ("upper", hi))
    if lo > hi:
        raise ValueError(f"{fn}: lower={lo} must not exceed upper={hi}")
    return lo, hi


def rrelu(x, lower=_RR_LOWER, upper=_RR_UPPER, training=False, rng=None, out=None, bias=None,
          axis=1):
    r"""Randomized leaky ReLU: ``x if x > 0 else a * x``, a random slope per element in
    training, the mean slope ``(lower + upper) / 2`` in evaluation (PyTorch's ``F.rrelu``).

    Parameters
    ----------
    x : array_like
        The input: a float16, float32, float64 (or bfloat16) ndarray of any shape and strides,
        computed in its own precision (float16 and bfloat16 in float32, rounded once).
    lower, upper : float, default 1/8, 1/3
        The bounds of the slopes: finite, ``lower <= upper`` (ValueError otherwise).
    training : bool, default False
        True: each element x <= 0 is multiplied by its own slope, drawn uniformly from
        ``[lower, upper]``, and the call returns ``(y, noise)``.  False: the mean slope
        (leaky_relu with ``negative_slope=(lower + upper) / 2``), and the call returns y.
    rng : numpy.random.Generator, optional
        Training only (evaluation checks and ignores it): the source of the call's 64-bit key,
        from which every slope follows (one draw per call, ``rng.integers``).  The same seed
        gives the same slopes for every thread count and every memory layout of x; None draws
        the key from the operating system (``os.urandom``).
    out : ndarray, optional
        Where to write the result (any float dtype it casts to); ``out=x`` computes in place.
    bias : float or array_like, optional
        Keyword argument, evaluation only.  Compute ``rrelu(x + bias)`` in one pass (see
        :func:`relu`).  In training: TypeError (add the bias first).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray, or (ndarray, RReLUNoise) in training
        The result, of x's shape and dtype (``out`` itself when given); in training also the
        :class:`RReLUNoise` that :func:`rrelu_grad` takes to reproduce the slopes.

    See Also
    --------
    rrelu_grad : its gradient.
    leaky_relu : a fixed slope.

    Notes
    -----
    The slope of the element at C-order index i is a function of the call's key and i
    (a 64-bit hash, its top 26 bits as a uniform u in [0, 1); the slope is
    ``lower + span * u`` in float64, span ``upper - lower`` cut to 27 significant bits so that
    the product is exact, at most ``upper``, rounded once to float32 when x is computed in
    float32; docs/semantics.md).  So results do not depend on the thread count, nor on
    x's strides or memory order: only on the key, x's shape and the precision.  They are not
    PyTorch's random numbers.  x = 0 takes the slope (``-0.0 * a`` is -0.0), NaN passes,
    -inf gives -inf (or -0.0 for a zero slope, as leaky_relu).

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.rrelu(np.array([-4.8, 2.0]))
    array([-1.1,  2. ])
    >>> y, noise = relufast.rrelu(np.array([-1.0, 2.0]), training=True,
    ...                           rng=np.random.default_rng(0))
    >>> bool(-1 / 3 <= y[0] <= -1 / 8), float(y[1])
    (True, 2.0)
    """
    fn = "rrelu"
    if (training is False and lower is _RR_LOWER and upper is _RR_UPPER and rng is None
            and bias is None):  # the plain evaluation call first: leaky_relu's, at its cost
        return unary(fn, OP.LEAKY, x, out, _RR_MEAN, pname="lower")
    lo, hi = _rrelu_bounds(fn, x, lower, upper)
    if not training:
        _rrelu_impl.check_flags(fn, training, rng)
        a = (lo + hi) / 2
        if bias is not None:
            return _biased(bias, axis, fn, OP.LEAKY, x, out, a, pname="lower")
        return unary(fn, OP.LEAKY, x, out, a, pname="lower")
    _rrelu_impl.check_flags(fn, training, rng)
    if bias is not None:
        raise TypeError(f"{fn}: bias= with training=True is not supported; add the bias "
                        "first (x + bias)")
    if hi - lo > _F64_MAX:
        raise ValueError(f"{fn}: upper - lower = {upper} - {lower} overflows float64")
    return _rrelu_impl.forward(fn, x, out, lo, hi, rng)


def rrelu_grad(grad, x, lower=None, upper=None, out=None, bias=None, axis=1, *, noise=None,
               from_output=False):
    r"""Gradient of :func:`rrelu`: ``grad * (1 if x > 0 else a)``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the output, of x's shape (any float dtype:
        the call computes in NumPy's result_type of grad and x).
    x : array_like
        rrelu's input (or, with ``from_output=True``, its output).
    lower, upper : float, optional
        The forward's bounds (default 1/8 and 1/3).  With ``noise``, they may be left out
        (the noise holds them); given, they must equal the noise's.
    out : ndarray, optional
        Where to write the result; ``out=grad`` (or ``out=x``) computes in place.
    bias : float or array_like, optional
        Keyword argument, evaluation only: the forward's bias; the call then returns
        ``(grad_x, grad_bias)`` (see :func:`relu_grad`).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.
    noise : RReLUNoise, optional
        Keyword-only.  The noise a training forward returned: the gradient then uses that
        call's slopes (x of the forward's shape).  None: the evaluation gradient, with the
        mean slope ``(lower + upper) / 2``.
    from_output : bool, default False
        Keyword-only.  True: the second argument is the forward's output, valid where its sign
        tells the input's (``lower >= 0`` in training, ``lower + upper >= 0`` in evaluation;
        ValueError otherwise).

    Returns
    -------
    ndarray, or (ndarray, ndarray) with ``bias``
        The gradient with respect to x: ``out`` itself when given.

    See Also
    --------
    rrelu : the forward.

    Notes
    -----
    The derivative at 0 is the slope (PyTorch's: its noise holds the slope for x <= 0).  NaN
    in x gives NaN; a zero slope gives exactly 0 whatever grad holds.  With a float32
    forward and a float64 gradient the float32 slopes are used, widened.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.rrelu_grad(np.ones(3), np.array([-1.0, 0.0, 2.0]), 0.1, 0.3)
    array([0.2, 0.2, 1. ])
    """
    fn = "rrelu_grad"
    if noise is None and lower is None and upper is None and bias is None and not from_output:
        return binary(fn, OP.D_LEAKY, grad, x, out, _RR_MEAN, pname="lower")  # the plain call
    if noise is None:
        lo, hi = _rrelu_bounds(fn, x, _RR_LOWER if lower is None else lower,
                               _RR_UPPER if upper is None else upper, grad)
        a = (lo + hi) / 2
        if from_output and a < 0:
            no_from_output(fn, True, f"the mean slope {a} < 0, so the output's sign does not "
                           "tell the input's")
        if bias is not None:
            return _biased_grad(bias, axis, from_output, fn, OP.D_LEAKY, grad, x, out, a,
                                pname="lower")
        return binary(fn, OP.D_LEAKY, grad, x, out, a, pname="lower")
    if not isinstance(noise, _rrelu_impl.RReLUNoise):
        raise TypeError(f"{fn}: noise must be the RReLUNoise that rrelu(..., training=True) "
                        f"returned, got {type(noise).__name__}")
    for name, given, held in (("lower", lower, noise.lower), ("upper", upper, noise.upper)):
        if given is not None and param(fn, name, given) != held:
            raise ValueError(f"{fn}: {name}={given} differs from the noise's {name}={held}; "
                             "leave it out or pass the forward's")
    if bias is not None:
        raise TypeError(f"{fn}: bias= with noise= (training) is not supported")
    return _rrelu_impl.gradient(fn, grad, x, out, noise, from_output)

# ---------------------------------------------------------------------------------------------
# softplus and mish: the smooth ReLUs (issue 18)


def _softplus_params(fn, x, beta, threshold, grad=_FORWARD):
    """beta finite and > 0, threshold finite; each checked against float32 when the call
    computes in float32 (beta by the call path itself, as its first parameter); ``grad``: a
    gradient's."""
    beta = param(fn, "beta", beta, nonzero=True)
    if beta < 0:
        raise ValueError(f"{fn}: beta must be positive, got {beta}")
    t = param(fn, "threshold", threshold)
    if abs(t) > _F32_MAX:
        _params_f32(fn, x, grad, ("threshold", t))
    return beta, t


def softplus(x, beta=1.0, threshold=20.0, out=None, bias=None, axis=1):
    r"""Softplus: ``log(1 + exp(beta * x)) / beta``, and ``x`` where ``x * beta > threshold``.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32, float64 (or bfloat16) ndarray of any shape and strides,
        computed in its own precision (float16 and bfloat16 in float32, rounded once).  Lists
        and Python scalars become float64.
    beta : float, default 1
        Finite and positive (ValueError otherwise).  Rounded to x's precision.
    threshold : float, default 20
        Finite.  Where ``x * beta`` (rounded in x's precision) exceeds it, the result is x
        itself: PyTorch's linear region, to the bit.
    out : ndarray, optional
        Where to write the result (any float dtype it casts to); ``out=x`` computes in place.
    bias : float or array_like, optional
        Keyword argument.  Compute ``softplus(x + bias)`` in one pass (see :func:`relu`).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    softplus_grad : its gradient.
    mish : ``x * tanh(softplus(x))``.

    Notes
    -----
    .. math:: \operatorname{softplus}(x) = \frac{1}{\beta}\log\bigl(1 + e^{\beta x}\bigr)

    Computed as ``max(z, 0) + log1p(exp(-|z|))``, ``z = beta * x`` (exact): relative accuracy
    everywhere, e^x itself far below 0 (down to the subnormals), where
    ``log1p(exp(x))`` in the dtype loses it.  NaN gives NaN; ``softplus(-inf)`` is 0,
    ``softplus(inf)`` is inf.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.softplus(np.array([-50.0, 0.0, 1.0, 30.0]))
    array([1.92874985e-22, 6.93147181e-01, 1.31326169e+00, 3.00000000e+01])
    """
    fn = "softplus"
    b, t = _softplus_params(fn, x, beta, threshold)
    if bias is not None:
        return _biased(bias, axis, fn, OP.SOFTPLUS, x, out, b, t, _EXP, "beta", True)
    return unary(fn, OP.SOFTPLUS, x, out, b, t, _EXP, "beta", True)


def softplus_grad(grad, x, beta=1.0, threshold=20.0, out=None, bias=None, axis=1, *,
                  from_output=False):
    r"""Gradient of :func:`softplus`: ``grad * sigmoid(beta * x)``, ``grad`` in the linear region.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the output, of x's shape (any float dtype:
        the call computes in NumPy's result_type of grad and x).
    x : array_like
        softplus's input.
    beta, threshold : float, default 1, 20
        The forward's parameters.
    out : ndarray, optional
        Where to write the result; ``out=grad`` (or ``out=x``) computes in place.
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: the call then returns ``(grad_x, grad_bias)``
        (see :func:`relu_grad`).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.
    from_output : bool, default False
        Keyword-only, and must be False (ValueError): the output does not tell which side of
        the threshold x was on (outputs just above ``threshold / beta`` come from both sides,
        a wide band for small thresholds), so the derivative is taken from x, as PyTorch's
        ``softplus_backward`` does.

    Returns
    -------
    ndarray
        The gradient with respect to x: ``out`` itself when given.

    See Also
    --------
    softplus : the forward.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial x} = \frac{g}{1 + e^{-\beta x}}

    1 (``grad`` itself) where ``x * beta > threshold``, as PyTorch.  Exactly 0 where the
    sigmoid underflows, whatever grad holds; NaN in x gives NaN.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.softplus_grad(np.ones(3), np.array([-1.0, 0.0, 30.0]))
    array([0.26894142, 0.5       , 1.        ])
    """
    fn = "softplus_grad"
    no_from_output(fn, from_output, "the output does not tell which side of the threshold x "
                   "was on; keep x")
    b, t = _softplus_params(fn, x, beta, threshold, grad)
    if bias is not None:
        return _biased_grad(bias, axis, False, fn, OP.D_SOFTPLUS, grad, x, out, b, t, _EXP,
                            pname="beta", nonzero=True)
    return binary(fn, OP.D_SOFTPLUS, grad, x, out, b, t, _EXP, pname="beta", nonzero=True)


def mish(x, out=None, bias=None, axis=1):
    r"""Mish: ``x * tanh(softplus(x))``, elementwise (Misra, 2019).

    Parameters
    ----------
    x : array_like
        The input: a float16, float32, float64 (or bfloat16) ndarray of any shape and strides,
        computed in its own precision (float16 and bfloat16 in float32, rounded once).
    out : ndarray, optional
        Where to write the result (any float dtype it casts to); ``out=x`` computes in place.
    bias : float or array_like, optional
        Keyword argument.  Compute ``mish(x + bias)`` in one pass (see :func:`relu`).
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    mish_grad : its gradient.
    silu : ``x * sigmoid(x)``, its close relative.

    Notes
    -----
    .. math:: \operatorname{mish}(x) = x \tanh\bigl(\log(1 + e^x)\bigr)
              = x\,\frac{n}{n + 2}, \quad n = e^x (e^x + 2)

    Computed from ``e^-|x|`` with no cancellation: relative accuracy in both tails
    (``x e^x`` far below 0, down to the subnormals).  NaN gives NaN; ``mish(-inf)`` is -0.0
    (the limit), ``mish(inf)`` is inf.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.mish(np.array([-1.0, 0.0, 1.0]))
    array([-0.30340146,  0.        ,  0.86509839])
    """
    if bias is not None:
        return _biased(bias, axis, "mish", OP.MISH, x, out, 0.0, 0.0, _EXP)
    return unary("mish", OP.MISH, x, out, 0.0, 0.0, _EXP)


def mish_grad(grad, x, out=None, bias=None, axis=1, *, from_output=False):
    r"""Gradient of :func:`mish`: ``grad * (tanh(sp) + x * sech(sp)**2 * sigmoid(x))``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the output, of x's shape (any float dtype).
    x : array_like
        mish's input.
    out : ndarray, optional
        Where to write the result; ``out=grad`` (or ``out=x``) computes in place.
    bias : float or array_like, optional
        Keyword argument.  The forward's bias: the call then returns ``(grad_x, grad_bias)``.
    axis : int, default 1
        Keyword argument.  The channel axis of a 1-D ``bias``.
    from_output : bool, default False
        Keyword-only, and must be False: mish is not monotonic (its output does not
        determine x), ValueError.

    Returns
    -------
    ndarray
        The gradient with respect to x: ``out`` itself when given.

    See Also
    --------
    mish : the forward.

    Notes
    -----
    sp = softplus(x).  The derivative is 0.6 at 0, 1 at ``inf`` and -0.0 at ``-inf`` (the
    limit, approached from below); it crosses zero near x = -1.19.  NaN in x gives NaN.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.mish_grad(np.ones(3), np.array([-1.0, 0.0, 1.0]))
    array([0.05921676, 0.6       , 1.04903622])
    """
    fn = "mish_grad"
    no_from_output(fn, from_output, "mish is not monotonic, its output does not determine x")
    if bias is not None:
        return _biased_grad(bias, axis, False, fn, OP.D_MISH, grad, x, out, 0.0, 0.0, _EXP)
    return binary(fn, OP.D_MISH, grad, x, out, 0.0, 0.0, _EXP)
