# relufast/_gated.pxi: gated units, f(a) * b and its gradient, in one pass (included by
# _kernels.pxi).
#
# reglu, geglu and swiglu are relu, gelu and silu of a, times a gate b.  Unfused, the forward is
# two passes (f(a), then the product) and the backward four (grad * b, f'(a), f(a), grad * f(a));
# here each element of a, b and grad is loaded once and each result stored once.  The values
# are the composition's, bit for bit: f(a) is computed by the same chunk loops as relufast's own
# f (_fwd_chunk, _grad_chunk) on a block in L1, then multiplied, so
#     y = f(a) * b,    grad_a = f_grad(grad * b, a),    grad_b = grad * f(a)
# each rounded as those calls round them in the compute dtype.
#
# The operands are rows: element i of row r of operand p lies at element off_p + r * stride_p + i
# of its buffer, so one call serves two arrays (one row, or rows of any C-contiguous shape) and
# one array split in halves along an axis (a's rows and b's rows interleaved in one buffer).
# Every operand has its own dtype (element code 0 float16, 1 float32, 2 float64, 3 bfloat16 bits)
# and is widened into a block buffer on the stack unless it has the compute dtype, as the mixed
# drivers do (_elementwise.pxi, 3b).  An output may be an input itself, element for element (the
# same buffer, offset, stride and dtype): every block reads all its inputs before it writes.

# The activation's parameters (pa, pb) come from the caller at run time, as for every other
# kernel, though relu, gelu and silu take none: constants here made gcc clone the chunk loops
# for this caller, and the extra code cost the baseline build the inlining, so the
# vectorization, of a double loop elsewhere (tools/vecreport.py).

cdef enum:
    # a block buffer holds 1 KB: 256 float32 or 128 float64 elements.  At most 6 of them on the
    # stack (relufast runs in threads with 16 KiB stacks: 12 KB of buffers crashed there,
    # beside the chunk loops' own frames)
    _GLU_DOUBLES = 128


cdef struct _Operand:
    char* p             # the buffer
    int code            # element code
    Py_ssize_t size     # bytes per element
    Py_ssize_t off      # first element
    Py_ssize_t stride   # elements from one row to the next


cdef inline char* _at(const _Operand* o, Py_ssize_t r, Py_ssize_t i) noexcept nogil:
    return o.p + (o.off + r * o.stride + i) * o.size


cdef inline const floating* _glu_load(const _Operand* o, Py_ssize_t r, Py_ssize_t i,
                                      floating* buf, Py_ssize_t m) noexcept nogil:
    # the block as the compute dtype: where it lies, or widened into buf
    cdef int cc = 1 if floating is float else 2
    if o.code == cc:
        return <const floating*>_at(o, r, i)
    _load_block(_at(o, r, i), o.code, buf, m)
    return buf


cdef inline floating* _glu_dest(const _Operand* o, Py_ssize_t r, Py_ssize_t i,
                                floating* buf) noexcept nogil:
    # where to compute an output block: in place, or (another dtype) in buf, then _glu_put
    cdef int cc = 1 if floating is float else 2
    return <floating*>_at(o, r, i) if o.code == cc else buf


cdef inline void _glu_put(const floating* src, const _Operand* o, Py_ssize_t r, Py_ssize_t i,
                          Py_ssize_t m) noexcept nogil:
    # a block computed in a buffer into its output
    cdef int cc = 1 if floating is float else 2
    cdef Py_ssize_t k
    cdef floating* d
    if o.code != cc:
        _store_block(src, _at(o, r, i), o.code, m)
    else:
        d = <floating*>_at(o, r, i)
        for k in range(m):  # not hot: only for grad_b in place of a
            d[k] = src[k]


# ---------------------------------------------------------------------------------------------
# 1. chunk loops: a range of the rows' elements, block by block

cdef void _glu_fwd_range(int op, const _Operand* a, const _Operand* b, const _Operand* y,
                         Py_ssize_t h, Py_ssize_t lo, Py_ssize_t hi, floating pa,
                         floating pb) noexcept nogil:
    # y = f(a) * b over flat elements [lo, hi) of the rows (h elements each).  y may be a or
    # b: a is consumed into tbuf before y is written, b element by element.
    cdef double abuf_raw[_GLU_DOUBLES]
    cdef double bbuf_raw[_GLU_DOUBLES]
    cdef double tbuf_raw[_GLU_DOUBLES]
    cdef double ybuf_raw[_GLU_DOUBLES]
    cdef floating* abuf = <floating*>abuf_raw
    cdef floating* bbuf = <floating*>bbuf_raw
    cdef floating* tbuf = <floating*>tbuf_raw
    cdef floating* ybuf = <floating*>ybuf_raw
    cdef Py_ssize_t block = sizeof(abuf_raw) // sizeof(floating)
    cdef const floating* ap
    cdef const floating* bp
    cdef floating* yp
    cdef Py_ssize_t s = lo, r, i, m, k
    while s < hi:
        r = s // h
        i = s - r * h
        m = min(min(block, h - i), hi - s)
        ap = _glu_load(a, r, i, abuf, m)
        bp = _glu_load(b, r, i, bbuf, m)
        _fwd_chunk(op, ap, tbuf, m, pa, pb)
        yp = _glu_dest(y, r, i, ybuf)
        for k in range(m):
            yp[k] = tbuf[k] * bp[k]
        if yp == ybuf:
            _glu_put(ybuf, y, r, i, m)
        s += m


cdef void _glu_grad_range(int op, int dop, const _Operand* g, const _Operand* a,
                          const _Operand* b, const _Operand* ga, const _Operand* gb,
                          Py_ssize_t h, Py_ssize_t lo, Py_ssize_t hi, floating pa,
                          floating pb) noexcept nogil:
    # grad_a = f_grad(g * b, a), grad_b = g * f(a) over flat elements [lo, hi).  Each output
    # may be an input: grad_b is written beside reads of g and b (element by element) and
    # before a is read again, so in a buffer when it is a itself; grad_a last, beside a's reads.
    cdef double gbuf_raw[_GLU_DOUBLES]
    cdef double abuf_raw[_GLU_DOUBLES]
    cdef double bbuf_raw[_GLU_DOUBLES]
    cdef double t1_raw[_GLU_DOUBLES]
    cdef double t2_raw[_GLU_DOUBLES]
    cdef double obuf_raw[_GLU_DOUBLES]
    cdef floating* gbuf = <floating*>gbuf_raw
    cdef floating* abuf = <floating*>abuf_raw
    cdef floating* bbuf = <floating*>bbuf_raw
    cdef floating* t1 = <floating*>t1_raw
    cdef floating* t2 = <floating*>t2_raw
    cdef floating* obuf = <floating*>obuf_raw
    cdef Py_ssize_t block = sizeof(gbuf_raw) // sizeof(floating)
    cdef const floating* gp
    cdef const floating* ap
    cdef const floating* bp
    cdef floating* gbp
    cdef floating* gap
    cdef Py_ssize_t s = lo, r, i, m, k
    while s < hi:
        r = s // h
        i = s - r * h
        m = min(min(block, h - i), hi - s)
        gp = _glu_load(g, r, i, gbuf, m)
        ap = _glu_load(a, r, i, abuf, m)
        bp = _glu_load(b, r, i, bbuf, m)
        _fwd_chunk(op, ap, t2, m, pa, pb)
        gbp = _glu_dest(gb, r, i, obuf)
        if <const floating*>gbp == ap:
            gbp = obuf
        for k in range(m):
            t1[k] = gp[k] * bp[k]
            gbp[k] = gp[k] * t2[k]
        gap = _glu_dest(ga, r, i, t2)
        _grad_chunk(dop, t1, ap, gap, m, pa, pb)
        if gap == t2:
            _glu_put(t2, ga, r, i, m)
        if gbp == obuf:
            _glu_put(obuf, gb, r, i, m)
        s += m


# ---------------------------------------------------------------------------------------------
# 2. drivers and entry points

cdef void _glu_forward(int op, const _Operand* a, const _Operand* b, const _Operand* y,
                       Py_ssize_t rows, Py_ssize_t h, floating pa, floating pb,
                       int nt) noexcept nogil:
    cdef unsigned int fp
    cdef Py_ssize_t n = rows * h, blk, c, lo
    if n == 0:
        return
    if nt <= 1:
        _glu_fwd_range(op, a, b, y, h, 0, n, pa, pb)
        return
    blk = _block(n, nt)
    for c in prange(nt, schedule="static", num_threads=nt):
        lo = c * blk
        fp = rf_ieee_begin()
        if lo < n:
            _glu_fwd_range(op, a, b, y, h, lo, min(lo + blk, n), pa, pb)
        rf_ieee_end(fp)


cdef void _glu_gradient(int op, int dop, const _Operand* g, const _Operand* a,
                        const _Operand* b, const _Operand* ga, const _Operand* gb,
                        Py_ssize_t rows, Py_ssize_t h, floating pa, floating pb,
                        int nt) noexcept nogil:
    cdef unsigned int fp
    cdef Py_ssize_t n = rows * h, blk, c, lo
    if n == 0:
        return
    if nt <= 1:
        _glu_grad_range(op, dop, g, a, b, ga, gb, h, 0, n, pa, pb)
        return
    blk = _block(n, nt)
    for c in prange(nt, schedule="static", num_threads=nt):
        lo = c * blk
        fp = rf_ieee_begin()
        if lo < n:
            _glu_grad_range(op, dop, g, a, b, ga, gb, h, lo, min(lo + blk, n), pa, pb)
        rf_ieee_end(fp)


# Entry points.  Each operand comes as (array, first element, row stride); the arrays must be
# C-contiguous, aligned, of a float dtype (bfloat16 as uint16 bits), the outputs writable, and
# every operand's rows inside its buffer: anything else is REFUSED with nothing written.  The
# Python layer (relufast/_gated.py) has checked the shapes and that an output overlaps an input
# only element for element.

cdef bint _glu_take(object arr, Py_ssize_t off, Py_ssize_t stride, Py_ssize_t rows,
                    Py_ssize_t h, int flags, Py_buffer* view, _Operand* o) noexcept:
    cdef int code = _acquire_float(arr, view, flags)
    if code < 0:
        return False
    o.p = <char*>view.buf
    o.code = code
    o.size = _code_size(code)
    o.off = off
    o.stride = stride
    if (off < 0 or stride < 0 or h < 0 or rows < 0
            or (rows > 0 and h > 0 and (off + (rows - 1) * stride + h) * o.size > view.len)):
        _release_buffer(view)
        return False
    return True


def glu_forward(int op, a, Py_ssize_t a_off, Py_ssize_t a_stride, b, Py_ssize_t b_off,
                Py_ssize_t b_stride, y, Py_ssize_t y_off, Py_ssize_t y_stride, Py_ssize_t rows,
                Py_ssize_t h, double pa, double pb, bint f64, int nt):
    """y = f(a) * b (forward op `op`, its parameters pa and pb) over `rows` rows of `h`
    elements, computed in float64 if `f64` else float32.  A Status."""
    cdef Py_buffer va, vb, vy
    cdef _Operand oa, ob, oy
    cdef unsigned int fp
    if not _glu_take(y, y_off, y_stride, rows, h, _BUF_WRITABLE, &vy, &oy):
        return REFUSED
    if not _glu_take(a, a_off, a_stride, rows, h, 0, &va, &oa):
        _release_buffer(&vy)
        return REFUSED
    if not _glu_take(b, b_off, b_stride, rows, h, 0, &vb, &ob):
        _release_buffer(&va)
        _release_buffer(&vy)
        return REFUSED
    with nogil:
        fp = rf_ieee_begin()
        if f64:
            _glu_forward(op, &oa, &ob, &oy, rows, h, pa, pb, nt)
        else:
            _glu_forward(op, &oa, &ob, &oy, rows, h, <float>pa, <float>pb, nt)
        rf_ieee_end(fp)
        if nt != 1:
            rf_region_ended()
    _release_buffer(&vb)
    _release_buffer(&va)
    _release_buffer(&vy)
    return DONE


def glu_gradient(int op, int dop, g, Py_ssize_t g_off, Py_ssize_t g_stride, a,
                 Py_ssize_t a_off, Py_ssize_t a_stride, b, Py_ssize_t b_off, Py_ssize_t b_stride,
                 ga, Py_ssize_t ga_off, Py_ssize_t ga_stride, gb, Py_ssize_t gb_off,
                 Py_ssize_t gb_stride, Py_ssize_t rows, Py_ssize_t h, double pa, double pb,
                 bint f64, int nt):
    """grad_a = f_grad(g * b, a) (gradient op `dop`) and grad_b = g * f(a) (forward op `op`),
    as glu_forward.  A Status."""
    cdef Py_buffer vg, va, vb, vga, vgb
    cdef _Operand og, oa, ob, oga, ogb
    cdef unsigned int fp
    if not _glu_take(ga, ga_off, ga_stride, rows, h, _BUF_WRITABLE, &vga, &oga):
        return REFUSED
    if not _glu_take(gb, gb_off, gb_stride, rows, h, _BUF_WRITABLE, &vgb, &ogb):
        _release_buffer(&vga)
        return REFUSED
    if not _glu_take(g, g_off, g_stride, rows, h, 0, &vg, &og):
        _release_buffer(&vgb)
        _release_buffer(&vga)
        return REFUSED
    if not _glu_take(a, a_off, a_stride, rows, h, 0, &va, &oa):
        _release_buffer(&vg)
        _release_buffer(&vgb)
        _release_buffer(&vga)
        return REFUSED
    if not _glu_take(b, b_off, b_stride, rows, h, 0, &vb, &ob):
        _release_buffer(&va)
        _release_buffer(&vg)
        _release_buffer(&vgb)
        _release_buffer(&vga)
        return REFUSED
    with nogil:
        fp = rf_ieee_begin()
        if f64:
            _glu_gradient(op, dop, &og, &oa, &ob, &oga, &ogb, rows, h, pa, pb, nt)
        else:
            _glu_gradient(op, dop, &og, &oa, &ob, &oga, &ogb, rows, h, <float>pa, <float>pb,
                          nt)
        rf_ieee_end(fp)
        if nt != 1:
            rf_region_ended()
    _release_buffer(&vb)
    _release_buffer(&va)
    _release_buffer(&vg)
    _release_buffer(&vgb)
    _release_buffer(&vga)
    return DONE
