#!/bin/sh
# One-command check of relufast/_vecmath.h (see ACCURACY.md).
#
#   tools/vecmath/check.sh [--quick] [--exhaustive] [--no-bench] [--jobs N] [--compare REV]
#
#   1. vectorization + warning check (check_vec.sh): every function loop and
#      ELU-style loops must vectorize at SSE2, AVX2+FMA and AVX-512;
#      header warning-free with gcc/clang (C99, C11) and g++/clang++ (C++11)
#   2. build the test library per flavour (build.sh): base (x86-64 SSE2),
#      avx2 (-mavx2 -mfma), avx512 (if this CPU has AVX-512F/DQ/VL/BW)
#   3. accuracy.py: special values, float32 on 10^7 points per function vs
#      long double (+ mpmath re-check of the worst points), float64 on 10^6
#      points per function vs mpmath (cached in .cache after the first run,
#      which takes ~5 CPU-minutes), vector/scalar bit-identity, hard limits
#   4. bench: ns/element, in-cache (4096 elements), avx2 and base builds
#   --quick       2*10^6 float / 2*10^5 double points
#   --exhaustive  additionally all 2^32 float inputs per function and flavour
#                 (vm_exh, OpenMP; ~2 CPU-minutes per function and flavour)
#   --compare REV the bench also times relufast/_vecmath.h as of git revision
#                 REV ("before"), in the same passes as the current one
# Exit status is non-zero if any check fails.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
nf=10000000; nd=1000000; exh=0; bench=1; jobs=$(nproc 2>/dev/null || echo 1); cmprev=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) nf=2000000; nd=200000 ;;
    --exhaustive) exh=1 ;;
    --no-bench) bench=0 ;;
    --jobs) jobs=$2; shift ;;
    --compare) cmprev=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
CC=${CC:-gcc}
status=0

echo "== compiler: $($CC --version | head -1)"
echo "== 1. vectorization / warnings"
./check_vec.sh || status=1

flavours="base avx2"
if grep -q avx512f /proc/cpuinfo && grep -q avx512dq /proc/cpuinfo \
   && grep -q avx512vl /proc/cpuinfo && grep -q avx512bw /proc/cpuinfo; then
  flavours="$flavours avx512"
else
  echo "(no AVX-512 on this CPU: avx512 flavour compiled and vectorization-checked only)"
fi
echo "== 2. build: $flavours"
for fl in $flavours; do ./build.sh "$fl"; done

echo "== 3. accuracy (nf=$nf, nd=$nd)"
fls=$(echo $flavours | tr ' ' ',')
python3 accuracy.py --flavours "$fls" --nf "$nf" --nd "$nd" --nproc "$jobs" \
    --json build/accuracy.json --markdown build/accuracy.md || status=1

if [ $exh = 1 ]; then
  echo "== 3b. exhaustive float32 (all 2^32 inputs)"
  for fl in $flavours; do
    $CC -O2 -fopenmp vm_exh.c build/vm_lib_$fl.o build/vm_nv_$fl.o -o build/vm_exh_$fl -lm
    echo "-- $fl"
    OMP_NUM_THREADS=$jobs ./build/vm_exh_$fl > build/exhaustive_$fl.txt || status=1
    cat build/exhaustive_$fl.txt
    true
  done
fi

if [ $bench = 1 ]; then
  echo "== 4. speed (ns/element, n=4096 in cache, best of repeated runs)"
  if [ -n "$cmprev" ]; then
    git -C "$here" show "$cmprev:relufast/_vecmath.h" > build/vecmath_before.h
    echo "   (before: relufast/_vecmath.h at $cmprev)"
  fi
  for fl in avx2 base; do
    case $fl in avx2) ARCH="-mavx2 -mfma" ;; *) ARCH="" ;; esac
    extra=""
    if [ -n "$cmprev" ]; then
      $CC -O3 -fno-trapping-math -ffp-contract=fast $ARCH -DVM_OLD -DVM_PREFIX=old_ \
          -DVM_HEADER='"build/vecmath_before.h"' -I. -c vm_lib.c -o build/vm_old_$fl.o
      extra="-DVM_COMPARE build/vm_old_$fl.o"
    fi
    $CC -O3 -fno-trapping-math $ARCH bench.c build/vm_lib_$fl.o $extra -o build/bench_$fl
    echo "-- $fl"
    ./build/bench_$fl
  done
fi

if [ $status = 0 ]; then echo "== ALL CHECKS PASSED"; else echo "== SOME CHECKS FAILED"; fi
exit $status
