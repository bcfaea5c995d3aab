#!/bin/sh
# Build the test library for one flavour: build.sh base|avx2|avx512 [outdir]
set -e
here=$(cd "$(dirname "$0")" && pwd)
fl=$1; out=${2:-$here/build}
CC=${CC:-gcc}
case $fl in
  base)   ARCH="" ;;
  avx2)   ARCH="-mavx2 -mfma" ;;
  avx512) ARCH="-mavx512f -mavx512dq -mavx512vl -mavx512bw -mprefer-vector-width=512" ;;
  *) echo "unknown flavour $fl" >&2; exit 2 ;;
esac
mkdir -p "$out"
OPT="-O3 -fno-trapping-math -ffp-contract=fast -fPIC -Wall -Wextra -Werror"
# VM_TAB=1: also the table-driven loops of relufast/_vectab.h (avx512; vm_exh -DVM_TAB)
# (_vectab.h includes _half.h: their static loops that the sweep does not call are not errors)
if [ "${VM_TAB:-0}" = 1 ] && [ "$fl" = avx512 ]; then OPT="$OPT -DVM_TAB -Wno-unused-function"; fi
$CC $OPT $ARCH -c "$here/vm_lib.c" -o "$out/vm_lib_$fl.o"
$CC $OPT $ARCH -fno-tree-vectorize -DVM_PREFIX=nv_ -c "$here/vm_lib.c" -o "$out/vm_nv_$fl.o"
$CC -O2 -fPIC -std=c99 -Wall -Wextra -c "$here/vm_ref.c" -o "$out/vm_ref.o"
$CC -shared -o "$out/libvm_$fl.so" "$out/vm_lib_$fl.o" "$out/vm_nv_$fl.o" "$out/vm_ref.o" -lm
