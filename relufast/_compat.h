/* relufast/_compat.h: what differs between compilers and builds, in one place.
 *
 * - OpenMP: the same sources build with and without it (RF_OPENMP says which).
 * - CPU features for the run-time choice of kernel module (gcc and clang on x86-64 only; other
 *   compilers and platforms report none and use the baseline kernels).
 * - The compiler's name and version, for show_config().
 */
#ifndef RELUFAST_COMPAT_H
#define RELUFAST_COMPAT_H

#ifdef _OPENMP
#include <omp.h>
#define RF_OPENMP 1
static inline int rf_omp_max_threads(void) { return omp_get_max_threads(); }
static inline int rf_omp_num_procs(void) { return omp_get_num_procs(); }
#else
#define RF_OPENMP 0
static inline int rf_omp_max_threads(void) { return 1; }
static inline int rf_omp_num_procs(void) { return 1; }
#endif

/* Before a fork: end the calling thread's OpenMP worker threads.  A child made by fork has only
 * the forking thread, but libgomp's record of that thread's pool survives, and the child's first
 * parallel region waits forever for workers that do not exist.  With the pool released, the
 * child (and the parent, on its next parallel region) starts a new one.  Returns 1 if the
 * runtime can release it, 0 if not (a runtime without OpenMP 5.0's pause; LLVM's libomp also
 * restarts its pool in the child by itself). */
#if defined(_OPENMP) && defined(RF_OMP_PAUSE)
static inline int rf_omp_release_threads(void)
{
    omp_pause_resource_all(omp_pause_hard);
    return 1;
}
#else
static inline int rf_omp_release_threads(void) { return 0; }
#endif

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
static inline int rf_cpu_has_avx2(void)
{
    __builtin_cpu_init();
    /* F16C: the float16 conversions of the avx2 module (every AVX2 CPU has it) */
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("f16c");
}
static inline int rf_cpu_has_avx512(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("f16c");
}
#else
static inline int rf_cpu_has_avx2(void) { return 0; }
static inline int rf_cpu_has_avx512(void) { return 0; }
#endif

#if defined(__clang__)
#define RF_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define RF_COMPILER "gcc " __VERSION__
#elif defined(_MSC_VER)
#define RF_STR2(x) #x
#define RF_STR(x) RF_STR2(x)
#define RF_COMPILER "msvc " RF_STR(_MSC_FULL_VER)
#else
#define RF_COMPILER "unknown"
#endif

/* The buffer protocol's byte-order character that means this machine's order, besides '@' and
 * '=' (NumPy exports "<d" for a float64 dtype whose byte order is spelled out, as ctypes arrays
 * have). */
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define RF_ORDER_CHAR '>'
#define RF_ORDER_CHAR2 '!'
#else
#define RF_ORDER_CHAR '<'
#define RF_ORDER_CHAR2 '<'
#endif

/* IEEE arithmetic for the kernels whatever the caller's floating-point mode: x86's flush-to-zero
 * (FTZ) and denormals-are-zero (DAZ) bits of MXCSR are per thread, so a caller that set them
 * (torch.set_flush_denormal(True), -ffast-math code) would flush the elements its own thread
 * computes and not those of the OpenMP workers: 1 and N threads would differ.  Each thread that
 * computes clears them for the call and restores them after; where they are already clear, as
 * usual, that is one read of MXCSR.  rf_fpmode_set is for the tests. */
#if defined(__SSE2__) || defined(_M_X64)
#include <xmmintrin.h>
#define RF_FTZ_DAZ 0x8040u
static inline unsigned int rf_ieee_begin(void)
{
    unsigned int csr = _mm_getcsr();
    if (csr & RF_FTZ_DAZ)
        _mm_setcsr(csr & ~RF_FTZ_DAZ);
    return csr;
}
static inline void rf_ieee_end(unsigned int csr)
{
    if (csr & RF_FTZ_DAZ)
        _mm_setcsr(csr);
}
static inline int rf_fpmode_set(int flush)
{
    unsigned int csr = _mm_getcsr();
    _mm_setcsr(flush ? (csr | RF_FTZ_DAZ) : (csr & ~RF_FTZ_DAZ));
    return (csr & RF_FTZ_DAZ) != 0;
}
#define RF_HAVE_FPMODE 1
#else
static inline unsigned int rf_ieee_begin(void) { return 0; }
static inline void rf_ieee_end(unsigned int csr) { (void)csr; }
static inline int rf_fpmode_set(int flush) { (void)flush; return 0; }
#define RF_HAVE_FPMODE 0
#endif

/* When this kernel module's last call that ran on threads, or could have (nt = 0: inline), ended,
 * for the Python layer's choice of thread count: workers that have idled past their spin are
 * asleep, and waking them costs more than a mid-sized call saves, unless calls come back to back
 * (relufast/_threads.py).  Per kernel module (a relaxed store: concurrent callers only move it
 * forward by microseconds).  Without a
 * monotonic clock the idle time reads 0: workers count as awake, as before the rule. */
#if defined(__unix__) || defined(__APPLE__)
#include <time.h>
static double rf__region_end;
static inline double rf__now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
static inline void rf_region_ended(void)
{
    double now = rf__now();
    __atomic_store(&rf__region_end, &now, __ATOMIC_RELAXED);
}
static inline double rf_idle_seconds(void)
{
    double end;
    __atomic_load(&rf__region_end, &end, __ATOMIC_RELAXED);
    return rf__now() - end;
}
#else
static inline void rf_region_ended(void) {}
static inline double rf_idle_seconds(void) { return 0.0; }
#endif

/* Which instruction set this translation unit was compiled for. */
#if defined(__AVX512F__)
#define RF_ISA "avx512"
#define RF_MASKED 1   /* AVX-512's mask registers: a select costs one masked instruction */
#elif defined(__AVX2__)
#define RF_ISA "avx2"
#elif defined(__x86_64__) || defined(_M_X64)
#define RF_ISA "x86-64 baseline (SSE2)"
#elif defined(__aarch64__) || defined(_M_ARM64)
#define RF_ISA "aarch64 baseline (NEON)"
#else
#define RF_ISA "baseline"
#endif
#ifndef RF_MASKED
#define RF_MASKED 0
#endif

#endif /* RELUFAST_COMPAT_H */
