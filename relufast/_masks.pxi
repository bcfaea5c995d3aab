# relufast/_masks.pxi: 1-bit masks (included by _kernels.pxi).
#
# relu, leaky_relu and relu6 have a derivative of two values, so their backward needs one bit an
# element.  The forward here writes y (the values of _fwd_chunk's, bit for bit) and the bits of
# x in one pass; the gradient selects grad by those bits.  The bits are in np.packbits' layout
# with bitorder="little", along the last axis: a row of L elements fills ceil(L/8) bytes,
# padding bits 0.  The loops are _bits.h's (why they are written with intrinsics: there).
#
# The operands are cut into runs that start on a byte of the mask: the whole array as one run
# when the rows pack without padding (L % 8 == 0, or one row), else one run per row.

cdef extern from "_bits.h" nogil:
    enum:
        RF_MASK_RELU, RF_MASK_LEAKY, RF_MASK_LEAKY_ZERO, RF_MASK_RELU6
    void rf_mask_fwd_f(const float* x, float* y, unsigned char* m, Py_ssize_t n, int op,
                       float w)
    void rf_mask_fwd_d(const double* x, double* y, unsigned char* m, Py_ssize_t n, int op,
                       double w)
    void rf_select_f(const float* g, const unsigned char* m, float* out, Py_ssize_t n,
                     float w, int zero)
    void rf_select_d(const double* g, const unsigned char* m, double* out, Py_ssize_t n,
                     double w, int zero)

cdef enum:
    # thread chunks of a flat run start on a multiple of this many elements: 64 bytes of mask,
    # so no two threads write one cache line of it
    _MASK_CHUNK = 512


cdef inline void _mask_fwd_run(int op, const floating* x, floating* y, unsigned char* m,
                               Py_ssize_t n, floating a) noexcept nogil:
    if floating is float:
        rf_mask_fwd_f(x, y, m, n, op, a)
    else:
        rf_mask_fwd_d(x, y, m, n, op, a)


cdef inline void _mask_grad_run(const floating* g, const unsigned char* m, floating* out,
                                Py_ssize_t n, floating w, int zero) noexcept nogil:
    if floating is float:
        rf_select_f(g, m, out, n, w, zero)
    else:
        rf_select_d(g, m, out, n, w, zero)


cdef void _mask_forward(int op, const floating* x, floating* y, unsigned char* m,
                        Py_ssize_t rows, Py_ssize_t width, double a, int nt) noexcept nogil:
    cdef unsigned int fp
    cdef Py_ssize_t n = rows * width, wb = (width + 7) // 8, blk, c, lo, r
    cdef floating fa = <floating>a
    if n == 0:
        return
    if rows == 1 or width % 8 == 0:
        if nt <= 1:
            _mask_fwd_run(op, x, y, m, n, fa)
            return
        blk = (((n + nt - 1) // nt) + _MASK_CHUNK - 1) & ~(<Py_ssize_t>_MASK_CHUNK - 1)
        for c in prange(nt, schedule="static", num_threads=nt):
            lo = c * blk
            fp = rf_ieee_begin()
            if lo < n:
                _mask_fwd_run(op, x + lo, y + lo, m + lo // 8, min(blk, n - lo), fa)
            rf_ieee_end(fp)
    elif nt <= 1:
        for r in range(rows):
            _mask_fwd_run(op, x + r * width, y + r * width, m + r * wb, width, fa)
    else:
        for r in prange(rows, schedule="static", num_threads=nt):
            fp = rf_ieee_begin()
            _mask_fwd_run(op, x + r * width, y + r * width, m + r * wb, width, fa)
            rf_ieee_end(fp)


cdef void _mask_gradient(const floating* g, const unsigned char* m, floating* out,
                         Py_ssize_t rows, Py_ssize_t width, double w, int zero,
                         int nt) noexcept nogil:
    cdef unsigned int fp
    cdef Py_ssize_t n = rows * width, wb = (width + 7) // 8, blk, c, lo, r
    cdef floating fw = <floating>w
    if n == 0:
        return
    if rows == 1 or width % 8 == 0:
        if nt <= 1:
            _mask_grad_run(g, m, out, n, fw, zero)
            return
        blk = (((n + nt - 1) // nt) + _MASK_CHUNK - 1) & ~(<Py_ssize_t>_MASK_CHUNK - 1)
        for c in prange(nt, schedule="static", num_threads=nt):
            lo = c * blk
            fp = rf_ieee_begin()
            if lo < n:
                _mask_grad_run(g + lo, m + lo // 8, out + lo, min(blk, n - lo), fw, zero)
            rf_ieee_end(fp)
    elif nt <= 1:
        for r in range(rows):
            _mask_grad_run(g + r * width, m + r * wb, out + r * width, width, fw, zero)
    else:
        for r in prange(rows, schedule="static", num_threads=nt):
            fp = rf_ieee_begin()
            _mask_grad_run(g + r * width, m + r * wb, out + r * width, width, fw, zero)
            rf_ieee_end(fp)


# Entry points: C-contiguous aligned buffers of the dtype (any shape), the mask C-contiguous
# uint8; rows * width elements and rows * ceil(width / 8) mask bytes.  An input may be the
# output itself (in place); anything else that overlaps is refused, as is a size that does not
# match.  DONE, or nothing written and OVERLAP or REFUSED.

cdef int _mask_forward_entry(int op, object x, object y, object m, Py_ssize_t rows,
                             Py_ssize_t width, double a, int nt, floating* dtype_tag) noexcept:
    cdef unsigned int fp
    cdef Py_buffer xb, yb, mb
    cdef char code = b'f' if floating is float else b'd'
    cdef int r = REFUSED
    cdef bint own_x = x is not y
    cdef Py_ssize_t nbytes = rows * width * <Py_ssize_t>sizeof(floating)
    if not _acquire(y, &yb, _BUF_WRITABLE, code, sizeof(floating)):
        return REFUSED
    if not _acquire(m, &mb, _BUF_WRITABLE, b'B', 1):
        _release_buffer(&yb)
        return REFUSED
    if own_x:
        if not _acquire(x, &xb, 0, code, sizeof(floating)):
            _release_buffer(&mb)
            _release_buffer(&yb)
            return REFUSED
    else:
        xb = yb
    if xb.len == nbytes and yb.len == nbytes and mb.len == rows * ((width + 7) // 8):
        if (_clash(xb.buf, yb.buf, nbytes) or not _apart(mb.buf, mb.len, yb.buf, nbytes)
                or not _apart(mb.buf, mb.len, xb.buf, nbytes)):
            r = OVERLAP
        else:
            with nogil:
                fp = rf_ieee_begin()
                _mask_forward(op, <const floating*>xb.buf, <floating*>yb.buf,
                              <unsigned char*>mb.buf, rows, width, a, nt)
                rf_ieee_end(fp)
                if nt != 1:
                    rf_region_ended()
            r = DONE
    if own_x:
        _release_buffer(&xb)
    _release_buffer(&mb)
    _release_buffer(&yb)
    return r


cdef int _mask_gradient_entry(object g, object m, object out, Py_ssize_t rows, Py_ssize_t width,
                              double w, int zero, int nt, floating* dtype_tag) noexcept:
    cdef unsigned int fp
    cdef Py_buffer gb, ob, mb
    cdef char code = b'f' if floating is float else b'd'
    cdef int r = REFUSED
    cdef bint own_g = g is not out
    cdef Py_ssize_t nbytes = rows * width * <Py_ssize_t>sizeof(floating)
    if not _acquire(out, &ob, _BUF_WRITABLE, code, sizeof(floating)):
        return REFUSED
    if not _acquire(m, &mb, 0, b'B', 1):
        _release_buffer(&ob)
        return REFUSED
    if own_g:
        if not _acquire(g, &gb, 0, code, sizeof(floating)):
            _release_buffer(&mb)
            _release_buffer(&ob)
            return REFUSED
    else:
        gb = ob
    if gb.len == nbytes and ob.len == nbytes and mb.len == rows * ((width + 7) // 8):
        if _clash(gb.buf, ob.buf, nbytes) or not _apart(mb.buf, mb.len, ob.buf, nbytes):
            r = OVERLAP
        else:
            with nogil:
                fp = rf_ieee_begin()
                _mask_gradient(<const floating*>gb.buf, <const unsigned char*>mb.buf,
                               <floating*>ob.buf, rows, width, w, zero, nt)
                rf_ieee_end(fp)
                if nt != 1:
                    rf_region_ended()
            r = DONE
    if own_g:
        _release_buffer(&gb)
    _release_buffer(&mb)
    _release_buffer(&ob)
    return r


cpdef enum MaskOp:
    MASK_RELU = RF_MASK_RELU
    MASK_LEAKY = RF_MASK_LEAKY              # a = the slope, nonzero
    MASK_LEAKY_ZERO = RF_MASK_LEAKY_ZERO    # a = +-0.0
    MASK_RELU6 = RF_MASK_RELU6


def mask_forward_f32(int op, x, y, m, Py_ssize_t rows, Py_ssize_t width, double a, int nt):
    """y = f(x) for MaskOp op and m = the bits of x (x > 0; relu6: 0 < x < 6), float32.
    A Status."""
    return _mask_forward_entry(op, x, y, m, rows, width, a, nt, <float*>NULL)


def mask_forward_f64(int op, x, y, m, Py_ssize_t rows, Py_ssize_t width, double a, int nt):
    """y = f(x) for MaskOp op and m = the bits of x (x > 0; relu6: 0 < x < 6), float64.
    A Status."""
    return _mask_forward_entry(op, x, y, m, rows, width, a, nt, <double*>NULL)


def mask_gradient_f32(g, m, out, Py_ssize_t rows, Py_ssize_t width, double w, bint zero, int nt):
    """out = g where m's bit is set, else +0.0 (zero) or w * g, float32.  A Status."""
    return _mask_gradient_entry(g, m, out, rows, width, w, zero, nt, <float*>NULL)


def mask_gradient_f64(g, m, out, Py_ssize_t rows, Py_ssize_t width, double w, bint zero, int nt):
    """out = g where m's bit is set, else +0.0 (zero) or w * g, float64.  A Status."""
    return _mask_gradient_entry(g, m, out, rows, width, w, zero, nt, <double*>NULL)
