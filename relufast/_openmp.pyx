"""OpenMP shim: whether OpenMP is compiled in, the runtime's thread count, the CPU's features.

Built without OpenMP, every function still works and reports one thread.
"""

cdef extern from "_compat.h" nogil:
    int RF_OPENMP
    const char* RF_COMPILER
    int rf_omp_max_threads()
    int rf_omp_num_procs()
    int rf_omp_release_threads()
    int rf_fpmode_set(int flush)
    int RF_HAVE_FPMODE
    int rf_cpu_has_avx2()
    int rf_cpu_has_avx512()


OPENMP = bool(RF_OPENMP)
COMPILER = RF_COMPILER.decode()


def max_threads():
    """omp_get_max_threads(): OMP_NUM_THREADS, threadpoolctl's limit, or the core count."""
    return rf_omp_max_threads()


def num_procs():
    """omp_get_num_procs(): the cores this process may run on (1 without OpenMP)."""
    return rf_omp_num_procs()


def release_threads():
    """End the calling thread's OpenMP worker threads (before a fork); False if this runtime
    cannot.  The next parallel region starts new ones."""
    return bool(rf_omp_release_threads())


def set_flush_denormals(on):
    """For the tests: set (True) or clear the calling thread's flush-to-zero and
    denormals-are-zero modes, as torch.set_flush_denormal does; returns whether they were set.
    None where this build cannot (not x86-64)."""
    if not RF_HAVE_FPMODE:
        return None
    return bool(rf_fpmode_set(1 if on else 0))


def cpu_features():
    """The instruction sets the kernels can use on this CPU (besides the baseline)."""
    found = []
    if rf_cpu_has_avx2():
        found.append("avx2")
    if rf_cpu_has_avx512():
        found.append("avx512")
    return found
