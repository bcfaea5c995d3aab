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
#
# With a bias (the last part): the forward adds it as x is loaded (_bits.h's bias modes) and
# writes f(x + bias) and the bits of x + bias; the gradient selects by the bits and sums the
# bias gradient per channel in the same pass, as _bias.pxi's fused gradients do.  The bias is
# laid over x as there: runs of `inner` elements, run r on channel r % C.  `inner` is 1 (rows
# of channels: the bias along the last axis) or a multiple of the row (a run is whole rows).

cdef extern from "_bits.h" nogil:
    enum:
        RF_MASK_RELU, RF_MASK_LEAKY, RF_MASK_LEAKY_ZERO, RF_MASK_RELU6
    void rf_mask_fwd_f(const float* x, float* y, unsigned char* m, Py_ssize_t n, int op,
                       float w)
    void rf_mask_fwd_d(const double* x, double* y, unsigned char* m, Py_ssize_t n, int op,
                       double w)
    void rf_mask_fwd_bias_f(const float* x, const float* b, Py_ssize_t C, Py_ssize_t p,
                            float bc, float* y, unsigned char* m, Py_ssize_t n, int op, float w)
    void rf_mask_fwd_bias_d(const double* x, const double* b, Py_ssize_t C, Py_ssize_t p,
                            double bc, double* y, unsigned char* m, Py_ssize_t n, int op,
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


# ---------------------------------------------------------------------------------------------
# with a bias: f(x + bias) and the bits of x + bias; the select and the bias gradient.  One pass
# each, where composing them takes two (x + bias, then the mask's forward in place; the select,
# then a sum of its result).

cdef inline void _mb_fwd_run(int op, const floating* x, const floating* bx, Py_ssize_t C,
                             Py_ssize_t p, floating bc, floating* y, unsigned char* m,
                             Py_ssize_t n, floating a) noexcept nogil:
    # bx != NULL: element i's bias is bx[(p + i) % C] (bx: C + 64 values); else bc
    if floating is float:
        rf_mask_fwd_bias_f(x, bx, C, p, bc, y, m, n, op, a)
    else:
        rf_mask_fwd_bias_d(x, bx, C, p, bc, y, m, n, op, a)


cdef void _mb_fwd_range(int op, const floating* x, const floating* bias, const floating* bx,
                        floating* y, unsigned char* m, Py_ssize_t C, Py_ssize_t inner,
                        Py_ssize_t lo, Py_ssize_t hi, floating a) noexcept nogil:
    # flat elements [lo, hi) of rows packed without padding (byte e / 8 holds element e's bit),
    # lo a multiple of 8: rows of channels in one run (bx), else a run per channel's run, each
    # starting on a row, so on a byte
    cdef Py_ssize_t s = lo, e, run
    if bx != NULL:
        _mb_fwd_run(op, x + lo, bx, C, lo % C, 0, y + lo, m + lo // 8, hi - lo, a)
        return
    while s < hi:
        run = s // inner
        e = min(hi, (run + 1) * inner)
        _mb_fwd_run(op, x + s, <const floating*>NULL, 1, 0, bias[run % C], y + s, m + s // 8,
                    e - s, a)
        s = e


cdef inline void _mb_fwd_row(int op, const floating* x, const floating* bias,
                             const floating* bx, floating* y, unsigned char* m, Py_ssize_t C,
                             Py_ssize_t inner, Py_ssize_t width, Py_ssize_t wb, Py_ssize_t r,
                             floating a) noexcept nogil:
    # row r, whose mask is padded to wb bytes
    cdef Py_ssize_t s = r * width
    if bx != NULL:
        _mb_fwd_run(op, x + s, bx, C, s % C, 0, y + s, m + r * wb, width, a)
    else:
        _mb_fwd_run(op, x + s, <const floating*>NULL, 1, 0, bias[(s // inner) % C], y + s,
                    m + r * wb, width, a)


cdef int _mask_bias_forward(int op, const floating* x, const floating* bias, floating* y,
                            unsigned char* m, Py_ssize_t rows, Py_ssize_t width, Py_ssize_t C,
                            Py_ssize_t inner, double a, int nt) noexcept nogil:
    # threads as _mask_forward's: chunks of whole mask cache lines, or whole rows
    cdef unsigned int fp
    cdef Py_ssize_t n = rows * width, wb = (width + 7) // 8, blk, c, lo, r, k
    cdef floating fa = <floating>a
    cdef floating* bx = NULL
    if n == 0:
        return DONE
    if C == 1:
        inner = n           # one bias for every element: a constant, not a row of one
    if inner == 1:
        # the bias along rows of C, repeated so that a vector read from any phase is whole
        bx = <floating*>malloc((C + 64) * sizeof(floating))
        if bx == NULL:
            return NOMEMORY
        for k in range(C + 64):  # not hot: C + 64 a call
            bx[k] = bias[k % C]
    if rows == 1 or width % 8 == 0:
        if nt <= 1:
            _mb_fwd_range(op, x, bias, bx, y, m, C, inner, 0, n, fa)
        else:
            blk = (((n + nt - 1) // nt) + _MASK_CHUNK - 1) & ~(<Py_ssize_t>_MASK_CHUNK - 1)
            for c in prange(nt, schedule="static", num_threads=nt):
                lo = c * blk
                fp = rf_ieee_begin()
                if lo < n:
                    _mb_fwd_range(op, x, bias, bx, y, m, C, inner, lo, min(blk, n - lo) + lo, fa)
                rf_ieee_end(fp)
    elif nt <= 1:
        for r in range(rows):
            _mb_fwd_row(op, x, bias, bx, y, m, C, inner, width, wb, r, fa)
    else:
        for r in prange(rows, schedule="static", num_threads=nt):
            fp = rf_ieee_begin()
            _mb_fwd_row(op, x, bias, bx, y, m, C, inner, width, wb, r, fa)
            rf_ieee_end(fp)
    free(bx)
    return DONE


cdef inline void _mb_select(const floating* g, const unsigned char* m, floating* out,
                            Py_ssize_t s, Py_ssize_t e, Py_ssize_t width, Py_ssize_t wb,
                            bint flat, floating w, int zero) noexcept nogil:
    # the select over flat elements [s, e): in one run (flat: byte s / 8 holds element s's
    # bit), else row by row (rows padded to wb bytes).  s, and each row's part, start on a byte
    cdef Py_ssize_t r, t
    if flat:
        _mask_grad_run(g + s, m + s // 8, out + s, e - s, w, zero)
        return
    while s < e:
        r = s // width
        t = min(e, (r + 1) * width)
        _mask_grad_run(g + s, m + r * wb + (s - r * width) // 8, out + s, t - s, w, zero)
        s = t


cdef void _mb_grad_range(const floating* g, const unsigned char* m, floating* out,
                         double* sums, Py_ssize_t C, Py_ssize_t inner, Py_ssize_t width,
                         Py_ssize_t wb, bint flat, Py_ssize_t lo, Py_ssize_t hi, floating w,
                         int zero) noexcept nogil:
    # the select over [lo, hi) and sums[c] += its sum over channel c's elements there, walked
    # as _bias_grad_range walks: rows of channels a few rows at a time (_sum_rows, from L1/L2),
    # a channel's run in lane sums over blocks of 4 KB (whole rows where rows are padded, so
    # that every select starts on a byte of the mask)
    cdef double lanes[_LANES]
    cdef Py_ssize_t s = lo, e, c, k, run, c0, cw, mm
    cdef Py_ssize_t step = (_BIAS_DOUBLES * 8) // <Py_ssize_t>sizeof(floating)
    cdef int R, r
    if not flat:
        step = max(1, step // width) * width
    while s < hi:
        if inner == 1:
            c = s % C
            if c == 0 and hi - s >= 2 * C:
                R = 8 if hi - s >= 8 * C else (4 if hi - s >= 4 * C else 2)
                c0 = 0
                while c0 < C:
                    cw = min(<Py_ssize_t>_COLS, C - c0)
                    for r in range(R):  # not hot: a call a row
                        _mb_select(g, m, out, s + r * C + c0, s + r * C + c0 + cw, width, wb,
                                   flat, w, zero)
                    _sum_rows(out + s + c0, C, cw, R, sums + c0)
                    c0 += cw
                s += R * C
            else:
                e = min(hi, s + C - c)
                _mb_select(g, m, out, s, e, width, wb, flat, w, zero)
                _sum_rows(out + s, C, e - s, 1, sums + c)
                s = e
        else:
            run = s // inner
            c = run % C
            e = min(hi, (run + 1) * inner)
            for k in range(_LANES):
                lanes[k] = 0
            while s < e:
                mm = min(step, e - s)
                _mb_select(g, m, out, s, s + mm, width, wb, flat, w, zero)
                _lanes_add(out + s, mm, lanes)
                s += mm
            sums[c] += _lanes_fold(lanes)


cdef int _mask_bias_gradient(const floating* g, const unsigned char* m, floating* out,
                             double* gb, Py_ssize_t rows, Py_ssize_t width, Py_ssize_t C,
                             Py_ssize_t inner, double w, int zero, int nt) noexcept nogil:
    # gb[c] = the bias gradient of channel c; per-part sums folded in part order, as
    # _bias_gradient's.  Threads take chunks of whole mask cache lines, or whole rows
    cdef unsigned int fp
    cdef Py_ssize_t n = rows * width, wb = (width + 7) // 8, blk, c, lo, k
    cdef int parts = _parts(nt)  # the sums' grouping, as _bias_gradient's
    cdef floating fw = <floating>w
    cdef bint flat = rows == 1 or width % 8 == 0
    cdef double* sums
    for k in range(C):
        gb[k] = 0
    if n == 0:
        return DONE
    if C == 1:
        inner = n
    if flat:
        blk = (((n + parts - 1) // parts) + _MASK_CHUNK - 1) & ~(<Py_ssize_t>_MASK_CHUNK - 1)
    else:
        blk = ((rows + parts - 1) // parts) * width
    if parts == 1 or blk >= n:
        _mb_grad_range(g, m, out, gb, C, inner, width, wb, flat, 0, n, fw, zero)
        return DONE
    sums = <double*>calloc(parts * C, sizeof(double))
    if sums == NULL:
        return NOMEMORY
    if nt <= 1:
        for c in range(parts):
            lo = c * blk
            if lo < n:
                _mb_grad_range(g, m, out, sums + c * C, C, inner, width, wb, flat, lo,
                               min(lo + blk, n), fw, zero)
    else:
        for c in prange(parts, schedule="static", num_threads=nt):
            lo = c * blk
            fp = rf_ieee_begin()
            if lo < n:
                _mb_grad_range(g, m, out, sums + c * C, C, inner, width, wb, flat, lo,
                               min(lo + blk, n), fw, zero)
            rf_ieee_end(fp)
    for c in range(parts):
        for k in range(C):  # not hot: C per part
            gb[k] += sums[c * C + k]
    free(sums)
    return DONE


cdef bint _mb_layout(Py_ssize_t n, Py_ssize_t C, Py_ssize_t inner, Py_ssize_t width) noexcept:
    # the bias tiles the array, its runs one element (rows of channels) or whole rows
    return (C > 0 and inner > 0 and n % (C * inner) == 0
            and (inner == 1 or (width > 0 and inner % width == 0)))


cdef int _mask_bias_forward_entry(int op, object x, object bias, object y, object m,
                                  Py_ssize_t rows, Py_ssize_t width, Py_ssize_t inner, double a,
                                  int nt, floating* dtype_tag) noexcept:
    # as _mask_forward_entry, with bias 1-D C-contiguous of the dtype, finite (_prelu.pxi's
    # _finite: the Python layer's attempt leaves that check here) and apart from y and m
    cdef unsigned int fp
    cdef Py_buffer xb, yb, mb, bb
    cdef char code = b'f' if floating is float else b'd'
    cdef int r = REFUSED
    cdef bint own_x = x is not y
    cdef bint nonzero   # (_finite's other answer, unused)
    cdef Py_ssize_t n = rows * width, nbytes = n * <Py_ssize_t>sizeof(floating), C
    if not _acquire(y, &yb, _BUF_WRITABLE, code, sizeof(floating)):
        return REFUSED
    if not _acquire(m, &mb, _BUF_WRITABLE, b'B', 1):
        _release_buffer(&yb)
        return REFUSED
    if not _acquire(bias, &bb, 0, code, sizeof(floating)):
        _release_buffer(&mb)
        _release_buffer(&yb)
        return REFUSED
    if own_x:
        if not _acquire(x, &xb, 0, code, sizeof(floating)):
            _release_buffer(&bb)
            _release_buffer(&mb)
            _release_buffer(&yb)
            return REFUSED
    else:
        xb = yb
    C = bb.len // <Py_ssize_t>sizeof(floating)
    if (xb.len == nbytes and yb.len == nbytes and mb.len == rows * ((width + 7) // 8)
            and _mb_layout(n, C, inner, width)
            and _finite(<const floating*>bb.buf, C, &nonzero)):
        if (_clash(xb.buf, yb.buf, nbytes) or not _apart(mb.buf, mb.len, yb.buf, nbytes)
                or not _apart(mb.buf, mb.len, xb.buf, nbytes)
                or not _apart(bb.buf, bb.len, yb.buf, nbytes)
                or not _apart(bb.buf, bb.len, mb.buf, mb.len)):
            r = OVERLAP
        else:
            with nogil:
                fp = rf_ieee_begin()
                r = _mask_bias_forward(op, <const floating*>xb.buf, <const floating*>bb.buf,
                                       <floating*>yb.buf, <unsigned char*>mb.buf, rows, width,
                                       C, inner, a, nt)
                rf_ieee_end(fp)
                if nt != 1:
                    rf_region_ended()
    if own_x:
        _release_buffer(&xb)
    _release_buffer(&bb)
    _release_buffer(&mb)
    _release_buffer(&yb)
    return r


cdef int _mask_bias_gradient_entry(object g, object m, object out, object gb, Py_ssize_t rows,
                                   Py_ssize_t width, Py_ssize_t inner, double w, int zero,
                                   int nt, floating* dtype_tag) noexcept:
    # as _mask_gradient_entry, with gb C float64 sums, writable and apart from the others
    cdef unsigned int fp
    cdef Py_buffer gbuf, ob, mb, sb
    cdef char code = b'f' if floating is float else b'd'
    cdef int r = REFUSED
    cdef bint own_g = g is not out
    cdef Py_ssize_t n = rows * width, nbytes = n * <Py_ssize_t>sizeof(floating), C
    if not _acquire(out, &ob, _BUF_WRITABLE, code, sizeof(floating)):
        return REFUSED
    if not _acquire(gb, &sb, _BUF_WRITABLE, b'd', 8):
        _release_buffer(&ob)
        return REFUSED
    if not _acquire(m, &mb, 0, b'B', 1):
        _release_buffer(&sb)
        _release_buffer(&ob)
        return REFUSED
    if own_g:
        if not _acquire(g, &gbuf, 0, code, sizeof(floating)):
            _release_buffer(&mb)
            _release_buffer(&sb)
            _release_buffer(&ob)
            return REFUSED
    else:
        gbuf = ob
    C = sb.len // 8
    if (gbuf.len == nbytes and ob.len == nbytes and mb.len == rows * ((width + 7) // 8)
            and _mb_layout(n, C, inner, width)):
        if (_clash(gbuf.buf, ob.buf, nbytes) or not _apart(mb.buf, mb.len, ob.buf, nbytes)
                or not _apart(sb.buf, sb.len, ob.buf, nbytes)
                or not _apart(sb.buf, sb.len, gbuf.buf, nbytes)
                or not _apart(sb.buf, sb.len, mb.buf, mb.len)):
            r = OVERLAP
        else:
            with nogil:
                fp = rf_ieee_begin()
                r = _mask_bias_gradient(<const floating*>gbuf.buf, <const unsigned char*>mb.buf,
                                        <floating*>ob.buf, <double*>sb.buf, rows, width, C,
                                        inner, w, zero, nt)
                rf_ieee_end(fp)
                if nt != 1:
                    rf_region_ended()
    if own_g:
        _release_buffer(&gbuf)
    _release_buffer(&mb)
    _release_buffer(&sb)
    _release_buffer(&ob)
    return r


def mask_bias_forward_f32(int op, x, bias, y, m, Py_ssize_t rows, Py_ssize_t width,
                          Py_ssize_t inner, double a, int nt):
    """y = f(x + bias[channel]) for MaskOp op and m = the bits of x + bias, float32; the flat
    array as runs of `inner` elements (1, or whole rows), run r on channel r % len(bias).
    A Status."""
    return _mask_bias_forward_entry(op, x, bias, y, m, rows, width, inner, a, nt, <float*>NULL)


def mask_bias_forward_f64(int op, x, bias, y, m, Py_ssize_t rows, Py_ssize_t width,
                          Py_ssize_t inner, double a, int nt):
    """As mask_bias_forward_f32, float64.  A Status."""
    return _mask_bias_forward_entry(op, x, bias, y, m, rows, width, inner, a, nt, <double*>NULL)


def mask_bias_gradient_f32(g, m, out, gb, Py_ssize_t rows, Py_ssize_t width, Py_ssize_t inner,
                           double w, bint zero, int nt):
    """out = the select of mask_gradient_f32 and gb[c] = the sum of out over channel c, in
    float64 (gb: one double per channel; channels laid as mask_bias_forward's), float32.
    A Status."""
    return _mask_bias_gradient_entry(g, m, out, gb, rows, width, inner, w, zero, nt,
                                     <float*>NULL)


def mask_bias_gradient_f64(g, m, out, gb, Py_ssize_t rows, Py_ssize_t width, Py_ssize_t inner,
                           double w, bint zero, int nt):
    """As mask_bias_gradient_f32, float64.  A Status."""
    return _mask_bias_gradient_entry(g, m, out, gb, rows, width, inner, w, zero, nt,
                                     <double*>NULL)
