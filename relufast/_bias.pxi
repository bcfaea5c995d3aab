# relufast/_bias.pxi: a bias fused into the activation, f(x + bias), and its gradient with
# the bias gradient, each in one pass (included by _kernels.pxi).
#
# A layer computes y = f(x W + b).  Unfused, the bias costs a pass of its own each way
# (`z += b`, then f; the gradient, then `g.sum(axis=0)`); here x + b is formed block by block
# in L1 and handed to the same chunk loops as relufast's own f and f_grad, so the values are
# bitwise the composition's: f(x + b) with x + b rounded in the compute dtype, and
# f_grad(g, x + b) (or from the output y, where f allows it) with the bias gradient the sum of
# that result over every element of the bias's channel, accumulated in float64 (16 lanes over
# a run, or one sum per position along a row of channels), per thread, folded in thread order.
#
# The bias is laid over x as prelu's weight is: the flat array as runs of `inner` elements, run
# r on channel r % C.  A walk over [lo, hi) goes in segments that share one bias (inner > 1) or
# that run along a row of channels (inner == 1); every segment in blocks of 4 KB.

cdef enum:
    # a block of x + b: 4 KB on the stack, 1,024 float32 or 512 float64 elements.  The chunk
    # loops it feeds have a setup per call (the AVX-512 table loops load their coefficients
    # into registers): over 256 float32 elements that made the fused gelu gradient slower than
    # the unfused one
    _BIAS_DOUBLES = 512
# a segment with one bias is summed in prelu's _LANES lane sums (_prelu.pxi says why)


# ---------------------------------------------------------------------------------------------
# 1. chunk loops

cdef enum:
    # the bias gradient of a row of channels (inner == 1) is summed over up to _ROWS rows at a
    # time, in registers, then added to the thread's C sums: one read-modify-write of the
    # float64 sums per _ROWS rows rather than per row (8 bytes stored per element, twice the
    # element's own store, made the store port the bound of the fused gradient)
    _ROWS = 8
    # columns per group of rows: _ROWS rows of _COLS float32 are 64 KB, in L2 when summed
    _COLS = 2048


cdef inline bint _bias_direct(int op, floating a) noexcept nogil:
    # ops whose element function is a select or two: x + b is added in the same loop (one
    # pass in registers) rather than through a block in L1, whose extra store would make
    # these loops, which run at the store port's speed in cache, twice as slow
    return op == RELU or op == RELU6 or (op == LEAKY and a != 0)


cdef inline void _bias_fwd_direct(int op, const floating* x, const floating* bias,
                                  floating bc, bint row, floating* y, Py_ssize_t m,
                                  floating a) noexcept nogil:
    # y = f(x + bias[k]) (row) or f(x + bc) over m elements, for the _bias_direct ops
    cdef Py_ssize_t k
    if op == RELU:
        if row:
            for k in range(m):
                y[k] = _relu(x[k] + bias[k])
        else:
            for k in range(m):
                y[k] = _relu(x[k] + bc)
    elif op == RELU6:
        if row:
            for k in range(m):
                y[k] = _relu6(x[k] + bias[k])
        else:
            for k in range(m):
                y[k] = _relu6(x[k] + bc)
    else:
        if row:
            for k in range(m):
                y[k] = _leaky_nz(x[k] + bias[k], a)
        else:
            for k in range(m):
                y[k] = _leaky_nz(x[k] + bc, a)


# The loops that add the bias as x is loaded.  Each transcendental op's loops are a function of
# their own: one function holding them all grew past gcc's inlining limits, and some of its
# loops (and loops elsewhere in the module) were left calling their element function, not
# vectorized (tools/vecreport.py).

cdef void _fb_elu(const floating* x, const floating* bias, floating* y, Py_ssize_t n,
                  floating a, floating b) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = _elu(x[i] + bias[i], a, b)


cdef void _fb_celu(const floating* x, const floating* bias, floating* y, Py_ssize_t n,
                   floating a) noexcept nogil:
    cdef Py_ssize_t i
    if a > 0:
        for i in range(n):
            y[i] = _celu(x[i] + bias[i], a)
    else:
        for i in range(n):
            y[i] = _celu_neg(x[i] + bias[i], a)


cdef void _fb_gelu(const floating* x, const floating* bias, floating* y,
                   Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if floating is float:
        if rf_tab_on:
            rf_tab_gelu_b_f(x, bias, y, n)
            return
    for i in range(n):
        y[i] = _gelu(x[i] + bias[i])


cdef void _fb_gelu_tanh(const floating* x, const floating* bias, floating* y,
                        Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if floating is float:
        if rf_tab_on:
            rf_tab_gelu_tanh_b_f(x, bias, y, n)
            return
    for i in range(n):
        y[i] = _gelu_tanh(x[i] + bias[i])


cdef void _fb_silu(const floating* x, const floating* bias, floating* y,
                   Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if floating is float:
        if rf_tab_on:
            rf_tab_silu_b_f(x, bias, y, n)
            return
    for i in range(n):
        y[i] = _silu(x[i] + bias[i])


cdef void _gb_elu(const floating* g, const floating* x, const floating* bias, floating* out,
                  Py_ssize_t n, floating a, floating b) noexcept nogil:
    cdef Py_ssize_t i
    if (a <= 18446744073709551616.0) & (a >= -18446744073709551616.0):   # |sa| <= 2**64
        for i in range(n):
            out[i] = _chain(g[i], _d_elu(x[i] + bias[i], a, b))
    else:
        for i in range(n):
            out[i] = _chain(g[i], _d_elu_big(x[i] + bias[i], a, b))


cdef void _gb_celu(const floating* g, const floating* x, const floating* bias, floating* out,
                   Py_ssize_t n, floating a) noexcept nogil:
    cdef Py_ssize_t i
    if a > 0:
        for i in range(n):
            out[i] = _chain(g[i], _d_celu(x[i] + bias[i], a))
    else:
        for i in range(n):
            out[i] = _g_celu_neg(g[i], x[i] + bias[i], a)


cdef void _gb_gelu(const floating* g, const floating* x, const floating* bias, floating* out,
                   Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if floating is float:
        if rf_tab_on:
            rf_tab_gelu_grad_b_f(g, x, bias, out, n)
            return
    for i in range(n):
        out[i] = _chain(g[i], _d_gelu(x[i] + bias[i]))


cdef void _gb_gelu_tanh(const floating* g, const floating* x, const floating* bias,
                        floating* out, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if floating is float:
        if rf_tab_on:
            rf_tab_gelu_tanh_grad_b_f(g, x, bias, out, n)
            return
    for i in range(n):
        out[i] = _chain(g[i], _d_gelu_tanh(x[i] + bias[i]))


cdef void _gb_silu(const floating* g, const floating* x, const floating* bias, floating* out,
                   Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if rf_tab_on:
        if floating is float:
            rf_tab_silu_grad_b_f(g, x, bias, out, n)
        else:
            rf_tab_silu_grad_b_d(g, x, bias, out, n)
        return
    for i in range(n):
        out[i] = _chain(g[i], _d_silu(x[i] + bias[i]))


cdef bint _fwd_chunk_b(int op, const floating* x, const floating* bias, floating* y,
                       Py_ssize_t n, floating a, floating b) noexcept nogil:
    # y = f(x + bias), _fwd_chunk's loops with the bias added as x is loaded (x + bias rounded
    # in the dtype, then f: the composition's bits).  x is read from memory in the loop that
    # computes, so its cache misses overlap the computation; a block of x + bias formed first
    # took them in a loop that did nothing else (the fused gradients ran slower than the
    # gradient and a NumPy sum).  0 for an op without a loop here: the caller forms the block.
    cdef Py_ssize_t i
    if op == LEAKY:
        for i in range(n):
            y[i] = _leaky(x[i] + bias[i], a)
    elif op == ELU:
        _fb_elu(x, bias, y, n, a, b)
    elif op == CELU:
        _fb_celu(x, bias, y, n, a)
    elif op == GELU:
        _fb_gelu(x, bias, y, n)
    elif op == GELU_TANH:
        _fb_gelu_tanh(x, bias, y, n)
    elif op == SILU:
        _fb_silu(x, bias, y, n)
    elif op == HARDTANH:
        for i in range(n):
            y[i] = _hardtanh(x[i] + bias[i], a, b)
    elif op == THRESHOLD:
        for i in range(n):
            y[i] = _threshold(x[i] + bias[i], a, b)
    elif op == HARDSIGMOID:
        for i in range(n):
            y[i] = _hardsigmoid(x[i] + bias[i])
    elif op == HARDSWISH:
        for i in range(n):
            y[i] = _hardswish(x[i] + bias[i])
    elif op == RELU_SQUARED:
        for i in range(n):
            y[i] = _relu_squared(x[i] + bias[i])
    else:
        return 0
    return 1


cdef bint _grad_chunk_b(int op, const floating* g, const floating* x, const floating* bias,
                        floating* out, Py_ssize_t n, floating a, floating b) noexcept nogil:
    # out = f_grad(g, x + bias): _grad_chunk's loops, the bias added as x is loaded (as
    # _fwd_chunk_b, and why).  0 for an op without a loop here.
    cdef Py_ssize_t i
    if op == D_RELU:
        for i in range(n):
            out[i] = _g_relu(g[i], x[i] + bias[i])
    elif op == D_LEAKY:
        if a != 0:
            for i in range(n):
                out[i] = _g_leaky_nz(g[i], x[i] + bias[i], a)
        else:
            for i in range(n):
                out[i] = _chain(g[i], _d_leaky(x[i] + bias[i], a))
    elif op == D_ELU:
        _gb_elu(g, x, bias, out, n, a, b)
    elif op == D_CELU:
        _gb_celu(g, x, bias, out, n, a)
    elif op == D_RELU6:
        for i in range(n):
            out[i] = _g_relu6(g[i], x[i] + bias[i])
    elif op == D_GELU:
        _gb_gelu(g, x, bias, out, n)
    elif op == D_GELU_TANH:
        _gb_gelu_tanh(g, x, bias, out, n)
    elif op == D_SILU:
        _gb_silu(g, x, bias, out, n)
    elif op == D_HARDTANH:
        for i in range(n):
            out[i] = _g_hardtanh(g[i], x[i] + bias[i], a, b)
    elif op == D_THRESHOLD:
        for i in range(n):
            out[i] = _g_threshold(g[i], x[i] + bias[i], a)
    elif op == D_HARDSIGMOID:
        for i in range(n):
            out[i] = _g_hardsigmoid(g[i], x[i] + bias[i])
    elif op == D_HARDSWISH:
        for i in range(n):
            out[i] = _chain(g[i], _d_hardswish(x[i] + bias[i]))
    elif op == D_RELU_SQUARED:
        for i in range(n):
            out[i] = _chain(g[i], _d_relu_squared(x[i] + bias[i]))
    else:
        return 0
    return 1


cdef void _fwd_seg(int op, const floating* x, const floating* bias, floating* y, Py_ssize_t m,
                   floating a, floating b, floating* z, Py_ssize_t block) noexcept nogil:
    # y = f(x + bias) over m elements: in one loop, or for an op without one through blocks
    # of x + bias in z (block elements)
    cdef Py_ssize_t s = 0, k, w
    if _fwd_chunk_b(op, x, bias, y, m, a, b):
        return
    while s < m:
        w = min(block, m - s)
        for k in range(w):
            z[k] = x[s + k] + bias[s + k]
        _fwd_chunk(op, z, y + s, w, a, b)
        s += w


cdef void _grad_seg(int dop, bint from_y, const floating* g, const floating* x,
                    const floating* bias, floating* out, Py_ssize_t m, floating a, floating b,
                    floating* z, Py_ssize_t block) noexcept nogil:
    # out = f_grad(g, x + bias) (from_y: f_grad(g, x)) over m elements, as _fwd_seg
    cdef Py_ssize_t s = 0, k, w
    if from_y:
        _grad_chunk(dop, g, x, out, m, a, b)
        return
    if _grad_chunk_b(dop, g, x, bias, out, m, a, b):
        return
    while s < m:
        w = min(block, m - s)
        for k in range(w):
            z[k] = x[s + k] + bias[s + k]
        _grad_chunk(dop, g + s, z, out + s, w, a, b)
        s += w


cdef void _sum_rows(const floating* o, Py_ssize_t C, Py_ssize_t w, int R,
                    double* sums) noexcept nogil:
    # sums[k] += the sum over R rows (R = 1, 2, 4 or 8; row r at o + r * C) of o[k], k < w:
    # in float64, pairwise across the rows, one read-modify-write of sums per R rows
    cdef Py_ssize_t k
    cdef const floating* o1
    cdef const floating* o2
    cdef const floating* o3
    cdef const floating* o4
    cdef const floating* o5
    cdef const floating* o6
    cdef const floating* o7
    if R == 1:
        for k in range(w):
            sums[k] += <double>o[k]
        return
    o1 = o + C
    if R == 2:
        for k in range(w):
            sums[k] += <double>o[k] + <double>o1[k]
        return
    o2 = o1 + C
    o3 = o2 + C
    if R == 4:
        for k in range(w):
            sums[k] += (<double>o[k] + <double>o1[k]) + (<double>o2[k] + <double>o3[k])
        return
    o4 = o3 + C
    o5 = o4 + C
    o6 = o5 + C
    o7 = o6 + C
    for k in range(w):
        sums[k] += (((<double>o[k] + <double>o1[k]) + (<double>o2[k] + <double>o3[k]))
                    + ((<double>o4[k] + <double>o5[k]) + (<double>o6[k] + <double>o7[k])))


cdef inline void _lanes_add(const floating* o, Py_ssize_t m, double* lanes) noexcept nogil:
    # lanes[k] += o[j] for every j = k (mod _LANES), j < m: the sum of a run with one bias
    cdef Py_ssize_t j, k, mm = m - m % _LANES
    for j in range(0, mm // _LANES):
        for k in range(_LANES):
            lanes[k] += <double>o[j * _LANES + k]
    for j in range(mm, m):  # not hot: the last few of a block
        lanes[j - mm] += <double>o[j]


cdef inline double _lanes_fold(double* lanes) noexcept nogil:
    # the lanes' total, pairwise
    cdef Py_ssize_t k, hh = _LANES
    while hh > 1:
        hh //= 2
        for k in range(hh):  # not hot: once a run
            lanes[k] += lanes[k + hh]
    return lanes[0]


cdef void _bias_fwd_range(int op, const floating* x, const floating* bias, floating* y,
                          Py_ssize_t C, Py_ssize_t inner, Py_ssize_t lo, Py_ssize_t hi,
                          floating a, floating b) noexcept nogil:
    # y = f(x + bias[channel]) over flat elements [lo, hi)
    cdef double zraw[_BIAS_DOUBLES]
    cdef floating* z = <floating*>zraw
    cdef Py_ssize_t block = sizeof(zraw) // sizeof(floating)
    cdef Py_ssize_t s = lo, e, c, m, k, run
    cdef floating bc = 0
    cdef bint direct = _bias_direct(op, a)
    # does the op have a loop that adds the bias itself (asked with no elements)?
    cdef bint fused = _fwd_chunk_b(op, x, bias, y, 0, a, b)
    while s < hi:
        if inner == 1:
            c = s % C
            e = min(hi, s + C - c)      # to the end of this row of channels
            if direct:
                _bias_fwd_direct(op, x + s, bias + c, bc, True, y + s, e - s, a)
            else:
                _fwd_seg(op, x + s, bias + c, y + s, e - s, a, b, z, block)
            s = e
        else:
            run = s // inner
            bc = bias[run % C]
            e = min(hi, (run + 1) * inner)
            if direct:
                _bias_fwd_direct(op, x + s, bias, bc, False, y + s, e - s, a)
                s = e
                continue
            if fused:
                # the run's bias as a block of copies, for the loops that add one per element
                m = min(block, e - s)
                for k in range(m):
                    z[k] = bc
            while s < e:
                m = min(block, e - s)
                if fused:
                    _fwd_chunk_b(op, x + s, z, y + s, m, a, b)
                else:  # an op without such a loop: x + bias in z first
                    for k in range(m):
                        z[k] = x[s + k] + bc
                    _fwd_chunk(op, z, y + s, m, a, b)
                s += m


cdef void _bias_grad_range(int dop, bint from_y, const floating* g, const floating* x,
                           const floating* bias, floating* out, double* sums, Py_ssize_t C,
                           Py_ssize_t inner, Py_ssize_t lo, Py_ssize_t hi, floating a,
                           floating b) noexcept nogil:
    # out = f_grad(g, x + bias) (from_y: f_grad(g, x), x being the output) over [lo, hi), and
    # sums[c] += the sum of out over channel c's elements there (sums: C doubles, this thread's)
    cdef double zraw[_BIAS_DOUBLES]
    cdef floating* z = <floating*>zraw
    cdef Py_ssize_t block = sizeof(zraw) // sizeof(floating)
    cdef double lanes[_LANES]
    cdef Py_ssize_t s = lo, e, c, m, k, run, c0, w
    cdef int R, r
    cdef floating bc
    # does the op have a loop that adds the bias itself (asked with no elements)?
    cdef bint fused = _grad_chunk_b(dop, g, x, bias, out, 0, a, b)
    while s < hi:
        if inner == 1:
            c = s % C
            if c == 0 and hi - s >= 2 * C:
                # whole rows, up to _ROWS at a time, in column groups of up to _COLS
                R = 8 if hi - s >= 8 * C else (4 if hi - s >= 4 * C else 2)
                c0 = 0
                while c0 < C:
                    w = min(<Py_ssize_t>_COLS, C - c0)
                    for r in range(R):  # not hot: a call a row
                        _grad_seg(dop, from_y, g + s + r * C + c0, x + s + r * C + c0,
                                  bias + c0, out + s + r * C + c0, w, a, b, z, block)
                    _sum_rows(out + s + c0, C, w, R, sums + c0)
                    c0 += w
                s += R * C
            else:
                # a part of a row, where a thread's range starts or ends
                e = min(hi, s + C - c)
                _grad_seg(dop, from_y, g + s, x + s, bias + c, out + s, e - s, a, b, z, block)
                _sum_rows(out + s, C, e - s, 1, sums + c)
                s = e
        else:
            run = s // inner
            c = run % C
            bc = bias[c]
            e = min(hi, (run + 1) * inner)
            for k in range(_LANES):
                lanes[k] = 0
            if fused:
                # the run's bias as a block of copies, for the loops that add one per element
                m = min(block, e - s)
                for k in range(m):
                    z[k] = bc
            while s < e:
                m = min(block, e - s)
                if from_y:
                    _grad_chunk(dop, g + s, x + s, out + s, m, a, b)
                elif fused:
                    _grad_chunk_b(dop, g + s, x + s, z, out + s, m, a, b)
                else:  # an op without such a loop: x + bias in z first
                    for k in range(m):
                        z[k] = x[s + k] + bc
                    _grad_chunk(dop, g + s, z, out + s, m, a, b)
                _lanes_add(out + s, m, lanes)
                s += m
            sums[c] += _lanes_fold(lanes)


# ---------------------------------------------------------------------------------------------
# 2. drivers and entry points

cdef void _bias_forward(int op, const floating* x, const floating* bias, floating* y,
                        Py_ssize_t n, Py_ssize_t C, Py_ssize_t inner, double a, double b,
                        int nt) noexcept nogil:
    cdef unsigned int fp
    cdef Py_ssize_t blk, c, lo
    cdef floating fa = <floating>a, fb = <floating>b
    if n == 0:
        return
    if nt <= 1:
        _bias_fwd_range(op, x, bias, y, C, inner, 0, n, fa, fb)
        return
    blk = _block(n, nt)
    for c in prange(nt, schedule="static", num_threads=nt):
        lo = c * blk
        fp = rf_ieee_begin()
        if lo < n:
            _bias_fwd_range(op, x, bias, y, C, inner, lo, min(lo + blk, n), fa, fb)
        rf_ieee_end(fp)


cdef int _bias_gradient(int dop, bint from_y, const floating* g, const floating* x,
                        const floating* bias, floating* out, double* gb, Py_ssize_t n,
                        Py_ssize_t C, Py_ssize_t inner, double a, double b,
                        int nt) noexcept nogil:
    # gb[c] = the bias gradient of channel c, in double; each part (_parts: one per thread)
    # sums into its own C doubles, folded in part order (the same result for a given thread
    # count, run threaded or inline)
    cdef unsigned int fp
    cdef Py_ssize_t blk, c, lo, k
    cdef int parts = _parts(nt)
    cdef floating fa = <floating>a, fb = <floating>b
    cdef double* sums
    for k in range(C):
        gb[k] = 0
    if n == 0:
        return DONE
    if parts == 1:
        _bias_grad_range(dop, from_y, g, x, bias, out, gb, C, inner, 0, n, fa, fb)
        return DONE
    sums = <double*>calloc(parts * C, sizeof(double))
    if sums == NULL:
        return NOMEMORY
    blk = _block(n, parts)
    if nt <= 1:
        for c in range(parts):
            lo = c * blk
            if lo < n:
                _bias_grad_range(dop, from_y, g, x, bias, out, sums + c * C, C, inner, lo,
                                 min(lo + blk, n), fa, fb)
    else:
        for c in prange(parts, schedule="static", num_threads=nt):
            lo = c * blk
            fp = rf_ieee_begin()
            if lo < n:
                _bias_grad_range(dop, from_y, g, x, bias, out, sums + c * C, C, inner, lo,
                                 min(lo + blk, n), fa, fb)
            rf_ieee_end(fp)
    for c in range(parts):
        for k in range(C):  # not hot: C per part
            gb[k] += sums[c * C + k]
    free(sums)
    return DONE


cdef int _bias_forward_entry(int op, object x, object bias, object y, Py_ssize_t inner,
                             double a, double b, int nt, floating* tag) noexcept:
    # x and y C-contiguous of one dtype and size (y may be x), bias 1-D C-contiguous of that
    # dtype, finite (_prelu.pxi's _finite: the Python layer's attempt leaves that check to the
    # entry, so that the checked path names a non-finite bias) and apart from y; C = len(bias)
    # and inner must tile x: DONE, or nothing written
    cdef Py_buffer xb, yb, bb
    cdef char code = b'f' if floating is float else b'd'
    cdef unsigned int fp
    cdef int r = REFUSED
    cdef bint own_x = x is not y
    cdef bint nonzero   # (_finite's other answer, unused)
    cdef Py_ssize_t n, C
    if not _acquire(y, &yb, _BUF_WRITABLE, code, sizeof(floating)):
        return REFUSED
    if not _acquire(bias, &bb, 0, code, sizeof(floating)):
        _release_buffer(&yb)
        return REFUSED
    if own_x:
        if not _acquire(x, &xb, 0, code, sizeof(floating)):
            _release_buffer(&bb)
            _release_buffer(&yb)
            return REFUSED
    else:
        xb = yb
    n = yb.len // <Py_ssize_t>sizeof(floating)
    C = bb.len // <Py_ssize_t>sizeof(floating)
    if (xb.len == yb.len and C > 0 and inner > 0 and n % (C * inner) == 0
            and _finite(<const floating*>bb.buf, C, &nonzero)):
        if _clash(xb.buf, yb.buf, yb.len) or not _apart(bb.buf, bb.len, yb.buf, yb.len):
            r = OVERLAP
        else:
            with nogil:
                fp = rf_ieee_begin()
                _bias_forward(op, <const floating*>xb.buf, <const floating*>bb.buf,
                              <floating*>yb.buf, n, C, inner, a, b, nt)
                rf_ieee_end(fp)
                if nt != 1:
                    rf_region_ended()
            r = DONE
    if own_x:
        _release_buffer(&xb)
    _release_buffer(&bb)
    _release_buffer(&yb)
    return r


cdef int _bias_gradient_entry(int dop, bint from_y, object g, object x, object bias,
                              object out, object gb, Py_ssize_t inner, double a, double b,
                              int nt, floating* tag) noexcept:
    # g, x and out as the forward's x and y (out may be g or x), bias as the forward's, gb C
    # doubles, writable, apart
    cdef Py_buffer gbuf, xb, bb, ob, sb
    cdef char code = b'f' if floating is float else b'd'
    cdef unsigned int fp
    cdef int r = REFUSED
    cdef bint own_g = g is not out, own_x = x is not out
    cdef bint nonzero   # (_finite's other answer, unused)
    cdef Py_ssize_t n, C
    if not _acquire(out, &ob, _BUF_WRITABLE, code, sizeof(floating)):
        return REFUSED
    if not _acquire(gb, &sb, _BUF_WRITABLE, b'd', 8):
        _release_buffer(&ob)
        return REFUSED
    if not _acquire(bias, &bb, 0, code, sizeof(floating)):
        _release_buffer(&sb)
        _release_buffer(&ob)
        return REFUSED
    if own_g and not _acquire(g, &gbuf, 0, code, sizeof(floating)):
        _release_buffer(&bb)
        _release_buffer(&sb)
        _release_buffer(&ob)
        return REFUSED
    if not own_g:
        gbuf = ob
    if own_x and not _acquire(x, &xb, 0, code, sizeof(floating)):
        if own_g:
            _release_buffer(&gbuf)
        _release_buffer(&bb)
        _release_buffer(&sb)
        _release_buffer(&ob)
        return REFUSED
    if not own_x:
        xb = ob
    n = ob.len // <Py_ssize_t>sizeof(floating)
    C = bb.len // <Py_ssize_t>sizeof(floating)
    if (gbuf.len == ob.len and xb.len == ob.len and C > 0 and inner > 0
            and n % (C * inner) == 0 and sb.len == C * 8
            and _finite(<const floating*>bb.buf, C, &nonzero)):
        if (_clash(gbuf.buf, ob.buf, ob.len) or _clash(xb.buf, ob.buf, ob.len)
                or not _apart(bb.buf, bb.len, ob.buf, ob.len)
                or not _apart(sb.buf, sb.len, ob.buf, ob.len)
                or not _apart(sb.buf, sb.len, gbuf.buf, ob.len)
                or not _apart(sb.buf, sb.len, xb.buf, ob.len)
                or not _apart(sb.buf, sb.len, bb.buf, bb.len)):
            r = OVERLAP
        else:
            with nogil:
                fp = rf_ieee_begin()
                r = _bias_gradient(dop, from_y, <const floating*>gbuf.buf,
                                   <const floating*>xb.buf, <const floating*>bb.buf,
                                   <floating*>ob.buf, <double*>sb.buf, n, C, inner, a, b, nt)
                rf_ieee_end(fp)
                if nt != 1:
                    rf_region_ended()
    if own_x:
        _release_buffer(&xb)
    if own_g:
        _release_buffer(&gbuf)
    _release_buffer(&bb)
    _release_buffer(&sb)
    _release_buffer(&ob)
    return r


def bias_forward_f32(int op, x, bias, y, Py_ssize_t inner, double a, double b, int nt):
    """y = f(x + bias[channel]), float32; the flat array as runs of `inner` elements, run r on
    channel r % len(bias).  A Status."""
    return _bias_forward_entry(op, x, bias, y, inner, a, b, nt, <float*>NULL)


def bias_forward_f64(int op, x, bias, y, Py_ssize_t inner, double a, double b, int nt):
    """As bias_forward_f32, float64.  A Status."""
    return _bias_forward_entry(op, x, bias, y, inner, a, b, nt, <double*>NULL)


def bias_gradient_f32(int dop, bint from_y, g, x, bias, out, gb, Py_ssize_t inner, double a,
                      double b, int nt):
    """out = f_grad(g, x + bias) (from_y: f_grad(g, x), x the output) and gb[c] = the sum of
    out over channel c, in float64 (gb: len(bias) doubles), float32.  A Status."""
    return _bias_gradient_entry(dop, from_y, g, x, bias, out, gb, inner, a, b, nt, <float*>NULL)


def bias_gradient_f64(int dop, bint from_y, g, x, bias, out, gb, Py_ssize_t inner, double a,
                      double b, int nt):
    """As bias_gradient_f32, float64.  A Status."""
    return _bias_gradient_entry(dop, from_y, g, x, bias, out, gb, inner, a, b, nt,
                                <double*>NULL)
