# relufast/_prelu.pxi: PReLU and its gradients (included by _kernels.pxi).
#
# prelu sees the flat array as runs of `inner` elements, run r on channel r % C (C = len(w)):
# the Python layer passes, for the order in which it hands over the array, the length of one
# channel's run (C order: the product of the axes after the channel axis; F order: of those
# before it), and calls the kernel once.  Every decision about how to walk the array is made
# here, in _prelu_layout, for the forward and the gradient.
#
#   1. element function   one element's weight-gradient term added to a sum
#   2. layout             runs one by one, rows of channels, or a weight pattern of whole periods;
#                         the gradient's threads split by elements or, many channels, by channel
#   3. chunk loops        one thread's range of the flat array, in plain loops that vectorize
#   4. drivers            checks, working memory on the heap, one chunk (or channel range) per
#                         thread, the fold
#   5. entry points       prelu_forward_f32/f64, prelu_gradient_f32/f64, with a fused bias
#                         prelu_bias_forward_f32/f64, prelu_bias_gradient_f32/f64, and the
#                         mixed-dtype prelu_forward_mixed, prelu_gradient_mixed
#
# A fused bias (prelu(x + b), prelu_bias_forward_f32/f64 and prelu_bias_gradient_f32/f64) runs
# the same layout and drivers too, with the bias laid over x as the weight is (laid out in a
# pattern beside the weights' where they are): the drivers pass a NULL bias for prelu alone,
# which picks the chunk loops without one (their instructions unchanged), or the bias, which
# picks the `_b` loops of section 3: x + b rounded in the dtype as x is loaded, and for the
# gradient the bias's float64 sums beside the weight's, in the same pass.
#
# Mixed float dtypes (float16, bfloat16, or operands of different float dtypes) run the same
# layout and drivers: the drivers' chunk calls go to block loops (section 3b) that widen each
# block of 512 elements into a small buffer in the compute dtype, run the plain segment
# loops on it, and round the block once into out's dtype, so no full-size temporary exists.
#
# Working memory (the weight pattern, the gradient's sums) is taken with malloc, not from the
# stack: relufast runs in threads with 32 KiB stacks and under OMP_STACKSIZE=16K.  The
# gradient's sums are per thread (few channels) or, where those would pass _SUMS_BUDGET and
# every thread gets a long slice of each period, one array shared by channel ranges
# (_prelu_by_channel).


# ---------------------------------------------------------------------------------------------
# 1. element function

cdef inline double _weight_term(floating g, floating x) noexcept nogil:
    # d loss / d weight from one element: grad * x where x <= 0 (in double: exact for float),
    # exactly +0 where x > 0 (even for an infinite or NaN grad).  Both factors are selected
    # in the input's precision, before the conversion: a select on the double product would
    # widen the float compare mask half by half, which lengthens the lane sums' loop.
    cdef floating gs = 0 if x > 0 else g
    cdef floating xs = 0 if x > 0 else x
    return <double>gs * <double>xs


cdef inline double _weight_add(double s, floating g, floating x) noexcept nogil:
    # s plus d loss / d weight from one element: grad * x (in double: exact for float) where
    # x <= 0 or NaN; s itself where x > 0 (even for an infinite or NaN grad).  An add under a
    # mask is shorter than zeroing both factors before the product (docs/performance.md), and
    # gives the same bits: the sums start at +0.0 and never become -0.0 (round to nearest), so
    # the skipped adds of +0.0 would have changed nothing.
    cdef double p = <double>g * <double>x
    return s if x > 0 else s + p


# ---------------------------------------------------------------------------------------------
# 2. layout
#
# A period is C * inner elements: the weights of every flat position repeat with it.  Short
# runs (NCHW with a small H*W) or short rows (NC with few channels) would make the loop overhead
# per run or row dominate, so the weights are laid out in a pattern of `reps` whole periods
# (one weight per element) and the array is walked as rows of the pattern's length, with no
# division and one plain loop per row.  The numbers (docs/performance.md, "prelu"):

cdef enum:
    _FWD_SHORT_RUN = 64     # forward runs under this are laid out; longer ones loop well alone
                            # (at 16, NCHW 7x7 looped run by run: (32, 64, 7, 7) 23 -> 8 us)
    _HEAD_RUN = 128         # forward runs from this long start their aligned loop on a line
    _GRAD_SHORT_RUN = 64    # gradient runs under this: a run's 16-lane sums cost too much per run
    _GRAD_SERIAL_RUN = 16   # runs under this that are not laid out (a long period on a small
                            # array) are summed in one chain; from 16 in 16 lanes, whose setup
                            # costs less than a chain of 16 or more dependent adds ((3, 128, 7,
                            # 7) float32: 25 -> 12 us)
    _FWD_FILL = 1024        # the forward's pattern holds up to this many elements of periods
    _GRAD_FILL = 1024       # the gradient's: its per-position sums (8 KiB of doubles) stay in L1
    _PERIOD_ANY = 4096      # periods up to this are laid out at any array size
    _PERIOD_LARGE = 65536   # longer ones, up to this, on large arrays only (one period)
    _LARGE = 32768          # elements from which an array is large (as the threads' threshold)
    _SETUP_SHARE = 16       # the pattern holds at most n / 16 elements (its setup is per call)
    _WBLOCK = 2048          # elements per block of the weight gradient's lane sums
    _LANES = 16             # lane sums per block (four AVX2, two AVX-512 vectors of doubles)
    _SUMS_BUDGET = 131072   # doubles (1 MiB, one Zen 4 core's L2) of all threads' own sums,
                            # beyond which the gradient splits its threads by channel
    _SLICE_MIN = 1024       # elements of every period each thread walks, at least, when split
                            # by channel: its per-period setup is then a few percent


cdef Py_ssize_t _prelu_layout(Py_ssize_t C, Py_ssize_t inner, Py_ssize_t n,
                              bint gradient) noexcept nogil:
    # How many whole periods to lay out in a pattern; 0: walk w as it is (runs one by one when
    # inner > 1, rows of C channels when inner == 1).
    cdef Py_ssize_t short_run = _GRAD_SHORT_RUN if gradient else _FWD_SHORT_RUN
    cdef Py_ssize_t fill = _GRAD_FILL if gradient else _FWD_FILL
    cdef Py_ssize_t period, reps, k
    if inner >= short_run:
        return 0  # long runs (checked first: C * inner cannot overflow below it)
    period = C * inner
    if inner == 1:
        # rows of channels: repeated only if two rows fit in the pattern (longer rows are
        # long enough loops) and the array is long enough to repay the setup
        if period * 2 > fill or n < 4 * fill:
            return 0
    elif period > _PERIOD_ANY and (period > _PERIOD_LARGE or n < _LARGE):
        return 0  # a long period's setup is repaid only on a large array
    reps = max(1, min(fill, n // _SETUP_SHARE) // period)
    # a pattern of whole cache lines (16 elements) where one fits: the drivers start its rows on
    # line boundaries (_head), and every row after the first then starts on one too
    k = reps
    while k > 1 and (k * period) % 16:
        k -= 1
    return k if (k * period) % 16 == 0 else reps


cdef Py_ssize_t _prelu_layout16(Py_ssize_t C, Py_ssize_t inner, Py_ssize_t n) noexcept nogil:
    # The forward on float16 / bfloat16 (x and out of one format, no zero slope) with runs of
    # _FWD_SHORT_RUN to _RUN16: one period laid out, whose rows then convert in registers in
    # one pass (_prelu_fwd_rows16), where the runs would go through the blocks' three passes;
    # when the period fits the large-pattern bound and the array repays its setup
    cdef Py_ssize_t period = C * inner
    return 1 if period <= _PERIOD_LARGE and n >= 4 * period else 0


cdef bint _prelu_by_channel(Py_ssize_t C, Py_ssize_t inner, Py_ssize_t n, Py_ssize_t row,
                            int nt) noexcept nogil:
    # Split the gradient's threads by channel ranges rather than by element ranges?  Split by
    # elements, every thread keeps its own `row` doubles of sums (C channels, and the pattern's
    # positions), nt * C in all: with many channels that is memory, and a fold, that grow with
    # the thread count (64 threads x 10**6 channels: 512 MB).  Split by channels, thread t owns
    # channels [c0, c1) and walks every period over just its slice, contiguous in each period,
    # into one shared array of sums (disjoint channels: no race): C doubles (one period's, if
    # laid out) whatever nt.  That pays when the threads' own sums would outgrow the L2 cache
    # and each thread's slice of a period is long (a loop of its own, at the memory's speed);
    # with few channels, the element split's one contiguous chunk per thread stays.  Whole
    # periods only (the Python layer always passes them).
    if nt < 2 or n == 0 or inner > n // C or n % (C * inner):
        return False
    return nt * row > _SUMS_BUDGET and C * inner >= nt * <Py_ssize_t>_SLICE_MIN


cdef void _lay_out(const floating* w, Py_ssize_t C, Py_ssize_t inner, Py_ssize_t reps,
                   floating* pattern, Py_ssize_t extra) noexcept nogil:
    # pattern[i] = the weight of flat position i, for reps periods and `extra` positions more
    # (pattern + h, h <= extra, is then the pattern of a walk that starts at flat position h)
    cdef Py_ssize_t k, j, period = C * inner
    for k in range(C):
        for j in range(inner):  # not hot: once per call
            pattern[k * inner + j] = w[k]
    for k in range(1, reps):
        for j in range(period):  # not hot: once per call
            pattern[k * period + j] = pattern[j]
    for j in range(extra):  # not hot: once per call
        pattern[reps * period + j] = pattern[j % (reps * period)]


# ---------------------------------------------------------------------------------------------
# 3. chunk loops
#
# A chunk [lo, hi) of the flat array is walked in segments that share one weight (inner > 1) or
# that run along one row of channels (inner == 1), so each inner loop is plain and vectorizes.

cdef void _prelu_fwd_range(const floating* x, const floating* w, floating* y, Py_ssize_t C,
                           Py_ssize_t inner, Py_ssize_t lo, Py_ssize_t hi,
                           bint nonzero) noexcept nogil:
    # nonzero: every slope is nonzero (and finite), so the per-element zero test goes
    cdef Py_ssize_t i = lo, j, end, c, h
    cdef floating wc
    if inner == 1:
        c = i % C  # only the first row can start inside the period
        while i < hi:
            end = min(hi, i - c + C)
            if nonzero:
                for j in range(end - i):
                    y[i + j] = _leaky_nz(x[i + j], w[c + j])
            else:
                for j in range(end - i):
                    y[i + j] = _leaky(x[i + j], w[c + j])
            i = end
            c = 0
    else:
        # the channel and the end of the first run need divisions; after that they step on
        # (two divisions per run cost more than a short run's elements)
        c = (i // inner) % C
        end = min(hi, (i // inner + 1) * inner)
        while i < hi:
            wc = w[c]
            # the run's elements before y's next cache line apart, as the elementwise drivers
            # do (a run starts wherever the one before ended), in runs of _HEAD_RUN and more:
            # a shorter run split in two loops spent more on their two scalar remainders than
            # the aligned stores saved ((3, 128, 7, 7) in place: 5.1 -> 2.9 us)
            h = i + _head(y + i, end - i, sizeof(floating)) if end - i >= _HEAD_RUN else i
            if wc != 0:
                for j in range(i, h):
                    y[j] = _leaky_nz(x[j], wc)
                for j in range(h, end):
                    y[j] = _leaky_nz(x[j], wc)
            else:
                for j in range(i, end):
                    y[j] = _leaky(x[j], wc)
            i = end
            end = min(hi, i + inner)
            c += 1
            if c == C:
                c = 0


cdef double _prelu_grad_block(const floating* g, const floating* x, floating* gx, floating w,
                              Py_ssize_t n) noexcept nogil:
    # gx = grad * prelu'(x) on one block of n <= _WBLOCK elements of one channel, and the sum
    # of its weight-gradient terms: _LANES running sums, element j into sum j % _LANES, then
    # the sums folded pairwise.  The sums are a local array that gcc keeps in vector registers
    # (an FP sum reduction written as one accumulator would need -ffast-math to vectorize);
    # they are taken before gx, which may be g or x itself, is written.  Each sum sees
    # n / _LANES terms: exact products of floats, so for float32 the order changes nothing
    # visible; for float64 the error bound is (n / _LANES + log2(_LANES)) roundings of the
    # terms' magnitude.  (Writing every term to a buffer and folding that pairwise was slower:
    # docs/performance.md.)
    cdef double acc[_LANES]
    cdef Py_ssize_t j, k, h, m = n - n % _LANES
    for k in range(_LANES):
        acc[k] = 0.0
    for j in range(0, m // _LANES):
        for k in range(_LANES):
            acc[k] += _weight_term(g[j * _LANES + k], x[j * _LANES + k])
    for j in range(m, n):
        acc[j - m] = _weight_add(acc[j - m], g[j], x[j])
    if w != 0:
        for j in range(n):
            gx[j] = _g_leaky_nz(g[j], x[j], w)
    else:
        for j in range(n):
            gx[j] = _chain(g[j], _d_leaky(x[j], w))
    h = _LANES
    while h > 1:
        h //= 2
        for k in range(h):
            acc[k] += acc[k + h]
    return acc[0]


cdef void _prelu_grad_range(const floating* g, const floating* x, const floating* w,
                            floating* gx, double* gw, Py_ssize_t C, Py_ssize_t inner,
                            Py_ssize_t lo, Py_ssize_t hi, bint nonzero) noexcept nogil:
    # gx = grad * prelu'(x) for [lo, hi); gw[c] += the weight-gradient terms of channel c.
    # gx may be g or x itself (in place), so each element's weight term is read first.
    # nonzero: no slope is 0, so grad * slope needs no zero test (_g_leaky_nz).
    # Long runs of one channel go in blocks of _WBLOCK, each summed by _prelu_grad_block.
    cdef Py_ssize_t i = lo, j, end, c, b, bend
    cdef floating wc
    cdef double s
    if inner == 1:
        c = i % C  # only the first row can start inside the period
        while i < hi:
            end = min(hi, i - c + C)
            if nonzero:
                for j in range(end - i):
                    gw[c + j] = _weight_add(gw[c + j], g[i + j], x[i + j])
                    gx[i + j] = _g_leaky_nz(g[i + j], x[i + j], w[c + j])
            else:
                for j in range(end - i):
                    gw[c + j] = _weight_add(gw[c + j], g[i + j], x[i + j])
                    gx[i + j] = _chain(g[i + j], _d_leaky(x[i + j], w[c + j]))
            i = end
            c = 0
    else:
        c = (i // inner) % C  # then stepped run by run, as in _prelu_fwd_range
        end = min(hi, (i // inner + 1) * inner)
        while i < hi:
            wc = w[c]
            if end - i < _GRAD_SERIAL_RUN:  # not laid out (small array, long period): the
                # lanes' setup and fold would cost more than the run
                s = 0.0
                for j in range(i, end):  # not hot
                    s = _weight_add(s, g[j], x[j])
                    gx[j] = _chain(g[j], _d_leaky(x[j], wc))
                gw[c] += s
            else:
                b = i
                while b < end:
                    bend = min(end, b + _WBLOCK)
                    gw[c] += _prelu_grad_block(&g[b], &x[b], &gx[b], wc, bend - b)
                    b = bend
            i = end
            end = min(hi, i + inner)
            c += 1
            if c == C:
                c = 0


# The same loops with a bias laid over x as w is (the fused `prelu(x, w, bias=b)`): z = x + b
# is rounded in the dtype as the loop loads x, then goes through the element functions above,
# so every value is the composition's, bit for bit.  Separate loops, not a zero bias in the
# ones above: adding +0.0 would turn -0.0 into +0.0, and the loops without a bias keep their
# instructions (no extra load and add per element).

cdef void _prelu_fwd_range_b(const floating* x, const floating* w, const floating* bias,
                             floating* y, Py_ssize_t C, Py_ssize_t inner, Py_ssize_t lo,
                             Py_ssize_t hi, bint nonzero) noexcept nogil:
    # y = prelu(x + bias) for [lo, hi), walked as _prelu_fwd_range walks it
    cdef Py_ssize_t i = lo, j, end, c, h
    cdef floating wc, bc
    if inner == 1:
        c = i % C
        while i < hi:
            end = min(hi, i - c + C)
            if nonzero:
                for j in range(end - i):
                    y[i + j] = _leaky_nz(x[i + j] + bias[c + j], w[c + j])
            else:
                for j in range(end - i):
                    y[i + j] = _leaky(x[i + j] + bias[c + j], w[c + j])
            i = end
            c = 0
    else:
        c = (i // inner) % C
        end = min(hi, (i // inner + 1) * inner)
        while i < hi:
            wc = w[c]
            bc = bias[c]
            h = i + _head(y + i, end - i, sizeof(floating)) if end - i >= _HEAD_RUN else i
            if wc != 0:
                for j in range(i, h):
                    y[j] = _leaky_nz(x[j] + bc, wc)
                for j in range(h, end):
                    y[j] = _leaky_nz(x[j] + bc, wc)
            else:
                for j in range(i, end):
                    y[j] = _leaky(x[j] + bc, wc)
            i = end
            end = min(hi, i + inner)
            c += 1
            if c == C:
                c = 0


cdef double _prelu_grad_block_b(const floating* g, const floating* x, floating* gx, floating w,
                                floating bc, Py_ssize_t n, double* bsum) noexcept nogil:
    # _prelu_grad_block at z = x + bc: returns the weight-gradient terms' sum and adds the sum
    # of the block's gx to *bsum, each in _LANES lane sums folded pairwise.  The gx lanes read
    # the block back from L1 after it is written (gx may be g or x, so the weight terms are
    # taken first, as there)
    cdef double acc[_LANES]
    cdef double accb[_LANES]
    cdef Py_ssize_t j, k, h, m = n - n % _LANES
    for k in range(_LANES):
        acc[k] = 0.0
        accb[k] = 0.0
    for j in range(0, m // _LANES):
        for k in range(_LANES):
            acc[k] += _weight_term(g[j * _LANES + k], x[j * _LANES + k] + bc)
    for j in range(m, n):
        acc[j - m] = _weight_add(acc[j - m], g[j], x[j] + bc)
    if w != 0:
        for j in range(n):
            gx[j] = _g_leaky_nz(g[j], x[j] + bc, w)
    else:
        for j in range(n):
            gx[j] = _chain(g[j], _d_leaky(x[j] + bc, w))
    for j in range(0, m // _LANES):
        for k in range(_LANES):
            accb[k] += <double>gx[j * _LANES + k]
    for j in range(m, n):
        accb[j - m] += <double>gx[j]
    h = _LANES
    while h > 1:
        h //= 2
        for k in range(h):
            acc[k] += acc[k + h]
            accb[k] += accb[k + h]
    bsum[0] += accb[0]
    return acc[0]


cdef void _prelu_grad_row_b(const floating* g, const floating* x, const floating* w,
                            const floating* bias, floating* gx, double* gw, Py_ssize_t m,
                            bint nonzero) noexcept nogil:
    # gx = grad * prelu'(x + bias) along m channels of a row (w, bias, gw from its first
    # channel), gw[k] += the weight-gradient term of channel k, as _prelu_grad_range does
    cdef Py_ssize_t j
    cdef floating z
    if nonzero:
        for j in range(m):
            z = x[j] + bias[j]
            gw[j] = _weight_add(gw[j], g[j], z)
            gx[j] = _g_leaky_nz(g[j], z, w[j])
    else:
        for j in range(m):
            z = x[j] + bias[j]
            gw[j] = _weight_add(gw[j], g[j], z)
            gx[j] = _chain(g[j], _d_leaky(z, w[j]))


cdef void _prelu_grad_range_b(const floating* g, const floating* x, const floating* w,
                              const floating* bias, floating* gx, double* gw, double* gb,
                              Py_ssize_t C, Py_ssize_t inner, Py_ssize_t lo, Py_ssize_t hi,
                              bint nonzero) noexcept nogil:
    # _prelu_grad_range at z = x + bias, and gb[c] += the sum of gx over channel c's elements
    # of [lo, hi), in the same pass
    cdef Py_ssize_t i = lo, j, end, c, b, bend, c0, wd
    cdef int R, r
    cdef floating wc, bc, z, v
    cdef double s, sb
    if inner == 1:
        c = i % C
        while i < hi:
            if c == 0 and hi - i >= 2 * C:
                # whole rows, up to _ROWS at a time, in column groups of up to _COLS: gx row by
                # row, then the bias sums of the group from gx read back from L2 (_bias.pxi's
                # _sum_rows: one read-modify-write of the float64 sums per _ROWS rows; one per
                # element, beside the weight's, made the loop a third slower in cache)
                R = 8 if hi - i >= 8 * C else (4 if hi - i >= 4 * C else 2)
                c0 = 0
                while c0 < C:
                    wd = min(<Py_ssize_t>_COLS, C - c0)
                    for r in range(R):  # not hot: a call a row
                        _prelu_grad_row_b(g + i + r * C + c0, x + i + r * C + c0, w + c0,
                                          bias + c0, gx + i + r * C + c0, gw + c0, wd, nonzero)
                    _sum_rows(gx + i + c0, C, wd, R, gb + c0)
                    c0 += wd
                i += R * C
            else:
                # a part of a row, where a thread's range starts or ends, or the last row
                end = min(hi, i - c + C)
                _prelu_grad_row_b(g + i, x + i, w + c, bias + c, gx + i, gw + c, end - i,
                                  nonzero)
                _sum_rows(gx + i, C, end - i, 1, gb + c)
                i = end
                c = 0
    else:
        c = (i // inner) % C
        end = min(hi, (i // inner + 1) * inner)
        while i < hi:
            wc = w[c]
            bc = bias[c]
            if end - i < _GRAD_SERIAL_RUN:  # as in _prelu_grad_range
                s = 0.0
                sb = 0.0
                for j in range(i, end):  # not hot
                    z = x[j] + bc
                    s = _weight_add(s, g[j], z)
                    v = _chain(g[j], _d_leaky(z, wc))
                    sb += <double>v
                    gx[j] = v
                gw[c] += s
                gb[c] += sb
            else:
                b = i
                while b < end:
                    bend = min(end, b + _WBLOCK)
                    gw[c] += _prelu_grad_block_b(&g[b], &x[b], &gx[b], wc, bc, bend - b, &gb[c])
                    b = bend
            i = end
            end = min(hi, i + inner)
            c += 1
            if c == C:
                c = 0


cdef void _prelu_fwd_seg(const floating* x, const floating* w, floating* y, Py_ssize_t C,
                         Py_ssize_t inner, Py_ssize_t start, Py_ssize_t m,
                         bint nonzero) noexcept nogil:
    # _prelu_fwd_range for one block of a mixed call: x[0:m] and y[0:m] are the flat positions
    # [start, start + m) (the block's buffers), so the channels follow `start`, the indices 0
    cdef Py_ssize_t i = 0, j, end, c
    cdef floating wc
    if inner == 1:
        c = start % C
        while i < m:
            end = min(m, i - c + C)
            if nonzero:
                for j in range(end - i):
                    y[i + j] = _leaky_nz(x[i + j], w[c + j])
            else:
                for j in range(end - i):
                    y[i + j] = _leaky(x[i + j], w[c + j])
            i = end
            c = 0
    else:
        c = (start // inner) % C
        end = min(m, (start // inner + 1) * inner - start)
        while i < m:
            wc = w[c]
            if wc != 0:
                for j in range(i, end):
                    y[j] = _leaky_nz(x[j], wc)
            else:
                for j in range(i, end):
                    y[j] = _leaky(x[j], wc)
            i = end
            end = min(m, i + inner)
            c += 1
            if c == C:
                c = 0


cdef void _prelu_grad_seg(const floating* g, const floating* x, const floating* w,
                          floating* gx, double* gw, Py_ssize_t C, Py_ssize_t inner,
                          Py_ssize_t start, Py_ssize_t m, bint nonzero) noexcept nogil:
    # _prelu_grad_range for one block of a mixed call (positions [start, start + m) in the
    # block's buffers g, x, gx[0:m]); gw[c] += the weight-gradient terms of channel c, from the
    # values in the compute dtype (for float16 and bfloat16: exact products in double)
    cdef Py_ssize_t i = 0, j, end, c
    cdef floating wc
    cdef double s
    if inner == 1:
        c = start % C
        while i < m:
            end = min(m, i - c + C)
            if nonzero:
                for j in range(end - i):
                    gw[c + j] = _weight_add(gw[c + j], g[i + j], x[i + j])
                    gx[i + j] = _g_leaky_nz(g[i + j], x[i + j], w[c + j])
            else:
                for j in range(end - i):
                    gw[c + j] = _weight_add(gw[c + j], g[i + j], x[i + j])
                    gx[i + j] = _chain(g[i + j], _d_leaky(x[i + j], w[c + j]))
            i = end
            c = 0
    else:
        c = (start // inner) % C
        end = min(m, (start // inner + 1) * inner - start)
        while i < m:
            wc = w[c]
            if end - i < _GRAD_SERIAL_RUN:  # as in _prelu_grad_range
                s = 0.0
                for j in range(i, end):  # not hot
                    s = _weight_add(s, g[j], x[j])
                    gx[j] = _chain(g[j], _d_leaky(x[j], wc))
                gw[c] += s
            else:  # end - i <= _MIX_BLOCK < _WBLOCK: one lane-summed block
                gw[c] += _prelu_grad_block(&g[i], &x[i], &gx[i], wc, end - i)
            i = end
            end = min(m, i + inner)
            c += 1
            if c == C:
                c = 0


# ---------------------------------------------------------------------------------------------
# 3b. mixed dtypes: the operands in their own dtypes, walked block by block
#
# The drivers of section 4 take a `_Mixed*`: NULL for a call of one dtype (their typed pointers
# are the operands), else the operands as bytes with their element codes (_elementwise.pxi: 0
# float16, 1 float32, 2 float64, 3 bfloat16), and the drivers' typed pointers unused.  Each
# block of an operand not in the compute dtype is converted through a buffer (on the heap, once
# per chunk) with the elementwise functions' _load_block/_store_block; one in the compute dtype
# is used in place.
# In place (out is an input of out's dtype) is safe: a block is read whole before it is written.

cdef struct _Mixed:
    const char* g
    const char* x
    char* o
    int gc
    int xc
    int oc
    double* gw   # the weight gradient's float64 sums; the entry rounds them once to gw's dtype


cdef enum:
    _SMALL_BLOCK = 64   # elements per buffer when the heap has none to give (1.5 KB in all)
    _RUN16 = 256        # runs this long (float16 / bfloat16 forward) go through _prelu_fwd_runs16


cdef floating* _blocks(floating* small, Py_ssize_t* size) noexcept nogil:
    # three conversion buffers of _MIX_BLOCK elements on the heap, not the stack: under
    # OMP_STACKSIZE=16K a worker's 12 KB of float64 buffers overflowed it (docs/semantics.md,
    # "Thread stacks").  If malloc fails, the caller's small stack buffers, in blocks of
    # _SMALL_BLOCK: slower, never an error (a range loop has no status to return); the weight
    # gradient's sums then group by those blocks, equal to rounding.
    cdef floating* p = <floating*>malloc(3 * _MIX_BLOCK * sizeof(floating))
    if p == NULL:
        size[0] = _SMALL_BLOCK
        return small
    size[0] = _MIX_BLOCK
    return p


cdef void _prelu_fwd_runs16(const _Mixed* mx, const float* w, Py_ssize_t C, Py_ssize_t inner,
                            Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    # x and out both float16 or both bfloat16, runs of inner >= _RUN16 elements: each run is a
    # leaky_relu with its channel's slope, converted in registers in one pass (_fwd_bits, the
    # same bits), where the blocks take three (widen, the float loop, round): an (N, 64, 56, 56)
    # float16 prelu into out was twice the time of leaky_relu's.  A zero slope's run (_fwd_bits
    # takes nonzero slopes only) goes through the blocks.
    cdef _Bits p = _bits_params(LEAKY, mx.xc, 0, 0)
    cdef Py_ssize_t s = lo, e, run
    cdef float wc
    while s < hi:
        run = s // inner
        e = min(hi, (run + 1) * inner)
        wc = w[run % C]
        if wc != 0:
            p.w = wc
            _fwd_bits(LEAKY, (<const unsigned short*>mx.x) + s, (<unsigned short*>mx.o) + s,
                      e - s, p)
        else:
            _prelu_fwd_blocks(mx, w, C, inner, s, e, False)
        s = e


cdef void _prelu_fwd_mixed(const _Mixed* mx, const floating* w, Py_ssize_t C,
                           Py_ssize_t inner, Py_ssize_t lo, Py_ssize_t hi,
                           bint nonzero) noexcept nogil:
    if floating is float:
        if mx.xc == mx.oc and (mx.xc == 0 or mx.xc == 3):
            if inner >= _RUN16:
                _prelu_fwd_runs16(mx, w, C, inner, lo, hi)
                return
            if inner == 1 and nonzero:
                _prelu_fwd_rows16(mx, w, C, lo, hi)
                return
    _prelu_fwd_blocks(mx, w, C, inner, lo, hi, nonzero)


cdef void _prelu_fwd_rows16(const _Mixed* mx, const float* w, Py_ssize_t C, Py_ssize_t lo,
                            Py_ssize_t hi) noexcept nogil:
    # x and out both float16 or both bfloat16, a slope per element (rows of C channels, or the
    # weights laid out as a pattern of whole periods: inner == 1), none zero: each row's stretch
    # converted in registers in one pass (the same bits as the blocks, as _prelu_fwd_runs16)
    cdef const unsigned short* x = <const unsigned short*>mx.x
    cdef unsigned short* y = <unsigned short*>mx.o
    cdef Py_ssize_t i = lo, end, k, c = lo % C  # only the first row can start inside one
    while i < hi:
        end = min(hi, i - c + C)
        if mx.xc == 0:
            rf_prelu_h_block(x + i, y + i, end - i, w + c)
        elif _bf16_hw:
            rf_prelu_bf_hw(x + i, y + i, end - i, w + c)
        else:
            for k in range(end - i):  # 16-bit
                y[i + k] = rf_f2bf(_leaky_nz(rf_bf2f(x[i + k]), w[c + k]))
        i = end
        c = 0


cdef void _prelu_fwd_blocks(const _Mixed* mx, const floating* w, Py_ssize_t C,
                            Py_ssize_t inner, Py_ssize_t lo, Py_ssize_t hi,
                            bint nonzero) noexcept nogil:
    # any operand codes: converted block by block, the one-dtype loop on the blocks
    cdef floating small[3 * _SMALL_BLOCK]
    cdef Py_ssize_t blk
    cdef floating* xbuf = _blocks(small, &blk)
    cdef floating* ybuf = xbuf + blk
    cdef int cc = 1 if floating is float else 2
    cdef Py_ssize_t xs = _code_size(mx.xc), ys = _code_size(mx.oc), s = lo, m
    cdef const floating* xp
    cdef floating* yp
    while s < hi:
        m = min(blk, hi - s)
        if mx.xc == cc:
            xp = <const floating*>(mx.x + s * xs)
        else:
            _load_block(mx.x + s * xs, mx.xc, xbuf, m)
            xp = xbuf
        yp = <floating*>(mx.o + s * ys) if mx.oc == cc else ybuf
        _prelu_fwd_seg(xp, w, yp, C, inner, s, m, nonzero)
        if mx.oc != cc:
            _store_block(ybuf, mx.o + s * ys, mx.oc, m)
        s += m
    if xbuf != small:
        free(xbuf)


cdef void _prelu_grad_mixed(const _Mixed* mx, const floating* w, double* gw, Py_ssize_t C,
                            Py_ssize_t inner, Py_ssize_t lo, Py_ssize_t hi,
                            bint nonzero) noexcept nogil:
    cdef floating small[3 * _SMALL_BLOCK]
    cdef Py_ssize_t blk
    cdef floating* gbuf = _blocks(small, &blk)
    cdef floating* xbuf = gbuf + blk
    cdef floating* obuf = xbuf + blk
    cdef int cc = 1 if floating is float else 2
    cdef Py_ssize_t gs = _code_size(mx.gc), xs = _code_size(mx.xc), os = _code_size(mx.oc)
    cdef Py_ssize_t s = lo, m
    cdef const floating* gp
    cdef const floating* xp
    cdef floating* op_
    while s < hi:
        m = min(blk, hi - s)
        if mx.gc == cc:
            gp = <const floating*>(mx.g + s * gs)
        else:
            _load_block(mx.g + s * gs, mx.gc, gbuf, m)
            gp = gbuf
        if mx.xc == cc:
            xp = <const floating*>(mx.x + s * xs)
        else:
            _load_block(mx.x + s * xs, mx.xc, xbuf, m)
            xp = xbuf
        op_ = <floating*>(mx.o + s * os) if mx.oc == cc else obuf
        _prelu_grad_seg(gp, xp, w, op_, gw, C, inner, s, m, nonzero)
        if mx.oc != cc:
            _store_block(obuf, mx.o + s * os, mx.oc, m)
        s += m
    if gbuf != small:
        free(gbuf)


cdef inline void _fwd_part(const _Mixed* mx, const floating* x, const floating* w,
                           const floating* bias, floating* y, Py_ssize_t C, Py_ssize_t inner,
                           Py_ssize_t lo, Py_ssize_t hi, bint nonzero) noexcept nogil:
    # one chunk of the forward, of one dtype (bias NULL or laid over x as w is) or mixed (no
    # bias): one test per chunk, not per element
    if mx != NULL:
        _prelu_fwd_mixed(mx, w, C, inner, lo, hi, nonzero)
    elif bias == NULL:
        _prelu_fwd_range(x, w, y, C, inner, lo, hi, nonzero)
    else:
        _prelu_fwd_range_b(x, w, bias, y, C, inner, lo, hi, nonzero)


cdef inline void _grad_part(const _Mixed* mx, const floating* g, const floating* x,
                            const floating* w, const floating* bias, floating* gx, double* gw,
                            double* gb, Py_ssize_t C, Py_ssize_t inner, Py_ssize_t lo,
                            Py_ssize_t hi, bint nonzero) noexcept nogil:
    # gb: the bias gradient's sums, as gw's (unused when bias is NULL)
    if mx != NULL:
        _prelu_grad_mixed(mx, w, gw, C, inner, lo, hi, nonzero)
    elif bias == NULL:
        _prelu_grad_range(g, x, w, gx, gw, C, inner, lo, hi, nonzero)
    else:
        _prelu_grad_range_b(g, x, w, bias, gx, gw, gb, C, inner, lo, hi, nonzero)


# ---------------------------------------------------------------------------------------------
# 4. drivers: checks, working memory, one chunk per thread (or the whole array inline when
#    nt <= 1: no fork/join), and for the gradient the fold of the per-thread sums

cdef inline bint _finite(const floating* w, Py_ssize_t n, bint* nonzero) noexcept nogil:
    # every weight finite; *nonzero: and none zero (the forward's loops drop the zero-slope
    # test then).  One pass over the weights.
    cdef Py_ssize_t i
    cdef bint bad = False, zero = False
    for i in range(n):  # not hot
        bad |= (w[i] - w[i]) != 0  # NaN for NaN and +-inf
        zero |= w[i] == 0
    nonzero[0] = not zero
    return not bad


cdef int _prelu_forward_run(const floating* x, const floating* w, floating* y, Py_ssize_t n,
                            Py_ssize_t C, Py_ssize_t inner, int nt, const _Mixed* mx,
                            const floating* bias) noexcept nogil:
    # mx: NULL, or the operands of a mixed call (x and y unused; its entry checked overlaps).
    # bias: NULL, or (one dtype only) C values laid over x as w is: y = prelu(x + bias)
    cdef unsigned int fp  # the caller's floating-point mode, restored after
    cdef Py_ssize_t blk, t, lo, reps, h = 0, size
    cdef bint nonzero
    cdef floating* pattern = NULL
    if mx == NULL and (_clash(x, y, n * sizeof(floating))
                       or not _apart(w, C * sizeof(floating), y, n * sizeof(floating))
                       or (bias != NULL
                           and not _apart(bias, C * sizeof(floating), y, n * sizeof(floating)))):
        return OVERLAP
    if not _finite(w, C, &nonzero):
        return NONFINITE
    if n == 0:
        return DONE
    if (floating is float and mx != NULL and nonzero and mx.xc == mx.oc
            and (mx.xc == 0 or mx.xc == 3) and _FWD_SHORT_RUN <= inner < _RUN16):
        reps = _prelu_layout16(C, inner, n)
    else:
        reps = _prelu_layout(C, inner, n, False)
    if reps:
        # the h elements before y's first cache line with the weights as given; from there, rows
        # of the pattern that start on line boundaries (see _head).  A mixed call stores
        # through block buffers: its pattern starts at the array's start (h = 0)
        if mx == NULL:
            h = _head(y, n, sizeof(floating))
        # the weights' pattern, and the bias's after it (laid out alike)
        size = reps * C * inner + h
        pattern = <floating*>malloc((2 * size if bias != NULL else size) * sizeof(floating))
        if pattern == NULL:
            return NOMEMORY
        _lay_out(w, C, inner, reps, pattern, h)
        if bias != NULL:
            _lay_out(bias, C, inner, reps, pattern + size, h)
        if h:
            _fwd_part(mx, x, w, bias, y, C, inner, 0, h, nonzero)
            x, y, n = x + h, y + h, n - h
        if bias != NULL:
            bias = pattern + size + h
        w, C, inner = pattern + h, reps * C * inner, 1
    if nt <= 1:
        _fwd_part(mx, x, w, bias, y, C, inner, 0, n, nonzero)
    else:
        blk = _block(n, nt)
        for t in prange(nt, schedule="static", num_threads=nt):
            lo = t * blk
            if lo < n:
                fp = rf_ieee_begin()  # the workers too (_compat.h)
                _fwd_part(mx, x, w, bias, y, C, inner, lo, min(n, lo + blk), nonzero)
                rf_ieee_end(fp)
    free(pattern)
    return DONE


cdef void _prelu_grad_chunk(const floating* g, const floating* x, const floating* w,
                            const floating* bias, const floating* pattern, floating* gx,
                            double* sums, Py_ssize_t C, Py_ssize_t inner, Py_ssize_t P,
                            Py_ssize_t stride, Py_ssize_t row, Py_ssize_t lo, Py_ssize_t hi,
                            bint nonzero, const _Mixed* mx) noexcept nogil:
    # one thread's [lo, hi): sums[c] += the weight gradient of channel c.  With a pattern of P
    # elements the terms are first summed per pattern position (in sums[stride:], this thread's
    # own), then folded into their channels.  With a bias (bias not NULL; the pattern then
    # holds the bias's P positions after the weights'), the bias gradient's sums are a second
    # set laid out alike at sums + row.
    cdef double* per_position = sums + stride
    cdef double* bsums = NULL
    cdef const floating* bpattern = NULL
    if bias != NULL:
        bsums = sums + row
        bpattern = pattern + P
    if pattern == NULL:
        _grad_part(mx, g, x, w, bias, gx, sums, bsums, C, inner, lo, hi, nonzero)
        return
    _grad_part(mx, g, x, pattern, bpattern, gx, per_position,
               NULL if bias == NULL else bsums + stride, P, 1, lo, hi, nonzero)
    _fold_positions(per_position, sums, C, inner, P)
    if bias != NULL:
        _fold_positions(bsums + stride, bsums, C, inner, P)


cdef void _fold_positions(const double* per_position, double* sums, Py_ssize_t C,
                          Py_ssize_t inner, Py_ssize_t P) noexcept nogil:
    # sums[c] += the P position sums of a pattern of whole periods, position p into channel
    # (p % period) // inner, in the order of p, stepped rather than divided: with the two
    # divisions per position the fold of a (3, 64, 7, 7) gradient's 3,136 positions took 13 us
    # of its 16 (once per call and thread)
    cdef Py_ssize_t p = 0, c, k
    cdef double s
    while p < P:
        for c in range(C):  # not hot: once per call and part
            s = sums[c]
            for k in range(inner):  # not hot: a sum in order (the same bits as before)
                s += per_position[p + k]
            sums[c] = s
            p += inner


cdef void _prelu_grad_channels(const floating* g, const floating* x, const floating* w,
                               const floating* bias, floating* gx, double* sums, double* bsums,
                               Py_ssize_t C, Py_ssize_t inner, bint laid_out, Py_ssize_t n,
                               Py_ssize_t c0, Py_ssize_t c1, bint nonzero,
                               const _Mixed* mx) noexcept nogil:
    # one thread's channels [c0, c1) in the split by channel: their slice of every period,
    # [o + c0 * inner, o + c1 * inner).  laid_out: w is a pattern of one period (runs too
    # short to loop alone) and the sums are per position, sums[c0 * inner:c1 * inner]; else w
    # as it is and sums[c0:c1].  No other thread touches these.  Each channel's terms are
    # added period after period, as one thread adds them.  bias (NULL, or laid out as w) and
    # its sums bsums (laid out as sums) for the fused bias.
    cdef Py_ssize_t period = C * inner, o, lo
    for o in range(n // period):  # not hot: per period, a slice of >= _SLICE_MIN elements
        lo = o * period + c0 * inner
        if laid_out:
            _grad_part(mx, g, x, w, bias, gx, sums, bsums, period, 1, lo,
                       lo + (c1 - c0) * inner, nonzero)
        else:
            _grad_part(mx, g, x, w, bias, gx, sums, bsums, C, inner, lo,
                       lo + (c1 - c0) * inner, nonzero)


cdef void _prelu_grad_round(const double* sums, floating* gw, Py_ssize_t k, Py_ssize_t c0,
                            Py_ssize_t c1, double* wide) noexcept nogil:
    # gw[c0:c1] from the sums of k positions per channel, each channel rounded once; or, wide
    # not NULL (a mixed call's mx.gw, a fused bias's sums), the float64 sums into wide[c0:c1],
    # which the entry rounds once
    cdef Py_ssize_t c, j
    cdef double s
    for c in range(c0, c1):  # not hot: once per call
        s = 0.0
        for j in range(c * k, (c + 1) * k):  # not hot
            s += sums[j]
        if wide == NULL:
            gw[c] = <floating>s  # an overflow to inf is IEEE's, as in the forwards
        else:
            wide[c] = s


cdef int _prelu_grad_by_channel(const floating* g, const floating* x, const floating* w,
                                floating* gx, floating* gw, Py_ssize_t n, Py_ssize_t C,
                                Py_ssize_t inner, bint laid_out, int nt, bint nonzero,
                                const _Mixed* mx, const floating* bias,
                                double* wide) noexcept nogil:
    cdef unsigned int fp  # the caller's floating-point mode, restored after
    # the gradient split by channel (_prelu_by_channel): one shared array of sums, and of the
    # weights laid out for one period if the runs are short; nothing written before both are
    # allocated.  With a bias: its pattern and its sums after the weights' (wide: as in
    # _prelu_gradient_run)
    cdef Py_ssize_t blk, t, c0, units = C * inner if laid_out else C
    cdef Py_ssize_t sets = 1 if bias == NULL else 2
    cdef floating* pattern = NULL
    cdef const floating* walk = w
    cdef const floating* walk_b = bias
    cdef double* sums
    cdef double* bsums = NULL
    if laid_out:
        pattern = <floating*>malloc(sets * C * inner * sizeof(floating))
        if pattern == NULL:
            return NOMEMORY
        _lay_out(w, C, inner, 1, pattern, 0)
        walk = pattern
        if bias != NULL:
            _lay_out(bias, C, inner, 1, pattern + C * inner, 0)
            walk_b = pattern + C * inner
    sums = <double*>calloc(sets * units, sizeof(double))
    if sums == NULL:
        free(pattern)
        return NOMEMORY
    if bias != NULL:
        bsums = sums + units
    # channels per thread, rounded up to 16 (the threads' slices and sums then start on cache
    # lines, which two threads do not share) unless that would leave a thread without any
    blk = _block(C, nt)
    if (nt - 1) * blk >= C:
        blk = (C + nt - 1) // nt
    for t in prange(nt, schedule="static", num_threads=nt):
        c0 = t * blk
        if c0 < C:
            fp = rf_ieee_begin()  # the workers too (_compat.h)
            _prelu_grad_channels(g, x, walk, walk_b, gx, sums, bsums, C, inner, laid_out, n,
                                 c0, min(C, c0 + blk), nonzero, mx)
            rf_ieee_end(fp)
    # gw once every thread has read g and x (the entry points let gw overlap them, as in the
    # element split, which writes gw last)
    for t in prange(nt, schedule="static", num_threads=nt):
        c0 = t * blk
        if c0 < C:
            fp = rf_ieee_begin()  # the workers too (_compat.h)
            _prelu_grad_round(sums, gw, inner if laid_out else 1, c0, min(C, c0 + blk), wide)
            if bias != NULL:
                _prelu_grad_round(bsums, gw, inner if laid_out else 1, c0, min(C, c0 + blk),
                                  wide + C)
            rf_ieee_end(fp)
    free(sums)
    free(pattern)
    return DONE


cdef inline Py_ssize_t _cache_lines(Py_ssize_t doubles) noexcept nogil:
    # doubles rounded up to whole 64-byte lines, so no two threads' sums share one
    return (doubles + 7) & ~(<Py_ssize_t>7)


cdef int _prelu_gradient_run(const floating* g, const floating* x, const floating* w,
                             floating* gx, floating* gw, Py_ssize_t n, Py_ssize_t C,
                             Py_ssize_t inner, int nt, const _Mixed* mx, const floating* bias,
                             double* wide) noexcept nogil:
    cdef unsigned int fp  # the caller's floating-point mode, restored after
    # gx = g * prelu'(x); gw[c] = the weight gradient of channel c, summed in double per part
    # (_parts: one per thread, the same parts for a call run inline), the parts' sums added in
    # part order (so the result does not depend on scheduling), rounded once; or, with many channels, split by channel (_prelu_by_channel).  mx: NULL,
    # or the operands of a mixed call (g, x, gx and gw unused; its entry checked overlaps).
    # bias: NULL, or (one dtype only) C values laid over x as w is: the gradients are taken at
    # x + bias, and wide (2 * C doubles) receives the weight gradient's float64 sums, then the
    # bias gradient's (the sums of gx per channel), gw unused
    cdef size_t nb = n * sizeof(floating)
    cdef Py_ssize_t blk, t, lo, reps, P = 0, stride, row, trow, c
    cdef bint nonzero  # no slope is 0: the loops of rows of channels drop the zero test
    cdef int parts = _parts(nt)  # the sums' grouping: one part per thread (_parts)
    cdef floating* pattern = NULL
    cdef double* sums
    if mx != NULL:
        wide = mx.gw
    if mx == NULL and (_clash(g, gx, nb) or _clash(x, gx, nb)
                       or not _apart(w, C * sizeof(floating), gx, nb)
                       or (bias == NULL and not _apart(gw, C * sizeof(floating), gx, nb))
                       or (bias != NULL and (not _apart(bias, C * sizeof(floating), gx, nb)
                                             or not _apart(wide, 2 * C * sizeof(double),
                                                           gx, nb)))):
        return OVERLAP
    if not _finite(w, C, &nonzero):
        return NONFINITE
    nt = max(nt, 1)  # the threads that run it
    reps = _prelu_layout(C, inner, n, True) if n else 0
    P = reps * C * inner
    stride = _cache_lines(C)  # per thread, a row: C channel sums, then P position sums
    row = stride + _cache_lines(P)
    trow = row if bias == NULL else 2 * row  # a thread's rows: the weight's, the bias's
    if _prelu_by_channel(C, inner, n, trow, parts):  # (its sums do not depend on nt)
        return _prelu_grad_by_channel(g, x, w, gx, gw, n, C, inner, reps != 0, nt, nonzero,
                                      mx, bias, wide)
    if reps:
        # Unlike the forward, the rows start where the array does, not on gx's first cache
        # line: the grouping of the float64 sums would then depend on where gx's buffer
        # starts, and the same call would round grad_weight differently into two buffers
        pattern = <floating*>malloc((P if bias == NULL else 2 * P) * sizeof(floating))
        if pattern == NULL:
            return NOMEMORY
        _lay_out(w, C, inner, reps, pattern, 0)
        if bias != NULL:
            _lay_out(bias, C, inner, reps, pattern + P, 0)
    sums = <double*>calloc(parts * trow, sizeof(double))
    if sums == NULL:
        free(pattern)
        return NOMEMORY
    blk = _block(n, parts)
    if nt == 1:
        for t in range(parts):
            lo = t * blk
            if lo < n:
                _prelu_grad_chunk(g, x, w, bias, pattern, gx, &sums[t * trow], C, inner, P,
                                  stride, row, lo, min(n, lo + blk), nonzero, mx)
    else:
        for t in prange(parts, schedule="static", num_threads=nt):
            lo = t * blk
            if lo < n:
                fp = rf_ieee_begin()  # the workers too (_compat.h)
                _prelu_grad_chunk(g, x, w, bias, pattern, gx, &sums[t * trow], C, inner, P,
                                  stride, row, lo, min(n, lo + blk), nonzero, mx)
                rf_ieee_end(fp)
    for t in range(1, parts):
        for c in range(C):  # not hot: once per call and part
            sums[c] += sums[t * trow + c]
        if bias != NULL:
            for c in range(C):  # not hot: once per call and part
                sums[row + c] += sums[t * trow + row + c]
    if wide == NULL:
        for c in range(C):  # not hot: once per call
            gw[c] = <floating>sums[c]  # an overflow to inf is IEEE's, as in the forwards
    else:
        for c in range(C):  # not hot: once per call (its entry rounds them to gw's dtype)
            wide[c] = sums[c]
        if bias != NULL:
            for c in range(C):  # not hot: once per call
                wide[C + c] = sums[row + c]
    free(sums)
    free(pattern)
    return DONE


# ---------------------------------------------------------------------------------------------
# 5. entry points
#
# As the elementwise ones: any ndarrays, checked through _buffers.pxi (C-contiguous, aligned, of
# the dtype; x, y or g, x, gx of one shape, y or gx writable), and w 1-D and not empty, gw 1-D,
# writable and of w's length; inner >= 1.  DONE, or nothing written and OVERLAP (an input
# overlaps the output other than element for element, the weight overlaps it, or gw overlaps gx),
# NONFINITE, REFUSED or NOMEMORY.  Each operand is acquired on its own (an export may be shared).

cdef int _prelu_forward_entry(object x, object w, object y, Py_ssize_t inner, int nt,
                              floating* dtype_tag) noexcept:
    cdef unsigned int fp  # the caller's floating-point mode, restored after
    cdef Py_buffer xb, wb, yb
    cdef char code = b'f' if floating is float else b'd'
    cdef int r = REFUSED
    cdef bint own_x = x is not y
    if not _acquire(y, &yb, _BUF_WRITABLE, code, sizeof(floating)):
        return REFUSED
    if own_x:
        if not _acquire(x, &xb, 0, code, sizeof(floating)):
            _release_buffer(&yb)
            return REFUSED
    else:
        xb = yb
    if _acquire(w, &wb, 0, code, sizeof(floating)):
        if _shapes_match(&xb, &yb) and wb.ndim == 1 and wb.shape[0] >= 1 and inner >= 1:
            with nogil:
                fp = rf_ieee_begin()
                r = _prelu_forward_run(<const floating*>xb.buf, <const floating*>wb.buf,
                                       <floating*>yb.buf, yb.len // <Py_ssize_t>sizeof(floating),
                                       wb.shape[0], inner, nt, NULL, NULL)
                rf_ieee_end(fp)
                if nt != 1:  # threaded, or could have been (nt = 0): see idle_seconds
                    rf_region_ended()
        _release_buffer(&wb)
    if own_x:
        _release_buffer(&xb)
    _release_buffer(&yb)
    return r


def prelu_forward_f32(x, w, y, Py_ssize_t inner, int nt):
    """y = prelu(x), x seen as runs of `inner` elements, run r on channel r % len(w), on nt
    threads (float32): a Status."""
    return _prelu_forward_entry(x, w, y, inner, nt, <float*>NULL)


def prelu_forward_f64(x, w, y, Py_ssize_t inner, int nt):
    """y = prelu(x), x seen as runs of `inner` elements, run r on channel r % len(w), on nt
    threads (float64): a Status."""
    return _prelu_forward_entry(x, w, y, inner, nt, <double*>NULL)


cdef int _prelu_gradient_entry(object g, object x, object w, object gx, object gw,
                               Py_ssize_t inner, int nt, floating* dtype_tag) noexcept:
    cdef unsigned int fp  # the caller's floating-point mode, restored after
    cdef Py_buffer b[5]
    cdef char code = b'f' if floating is float else b'd'
    cdef int held = 0, r = REFUSED
    held += _acquire(gx, &b[0], _BUF_WRITABLE, code, sizeof(floating))
    if held == 1:
        held += _acquire(g, &b[1], 0, code, sizeof(floating))
    if held == 2:
        held += _acquire(x, &b[2], 0, code, sizeof(floating))
    if held == 3:
        held += _acquire(w, &b[3], 0, code, sizeof(floating))
    if held == 4:
        held += _acquire(gw, &b[4], _BUF_WRITABLE, code, sizeof(floating))
    if held == 5:
        if (_shapes_match(&b[1], &b[0]) and _shapes_match(&b[2], &b[0]) and b[3].ndim == 1
                and b[3].shape[0] >= 1 and _shapes_match(&b[4], &b[3]) and inner >= 1):
            with nogil:
                fp = rf_ieee_begin()
                r = _prelu_gradient_run(<const floating*>b[1].buf, <const floating*>b[2].buf,
                                        <const floating*>b[3].buf, <floating*>b[0].buf,
                                        <floating*>b[4].buf,
                                        b[0].len // <Py_ssize_t>sizeof(floating),
                                        b[3].shape[0], inner, nt, NULL, NULL, NULL)
                rf_ieee_end(fp)
                if nt != 1:  # threaded, or could have been (nt = 0): see idle_seconds
                    rf_region_ended()
    while held > 0:
        held -= 1
        _release_buffer(&b[held])
    return r


def prelu_gradient_f32(g, x, w, gx, gw, Py_ssize_t inner, int nt):
    """gx = g * prelu'(x) and gw[c] = the weight gradient of channel c (summed in float64,
    rounded once), x seen as for prelu_forward_f32, on nt threads (float32): a Status."""
    return _prelu_gradient_entry(g, x, w, gx, gw, inner, nt, <float*>NULL)


def prelu_gradient_f64(g, x, w, gx, gw, Py_ssize_t inner, int nt):
    """gx = g * prelu'(x) and gw[c] = the weight gradient of channel c (summed in float64,
    rounded once), x seen as for prelu_forward_f64, on nt threads (float64): a Status."""
    return _prelu_gradient_entry(g, x, w, gx, gw, inner, nt, <double*>NULL)


# The fused bias's entry points: as prelu_forward_f32/f64 and prelu_gradient_f32/f64, with
# `bias` 1-D of w's length and dtype (C-contiguous, aligned), apart from the output.  The
# gradient's `sums`, 2 * len(w) float64 values (writable, apart from every operand), receives
# the weight gradient's sums, then the bias gradient's, unrounded: the Python layer rounds them
# once (after adding up the channels of a scalar weight or bias it laid out per channel).

cdef int _prelu_bias_forward_entry(object x, object w, object bias, object y, Py_ssize_t inner,
                                   int nt, floating* dtype_tag) noexcept:
    cdef unsigned int fp  # the caller's floating-point mode, restored after
    cdef Py_buffer b[4]
    cdef char code = b'f' if floating is float else b'd'
    cdef int held = 0, r = REFUSED
    # y, x, w, bias; each acquired on its own (an export may be shared)
    held += _acquire(y, &b[0], _BUF_WRITABLE, code, sizeof(floating))
    if held == 1:
        held += _acquire(x, &b[1], 0, code, sizeof(floating))
    if held == 2:
        held += _acquire(w, &b[2], 0, code, sizeof(floating))
    if held == 3:
        held += _acquire(bias, &b[3], 0, code, sizeof(floating))
    if held == 4:
        if (_shapes_match(&b[1], &b[0]) and b[2].ndim == 1 and b[2].shape[0] >= 1
                and _shapes_match(&b[3], &b[2]) and inner >= 1):
            with nogil:
                fp = rf_ieee_begin()
                r = _prelu_forward_run(<const floating*>b[1].buf, <const floating*>b[2].buf,
                                       <floating*>b[0].buf,
                                       b[0].len // <Py_ssize_t>sizeof(floating), b[2].shape[0],
                                       inner, nt, NULL, <const floating*>b[3].buf)
                rf_ieee_end(fp)
                if nt != 1:  # threaded, or could have been (nt = 0): see idle_seconds
                    rf_region_ended()
    while held > 0:
        held -= 1
        _release_buffer(&b[held])
    return r


def prelu_bias_forward_f32(x, w, bias, y, Py_ssize_t inner, int nt):
    """y = prelu(x + bias), x + bias rounded in float32, bias and w laid over x as in
    prelu_forward_f32, on nt threads: a Status."""
    return _prelu_bias_forward_entry(x, w, bias, y, inner, nt, <float*>NULL)


def prelu_bias_forward_f64(x, w, bias, y, Py_ssize_t inner, int nt):
    """As prelu_bias_forward_f32, float64: a Status."""
    return _prelu_bias_forward_entry(x, w, bias, y, inner, nt, <double*>NULL)


cdef int _prelu_bias_gradient_entry(object g, object x, object w, object bias, object gx,
                                    object sums, Py_ssize_t inner, int nt,
                                    floating* dtype_tag) noexcept:
    cdef unsigned int fp  # the caller's floating-point mode, restored after
    cdef Py_buffer b[6]
    cdef char code = b'f' if floating is float else b'd'
    cdef int held = 0, r = REFUSED, k
    cdef Py_ssize_t C
    # gx, g, x, w, bias, sums
    held += _acquire(gx, &b[0], _BUF_WRITABLE, code, sizeof(floating))
    if held == 1:
        held += _acquire(g, &b[1], 0, code, sizeof(floating))
    if held == 2:
        held += _acquire(x, &b[2], 0, code, sizeof(floating))
    if held == 3:
        held += _acquire(w, &b[3], 0, code, sizeof(floating))
    if held == 4:
        held += _acquire(bias, &b[4], 0, code, sizeof(floating))
    if held == 5:
        held += _acquire(sums, &b[5], _BUF_WRITABLE, b'd', 8)
    if held == 6:
        C = b[3].shape[0] if b[3].ndim == 1 else 0
        if (_shapes_match(&b[1], &b[0]) and _shapes_match(&b[2], &b[0]) and C >= 1
                and _shapes_match(&b[4], &b[3]) and b[5].len == 2 * C * 8 and inner >= 1):
            r = DONE
            for k in range(1, 5):  # the sums are written last, but apart from every operand
                if not _apart(b[5].buf, b[5].len, b[k].buf, b[k].len):
                    r = OVERLAP
            if r == DONE:
                with nogil:
                    fp = rf_ieee_begin()
                    r = _prelu_gradient_run(<const floating*>b[1].buf,
                                            <const floating*>b[2].buf,
                                            <const floating*>b[3].buf, <floating*>b[0].buf,
                                            <floating*>NULL,
                                            b[0].len // <Py_ssize_t>sizeof(floating), C, inner,
                                            nt, NULL, <const floating*>b[4].buf,
                                            <double*>b[5].buf)
                    rf_ieee_end(fp)
                    if nt != 1:  # threaded, or could have been (nt = 0): see idle_seconds
                        rf_region_ended()
    while held > 0:
        held -= 1
        _release_buffer(&b[held])
    return r


def prelu_bias_gradient_f32(g, x, w, bias, gx, sums, Py_ssize_t inner, int nt):
    """gx = g * prelu'(x + bias) (x + bias rounded in float32); sums[:C] = the weight
    gradient's float64 sums per channel, sums[C:] = the bias gradient's (of gx), C = len(w),
    unrounded; on nt threads: a Status."""
    return _prelu_bias_gradient_entry(g, x, w, bias, gx, sums, inner, nt, <float*>NULL)


def prelu_bias_gradient_f64(g, x, w, bias, gx, sums, Py_ssize_t inner, int nt):
    """As prelu_bias_gradient_f32, float64: a Status."""
    return _prelu_bias_gradient_entry(g, x, w, bias, gx, sums, inner, nt, <double*>NULL)


# The mixed-dtype entry points: x, y (g, x, gx) C-contiguous, aligned, of one shape, of any of
# the float codes of _acquire_float (bfloat16 as its uint16 bits, passed only by the Python
# layer); w 1-D of the compute dtype (float64 if f64, else float32; the Python layer converts
# it, C elements, exactly); gw 1-D of len(w), writable, of any float code.  An input may be out
# itself (same start and dtype); any other overlap with out, or of w or gw with out, is
# OVERLAP.  gw receives the float64 sums rounded once to its dtype, after the run succeeded.

def prelu_forward_mixed(x, w, y, Py_ssize_t inner, bint f64, int nt):
    """y = prelu(x) for x and y of any float dtypes, w of the compute dtype (float64 if `f64`
    else float32), computed in it, x seen as for prelu_forward_f32: a Status."""
    cdef unsigned int fp  # the caller's floating-point mode, restored after
    cdef Py_buffer xb, wb, yb
    cdef int xc, yc, r = REFUSED
    cdef bint own_x = x is not y
    cdef Py_ssize_t n
    cdef _Mixed mx
    yc = _acquire_float(y, &yb, _BUF_WRITABLE)
    if yc < 0:
        return REFUSED
    if own_x:
        xc = _acquire_float(x, &xb, 0)
        if xc < 0:
            _release_buffer(&yb)
            return REFUSED
    else:
        xb = yb
        xc = yc
    if _acquire(w, &wb, 0, b'd' if f64 else b'f', 8 if f64 else 4):
        if _shapes_match(&xb, &yb) and wb.ndim == 1 and wb.shape[0] >= 1 and inner >= 1:
            if _clash_mixed(&xb, xc, &yb, yc) or not _apart(wb.buf, wb.len, yb.buf, yb.len):
                r = OVERLAP
            else:
                mx.g, mx.gc, mx.gw = NULL, 0, NULL
                mx.x, mx.xc, mx.o, mx.oc = <const char*>xb.buf, xc, <char*>yb.buf, yc
                n = yb.len // _code_size(yc)
                with nogil:
                    fp = rf_ieee_begin()
                    if f64:
                        r = _prelu_forward_run(<const double*>NULL, <const double*>wb.buf,
                                               <double*>NULL, n, wb.shape[0], inner, nt, &mx,
                                               NULL)
                    else:
                        r = _prelu_forward_run(<const float*>NULL, <const float*>wb.buf,
                                               <float*>NULL, n, wb.shape[0], inner, nt, &mx,
                                               NULL)
                    rf_ieee_end(fp)
                    if nt != 1:  # threaded, or could have been (nt = 0): see idle_seconds
                        rf_region_ended()
        _release_buffer(&wb)
    if own_x:
        _release_buffer(&xb)
    _release_buffer(&yb)
    return r


def prelu_gradient_mixed(g, x, w, gx, gw, Py_ssize_t inner, bint f64, int nt):
    """gx = g * prelu'(x) and gw[c] = the weight gradient of channel c (summed in float64,
    rounded once to gw's dtype) for g, x, gx, gw of any float dtypes, w of the compute dtype
    (float64 if `f64` else float32), computed in it: a Status."""
    cdef unsigned int fp  # the caller's floating-point mode, restored after
    cdef Py_buffer b[5]
    cdef int code[5]
    cdef int held = 0, r = REFUSED
    cdef Py_ssize_t n, C = 0, c
    cdef double* sums = NULL
    cdef _Mixed mx
    # gx, g, x, w, gw; every one acquired on its own (an export may be shared)
    code[1] = code[2] = code[4] = -1
    code[0] = _acquire_float(gx, &b[0], _BUF_WRITABLE)
    held += code[0] >= 0
    if held == 1:
        code[1] = _acquire_float(g, &b[1], 0)
        held += code[1] >= 0
    if held == 2:
        code[2] = _acquire_float(x, &b[2], 0)
        held += code[2] >= 0
    if held == 3:
        held += _acquire(w, &b[3], 0, b'd' if f64 else b'f', 8 if f64 else 4)
    if held == 4:
        code[4] = _acquire_float(gw, &b[4], _BUF_WRITABLE)
        held += code[4] >= 0
    if held == 5:
        if (_shapes_match(&b[1], &b[0]) and _shapes_match(&b[2], &b[0]) and b[3].ndim == 1
                and b[3].shape[0] >= 1 and b[4].ndim == 1 and b[4].shape[0] == b[3].shape[0]
                and inner >= 1):
            C = b[3].shape[0]
            if (_clash_mixed(&b[1], code[1], &b[0], code[0])
                    or _clash_mixed(&b[2], code[2], &b[0], code[0])
                    or not _apart(b[3].buf, b[3].len, b[0].buf, b[0].len)
                    or not _apart(b[4].buf, b[4].len, b[0].buf, b[0].len)):
                r = OVERLAP
            else:
                sums = <double*>malloc(C * sizeof(double))
                r = NOMEMORY if sums == NULL else DONE
        if r == DONE:
            mx.g, mx.gc = <const char*>b[1].buf, code[1]
            mx.x, mx.xc = <const char*>b[2].buf, code[2]
            mx.o, mx.oc = <char*>b[0].buf, code[0]
            mx.gw = sums
            n = b[0].len // _code_size(code[0])
            with nogil:
                fp = rf_ieee_begin()
                if f64:
                    r = _prelu_gradient_run(<const double*>NULL, <const double*>NULL,
                                            <const double*>b[3].buf, <double*>NULL,
                                            <double*>NULL, n, C, inner, nt, &mx, NULL, NULL)
                else:
                    r = _prelu_gradient_run(<const float*>NULL, <const float*>NULL,
                                            <const float*>b[3].buf, <float*>NULL,
                                            <float*>NULL, n, C, inner, nt, &mx, NULL, NULL)
                if r == DONE:  # gw last: rounded once from the float64 sums
                    if code[4] == 2:
                        for c in range(C):  # not hot: once per call
                            (<double*>b[4].buf)[c] = sums[c]
                    else:
                        _store_block(sums, b[4].buf, code[4], C)
                rf_ieee_end(fp)
                if nt != 1:  # threaded, or could have been (nt = 0): see idle_seconds
                    rf_region_ended()
            free(sums)
    while held > 0:
        held -= 1
        _release_buffer(&b[held])
    return r
