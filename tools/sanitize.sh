#!/usr/bin/env bash
# Build relufast with AddressSanitizer and UndefinedBehaviorSanitizer and run the whole test
# suite against that build.  Any report fails the run: ASan halts on its first error, and UBSan
# is built with -fno-sanitize-recover so that it aborts instead of printing and going on.
#
# The build happens in a scratch copy of the checkout (tracked and untracked-but-not-ignored
# files), so the in-place build next to the sources is left alone.  Only the kernel modules this
# CPU can run are built (an AVX-512 module that cannot be imported here would be compiled for
# nothing).  Linux with gcc (or clang) and its sanitizer runtimes; uses the current Python
# environment, which needs the test dependencies (pip install ".[test]").
#
#   tools/sanitize.sh [pytest arguments]     (default: the whole suite, quietly)
#
# Leak detection is off here: CPython does not free everything at exit, so LeakSanitizer would
# report the interpreter; leaks are tests/test_leaks.py's and tools/valgrind.sh's job.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-python}
cc=${CC:-gcc}

work=$(mktemp -d "${TMPDIR:-/tmp}/relufast-sanitize.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -xf - -C "$work"

# the build needs pyproject.toml's build requirements, which a venv made by `pip install .`
# need not have (pip builds in an isolated environment) or may have too old (a venv's bundled
# setuptools cannot read the SPDX license field)
"$py" -m pip install -q "Cython>=3.1" "setuptools>=77"

isas=baseline
grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && isas+=,avx2
grep -qw avx512f /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo &&
    grep -qw avx512vl /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && isas+=,avx512

san="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all"
san+=" -fno-omit-frame-pointer -g"
start=$SECONDS
(cd "$work" && CC=$cc RELUFAST_BUILD_ISAS=$isas RELUFAST_EXTRA_CFLAGS="$san" \
    "$py" setup.py -q build_ext --inplace >"$work/build.log" 2>&1) || {
    tail -n 40 "$work/build.log"; echo "sanitize: build failed" >&2; exit 1; }
echo "sanitize: built $isas with $san in $((SECONDS - start)) s"

# every compiled module must carry the instrumentation, or this run proves nothing
for so in "$work"/relufast/*.so; do
    syms=$(nm -D --undefined-only "$so")
    grep -q __asan_report_ <<<"$syms" ||
        { echo "sanitize: $so is not ASan-instrumented" >&2; exit 1; }
done
syms=$(nm -D --undefined-only "$work"/relufast/_kernels_baseline*.so)
grep -q __ubsan_handle_ <<<"$syms" ||
    { echo "sanitize: the kernels are not UBSan-instrumented" >&2; exit 1; }

# CPython itself is not instrumented: the ASan runtime must be loaded first, and Python's own
# allocator is bypassed (PYTHONMALLOC=malloc) so that ASan sees every object and buffer.
libasan=$("$cc" -print-file-name=libasan.so)
[ -e "$libasan" ] || { echo "sanitize: no $libasan" >&2; exit 1; }
export LD_PRELOAD=$libasan${LD_PRELOAD:+:$LD_PRELOAD}
export PYTHONMALLOC=malloc
# detect_stack_use_after_return=0: with it, ASan moves frames to its fake stack, and the avx512
# module's entry points, whose frames gcc realigns to 64 bytes for AVX-512 spills, crashed on
# entry (SEGV in the prologue, no report; 2026-12-07, mask_gradient_f32 after the kernels were
# inlined into it): an instrumentation fault, not the code's.  Out-of-bounds and use-after-free
# are still caught.
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1:allocator_may_return_null=1:strict_string_checks=1:detect_stack_use_after_return=0:check_initialization_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# every test runs; the accuracy test on 10**5 points per function (10**6 in the plain suite)
# and 100 Hypothesis examples a property (300):
# the instrumented kernels are the same code, 3x slower
export RELUFAST_ACCURACY_POINTS=${RELUFAST_ACCURACY_POINTS:-100000}
export RELUFAST_HYPOTHESIS_EXAMPLES=${RELUFAST_HYPOTHESIS_EXAMPLES:-100}
cd "$work"

# canary: a view that claims 4x the memory its buffer has must make ASan stop the kernel, or the
# runtime is not watching (a wrong LD_PRELOAD, a Python that overrides it)
if ASAN_OPTIONS=$ASAN_OPTIONS:abort_on_error=0 "$py" - >"$work/canary.log" 2>&1 <<'PY'
import os, sys, numpy as np, relufast
assert relufast.__file__.startswith(os.getcwd()), relufast.__file__  # the instrumented copy
buf = np.zeros(256)
view = np.lib.stride_tricks.as_strided(buf, shape=(1024,), strides=(8,))
relufast.relu(view)
PY
then
    echo "sanitize: the canary read past its buffer unnoticed" >&2; exit 1
fi
grep -q "AddressSanitizer: heap-buffer-overflow" "$work/canary.log" &&
    grep -q "_kernels_" "$work/canary.log" ||
    { cat "$work/canary.log" >&2; echo "sanitize: the canary failed for another reason" >&2; exit 1; }
echo "sanitize: canary caught (ASan is active in the kernels)"

start=$SECONDS
if [ $# -eq 0 ]; then set -- -q; fi
"$py" -m pytest -p no:cacheprovider "$@"
echo "sanitize: test suite clean under ASan+UBSan in $((SECONDS - start)) s"

# then the fuzzer, against the same instrumented kernels (RELUFAST_SANITIZE_FUZZ seconds; 0: no)
fuzz=${RELUFAST_SANITIZE_FUZZ:-30}
if [ "$fuzz" -gt 0 ]; then
    start=$SECONDS
    if ! PYTHONPATH="$work${PYTHONPATH:+:$PYTHONPATH}" "$py" "$work/tools/fuzz.py" \
            -max_total_time="$fuzz" >"$work/fuzz.log" 2>&1; then
        tail -n 60 "$work/fuzz.log"; echo "sanitize: the fuzzer found something" >&2; exit 1
    fi
    grep -E "^(INFO: Seed|Done)" "$work/fuzz.log"
    echo "sanitize: fuzzing clean under ASan+UBSan for $((SECONDS - start)) s"
fi
