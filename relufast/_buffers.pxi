# relufast/_buffers.pxi: the entry points' operands, taken through the buffer protocol (included
# by _kernels.pxi).
#
# An entry point accepts any object but computes only on a C-contiguous, aligned buffer of its
# dtype: checking that here, in C, replaces the Python layer's checks of shape, dtype and flags
# and its ravel() views on the hot path, where they would be a large part of a small call.
# Whatever fails a check is refused with nothing held and no exception set, so the caller's
# general path can name the problem or copy.

cdef extern from "Python.h":
    # declared without `except`: a failure is answered with REFUSED, its exception cleared
    int _get_buffer "PyObject_GetBuffer"(object obj, Py_buffer* view, int flags)
    void _clear_error "PyErr_Clear"()
    void _release_buffer "PyBuffer_Release"(Py_buffer* view)
    enum:
        _BUF_C "PyBUF_C_CONTIGUOUS"
        _BUF_FORMAT "PyBUF_FORMAT"
        _BUF_WRITABLE "PyBUF_WRITABLE"


cdef extern from "_compat.h":
    char RF_ORDER_CHAR
    char RF_ORDER_CHAR2


cdef inline bint _native(const char* f, char code) noexcept:
    # the format of one native `code` element: the code alone, or after a byte-order character
    # that means this machine's order ('@', '=', '<' on little-endian machines): a float64
    # array whose dtype spells out its byte order ('<f8', as from ctypes) exports "<d"
    if f == NULL:
        return False
    if f[0] == b'@' or f[0] == b'=' or f[0] == RF_ORDER_CHAR or f[0] == RF_ORDER_CHAR2:
        f += 1
    return f[0] == code and f[1] == 0


cdef bint _acquire(object o, Py_buffer* v, int flags, char code, Py_ssize_t size) noexcept:
    # a C-contiguous, aligned buffer of native `code` elements ('f', 'd') of `size` bytes;
    # False with nothing held and no exception set otherwise
    if _get_buffer(o, v, flags | _BUF_C | _BUF_FORMAT) != 0:
        _clear_error()
        return False
    if v.itemsize == size and _native(v.format, code) and (<size_t>v.buf) % size == 0:
        return True
    _release_buffer(v)
    return False


cdef bint _shapes_match(const Py_buffer* a, const Py_buffer* b) noexcept:
    cdef int i
    if a.ndim != b.ndim:
        return False
    for i in range(a.ndim):
        if a.shape[i] != b.shape[i]:
            return False
    return True


cdef inline bint _clash(const void* a, const void* b, Py_ssize_t nbytes) noexcept nogil:
    # two contiguous ranges of nbytes that overlap without coinciding: an input that is out
    # itself (in place) is read element by element before it is written, anything else is not
    cdef const char* p = <const char*>a
    cdef const char* q = <const char*>b
    return p != q and p < q + nbytes and q < p + nbytes


cdef inline bint _apart(const void* a, size_t na, const void* b, size_t nb) noexcept nogil:
    # two byte ranges that do not overlap at all (prelu's weight is read by every element, so
    # it may not share a byte with the output)
    cdef const char* p = <const char*>a
    cdef const char* q = <const char*>b
    return p + na <= q or q + nb <= p


cdef inline Py_ssize_t _head(const void* p, Py_ssize_t n, Py_ssize_t itemsize) noexcept nogil:
    # elements before the first 64-byte boundary at or after p (at most n).  The drivers run
    # them apart, so that the vector body stores whole cache lines: NumPy's large buffers sit
    # 16 or 32 bytes past a boundary, and a 64-byte store straddling two lines runs the
    # in-cache loops about 25% slower (docs/performance.md)
    cdef Py_ssize_t h = <Py_ssize_t>((-<size_t>p) & 63) // itemsize
    return h if h < n else n


cdef inline int _parts(int nt) noexcept nogil:
    # the parts a reduction (a weight's or bias's gradient) groups its float64 sums by: one per
    # thread, and for nt < 0 (threads_for's grouped answer: a call run inline that could have
    # threaded) -nt, so that its sums are those the threaded call would give
    return -nt if nt < 0 else (nt if nt > 1 else 1)


cdef inline Py_ssize_t _block(Py_ssize_t n, int nt) noexcept nogil:
    # elements per thread, rounded up to 16 so that chunks start on 64-byte boundaries (when the
    # first does: the drivers start them after _head)
    cdef Py_ssize_t b = (n + nt - 1) // nt
    return (b + 15) & ~(<Py_ssize_t>15)
