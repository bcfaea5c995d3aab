#!/usr/bin/env bash
# valgrind memcheck over a representative subset of the test suite: every layout and out
# pairing, overlapping operands, unaligned buffers and memmaps, the refused calls, a short run of
# the property tests, the regression tests, and Python threads with OpenMP teams.
#
#   tools/valgrind.sh [pytest arguments]     (default: the subset below; ~2.5 min here)
#
# Runs the relufast that Python imports from outside the checkout: the installed package, or a
# build named by PYTHONPATH (PYTHONPATH=$PWD after `python setup.py build_ext --inplace`).
#
# What fails the run (tools/valgrind_report.py reads the log):
#   * any error whose stack has a frame in relufast's compiled modules, of any kind (invalid
#     read or write, use of an uninitialised value, a bad free, a definite leak);
#   * any invalid read, write or free anywhere (a kernel could corrupt memory that CPython or
#     NumPy then trips over), except two glibc false positives (ld.so's is_dst, wmemcmp's
#     vector over-read);
# What is counted but tolerated: uninitialised-value reports with no relufast frame.  CPython
# 3.11's int.from_bytes reads an uninitialised digit (`python -c pass` alone gives 622 such
# reports), and the value then travels through the interpreter.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 1; }
# the interpreter itself, not a wrapper script (pyenv's shims are bash: valgrind would check bash)
py=$("${PYTHON:-python}" -c 'import sys; print(sys.executable)')
py=$(readlink -f "$py")

work=$(mktemp -d "${TMPDIR:-/tmp}/relufast-valgrind.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"  # so that the checkout's uncompiled sources do not shadow the build
"$py" -c 'import relufast, sys; sys.stdout.write("valgrind: testing " + relufast.__file__ + "\n")'

if [ $# -eq 0 ]; then
    # every input/out layout pairing and the overlapping operands (test_arrays), unaligned
    # buffers and memmaps (test_unusual_arrays), a short run of the property tests, the
    # regression tests of docs/trust.md (in test_errors, test_threads and test_gradients), and
    # Python threads sharing prelu's inputs with OpenMP teams
    k="(layout_pair or overlap or grad_is_x or unaligned or test_properties or shared_weight"
    k+=" or beyond_float64 or empty_x or absurd_thread or cap_is_generous or huge_omp"
    k+=" or large_alpha or cancelling_huge or derivative_overflows) and not 3x40001"
    set -- \
        "$repo/tests/test_arrays.py" "$repo/tests/test_unusual_arrays.py" \
        "$repo/tests/test_properties.py" "$repo/tests/test_errors.py" \
        "$repo/tests/test_threads.py" \
        "$repo/tests/test_gradients.py::test_elu_grad_large_alpha_where_exp_underflows" \
        "$repo/tests/test_gradients.py::test_prelu_weight_gradient_of_cancelling_huge_products" \
        "$repo/tests/test_gradients.py::test_celu_grad_zero_grad_where_the_derivative_overflows" \
        "$repo/tests/test_thread_stress.py::test_concurrent_prelu_with_shared_weight" -k "$k"
    # the leak test measures RSS (valgrind's allocator holds memory) and is skipped there
    export RELUFAST_HYPOTHESIS_EXAMPLES=${RELUFAST_HYPOTHESIS_EXAMPLES:-25}
fi

# test paths are relative to the repository (pytest runs from a scratch directory)
args=()
for a in "$@"; do
    if [[ $a != /* && -e "$repo/${a%%::*}" ]]; then a="$repo/$a"; fi
    args+=("$a")
done
set -- "${args[@]}"

export PYTHONMALLOC=malloc  # every object a malloc block that memcheck tracks
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
vg=(valgrind --tool=memcheck --num-callers=30 --suppressions="$repo/tools/valgrind.supp")

# canary: a view that claims 4x the memory its buffer has must be reported in the kernels, or
# this run proves nothing (a wrapper script checked instead of Python, a build not loaded)
"${vg[@]}" --log-file="$work/canary.log" "$py" -c '
import numpy as np, relufast
buf = np.zeros(256)
relufast.relu(np.lib.stride_tricks.as_strided(buf, shape=(1024,), strides=(8,)))' || true
if "$py" "$repo/tools/valgrind_report.py" "$work/canary.log" >"$work/canary.txt" ||
        ! grep -q "_kernels_" "$work/canary.txt"; then
    cat "$work/canary.txt"; echo "valgrind: the canary overflow was not reported" >&2; exit 1
fi
echo "valgrind: canary caught (memcheck sees the kernels)"

start=$SECONDS
status=0
"${vg[@]}" --log-file="$work/valgrind.log" \
    --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    "$py" -m pytest -q -p no:cacheprovider --rootdir "$repo" -c "$repo/pyproject.toml" \
    "$@" || status=$?
echo "valgrind: pytest exited $status after $((SECONDS - start)) s"
"$py" "$repo/tools/valgrind_report.py" "$work/valgrind.log" || exit 1
[ "$status" -eq 0 ] || exit "$status"
