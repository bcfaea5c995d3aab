# relufast/_rrelu.pxi: rrelu in training, its random slopes and their gradient (included by
# _kernels.pxi after _elementwise.pxi, whose element functions and entry-point ladder it uses).
#
# rrelu in evaluation is leaky_relu with the mean slope and needs nothing here.  In training the
# slope of each element is a function of the call's key and the element's C-order index
# (_rrelu.h), so the chunk loops take the index of their first element, and the result is the
# same for every thread count and chunking.  The entry points take C-contiguous operands of one
# dtype only (the index is the C-order one); the Python layer (_rrelu.py) lays out the rest.


# ---------------------------------------------------------------------------------------------
# 1. element functions

# the slope in the dtype is rf_rrelu_slope's double, rounded once to float for float (the
# loops below cast it where they use it)

cdef inline floating _g_rrelu(floating g, floating x, floating s) noexcept nogil:
    # PyTorch's noise: 1 for x > 0, the slope for x <= 0 (so at 0 too); NaN x gives NaN, and a
    # zero slope gives exactly 0 whatever g holds (_chain)
    cdef floating r = g if x > 0 else _chain(g, s)
    return r if x == x else x   # (not nested: _elementwise.pxi's _g_relu says why)


# ---------------------------------------------------------------------------------------------
# 2. chunk loops: elements [base, base + n) of the flat C-order array, at x, y

cdef void _rr_fwd_chunk(const floating* x, floating* y, Py_ssize_t n, unsigned long long base,
                        unsigned long long key, double lo, double span, double hi) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = _leaky(x[i], <floating>rf_rrelu_slope(key, base + <unsigned long long>i, lo,
                                                     span, hi))


cdef void _rr_grad_chunk(const floating* g, const floating* x, floating* out, Py_ssize_t n,
                         unsigned long long base, unsigned long long key, double lo, double span,
                         double hi, bint narrow) noexcept nogil:
    cdef Py_ssize_t i
    if narrow:  # a double gradient of a float forward: the float slopes, widened
        for i in range(n):  # double only
            out[i] = _g_rrelu(g[i], x[i], <floating><float>rf_rrelu_slope(
                key, base + <unsigned long long>i, lo, span, hi))
    else:
        for i in range(n):
            out[i] = _g_rrelu(g[i], x[i], <floating>rf_rrelu_slope(
                key, base + <unsigned long long>i, lo, span, hi))


# ---------------------------------------------------------------------------------------------
# 3. drivers and entry points (as _elementwise.pxi's: one chunk per thread, or inline)

cdef void _rr_forward(const floating* x, floating* y, Py_ssize_t n, unsigned long long key,
                      double lo, double hi, int nt) noexcept nogil:
    cdef unsigned int fp
    cdef Py_ssize_t blk, c, s
    cdef Py_ssize_t h = _head(y, n, sizeof(floating))
    cdef double span = rf_rrelu_span(lo, hi)
    if n == 0:
        return
    if nt <= 1:
        _rr_fwd_chunk(x, y, n, 0, key, lo, span, hi)
    else:
        blk = _block(n - h, nt)
        for c in prange(nt, schedule="static", num_threads=nt):
            s = h + c * blk
            fp = rf_ieee_begin()
            if c == 0:
                _rr_fwd_chunk(x, y, h, 0, key, lo, span, hi)
            if s < n:
                _rr_fwd_chunk(x + s, y + s, min(blk, n - s), <unsigned long long>s, key, lo,
                              span, hi)
            rf_ieee_end(fp)


cdef void _rr_gradient(const floating* g, const floating* x, floating* out, Py_ssize_t n,
                       unsigned long long key, double lo, double hi, bint narrow,
                       int nt) noexcept nogil:
    cdef unsigned int fp
    cdef Py_ssize_t blk, c, s
    cdef Py_ssize_t h = _head(out, n, sizeof(floating))
    cdef double span = rf_rrelu_span(lo, hi)
    if n == 0:
        return
    if nt <= 1:
        _rr_grad_chunk(g, x, out, n, 0, key, lo, span, hi, narrow)
    else:
        blk = _block(n - h, nt)
        for c in prange(nt, schedule="static", num_threads=nt):
            s = h + c * blk
            fp = rf_ieee_begin()
            if c == 0:
                _rr_grad_chunk(g, x, out, h, 0, key, lo, span, hi, narrow)
            if s < n:
                _rr_grad_chunk(g + s, x + s, out + s, min(blk, n - s), <unsigned long long>s,
                               key, lo, span, hi, narrow)
            rf_ieee_end(fp)


cdef int _rr_forward_entry(object x, object y, double lo, double hi, unsigned long long key,
                           int nt, floating* dtype_tag) noexcept:
    cdef unsigned int fp
    cdef Py_buffer xb, yb
    cdef char code = b'f' if floating is float else b'd'
    cdef int r = REFUSED
    cdef int kinds[3]
    if not _acquire_ops(None, x, y, NULL, &xb, &yb, False, code, sizeof(floating), kinds):
        return REFUSED
    if _shapes_match(&xb, &yb):
        if _clash(xb.buf, yb.buf, yb.len):
            r = OVERLAP
        else:
            with nogil:
                fp = rf_ieee_begin()
                _rr_forward(<const floating*>xb.buf, <floating*>yb.buf,
                            yb.len // <Py_ssize_t>sizeof(floating), key, lo, hi, nt)
                rf_ieee_end(fp)
                if nt != 1:
                    rf_region_ended()
            r = DONE
    _release_ops(None, x, y, NULL, &xb, &yb, False)
    return r


cdef int _rr_gradient_entry(object g, object x, object out, double lo, double hi,
                            unsigned long long key, bint narrow, int nt,
                            floating* dtype_tag) noexcept:
    cdef unsigned int fp
    cdef Py_buffer gb, xb, ob
    cdef char code = b'f' if floating is float else b'd'
    cdef int r = REFUSED
    cdef int kinds[3]
    cdef Py_ssize_t nb
    if not _acquire_ops(g, x, out, &gb, &xb, &ob, True, code, sizeof(floating), kinds):
        return REFUSED
    if _shapes_match(&gb, &ob) and _shapes_match(&xb, &ob):
        nb = ob.len
        if _clash(gb.buf, ob.buf, nb) or _clash(xb.buf, ob.buf, nb):
            r = OVERLAP
        else:
            with nogil:
                fp = rf_ieee_begin()
                _rr_gradient(<const floating*>gb.buf, <const floating*>xb.buf,
                             <floating*>ob.buf, nb // <Py_ssize_t>sizeof(floating), key, lo, hi,
                             narrow and floating is double, nt)
                rf_ieee_end(fp)
                if nt != 1:
                    rf_region_ended()
            r = DONE
    _release_ops(g, x, out, &gb, &xb, &ob, True)
    return r


def rrelu_forward_f32(x, y, double lower, double upper, unsigned long long key, int nt):
    """y = rrelu(x) in training with the slopes of `key` (float32, C order): a Status."""
    return _rr_forward_entry(x, y, lower, upper, key, nt, <float*>NULL)


def rrelu_forward_f64(x, y, double lower, double upper, unsigned long long key, int nt):
    """y = rrelu(x) in training with the slopes of `key` (float64, C order): a Status."""
    return _rr_forward_entry(x, y, lower, upper, key, nt, <double*>NULL)


def rrelu_gradient_f32(g, x, out, double lower, double upper, unsigned long long key,
                       bint narrow, int nt):
    """out = g * rrelu'(x) in training (float32, C order): a Status."""
    return _rr_gradient_entry(g, x, out, lower, upper, key, False, nt, <float*>NULL)


def rrelu_gradient_f64(g, x, out, double lower, double upper, unsigned long long key,
                       bint narrow, int nt):
    """out = g * rrelu'(x) in training (float64, C order; `narrow`: the float32 forward's
    slopes, rounded to float and widened): a Status."""
    return _rr_gradient_entry(g, x, out, lower, upper, key, narrow, nt, <double*>NULL)


def rrelu_slopes(out, double lower, double upper, unsigned long long key, bint single):
    """out[i] = the slope of C-order element i under `key` (float64 out; `single`: rounded to
    float32 first).  For RReLUNoise.slopes and the tests."""
    cdef double[::1] o = out
    cdef Py_ssize_t i
    cdef double span = rf_rrelu_span(lower, upper)
    with nogil:
        for i in range(o.shape[0]):  # not hot
            o[i] = (<double><float>rf_rrelu_slope(key, <unsigned long long>i, lower, span, upper)
                    if single else rf_rrelu_slope(key, <unsigned long long>i, lower, span, upper))
    return out
