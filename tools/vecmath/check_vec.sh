#!/bin/sh
# Vectorization + warning check for relufast/_vecmath.h.
#  1. For each build flavour (base = x86-64 SSE2, avx2 = -mavx2 -mfma,
#     avx512), compile one loop per function and dtype, plus ELU-style loops
#     (y = x > 0 ? x : a*expm1(x)), with gcc -O3 -fno-trapping-math
#     -fopt-info-vec-optimized and fail if any loop is not vectorized.
#  2. Compile the header warning-free (-Wall -Wextra -Wpedantic -Werror) as
#     C99 and as C++11 with gcc/g++ and, if installed, clang/clang++.
set -e
here=$(cd "$(dirname "$0")" && pwd)
hdr=$here/../../relufast/_vecmath.h
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CC=${CC:-gcc}

# one function per loop, in its own noinline function so that the
# -fopt-info line can be matched to the function
{
  echo '#include "'"$hdr"'"'
  for f in expf:expd expm1f:expm1d sigmoid_f:sigmoid_d silu_f:silu_d \
           silu_grad_f:silu_grad_d gelu_f:gelu_d gelu_grad_f:gelu_grad_d \
           gelu_tanh_f:gelu_tanh_d gelu_tanh_grad_f:gelu_tanh_grad_d; do
    ff=${f%%:*}; fd=${f##*:}
    echo "void L_$ff(const float *x, float *y, long n) { long i; for (i = 0; i < n; i++) y[i] = rf_$ff(x[i]); }"
    echo "void L_$fd(const double *x, double *y, long n) { long i; for (i = 0; i < n; i++) y[i] = rf_$fd(x[i]); }"
  done
  echo 'void L_elu_f(const float *x, float *y, long n, float a) { long i; for (i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : a * rf_expm1f(x[i]); }'
  echo 'void L_elu_d(const double *x, double *y, long n, double a) { long i; for (i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : a * rf_expm1d(x[i]); }'
  echo 'void L_elu_inplace_f(float *x, long n, float a) { long i; for (i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] : a * rf_expm1f(x[i]); }'
  echo 'void L_expm1_neg_f(const float *x, float *y, long n) { long i; for (i = 0; i < n; i++) y[i] = rf_expm1_neg_f(x[i]); }'
  echo 'void L_exp_scaled_f(const float *x, const float *g, float *y, long n) { long i; for (i = 0; i < n; i++) y[i] = rf_exp_scaled_f(x[i], g[i]); }'
  echo 'void L_exp_scaled_d(const double *x, const double *g, double *y, long n) { long i; for (i = 0; i < n; i++) y[i] = rf_exp_scaled_d(x[i], g[i]); }'
  echo 'void L_celu_neg_f(const float *x, float *y, long n, float a) { long i; for (i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : rf_expm1_scaled_f(x[i] / a, a); }'
  echo 'void L_celu_neg_d(const double *x, double *y, long n, double a) { long i; for (i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : rf_expm1_scaled_d(x[i] / a, a); }'
  echo 'void L_elu_neg_inplace_f(float *x, long n, float a, float s) { long i; for (i = 0; i < n; i++) x[i] = x[i] > 0 ? s * x[i] : a * rf_expm1_neg_f(x[i]); }'
  echo 'void L_selu_f(const float *x, float *y, long n) { long i; for (i = 0; i < n; i++) { float v = x[i]; y[i] = 1.0507010f * (v > 0 ? v : 1.6732632f * rf_expm1f(v)); } }'
  echo 'void L_gelu_bwd_f(const float *x, const float *g, float *y, long n) { long i; for (i = 0; i < n; i++) y[i] = g[i] * rf_gelu_grad_f(x[i]); }'
  echo 'void L_silu_bwd_d(const double *x, const double *g, double *y, long n) { long i; for (i = 0; i < n; i++) y[i] = g[i] * rf_silu_grad_d(x[i]); }'
} > "$tmp/loops.c"
nloops=$(grep -c '^void L_' "$tmp/loops.c")

fail=0
for fl in base avx2 avx512; do
  case $fl in
    base)   ARCH="" ;;
    avx2)   ARCH="-mavx2 -mfma" ;;
    avx512) ARCH="-mavx512f -mavx512dq -mavx512vl -mavx512bw -mprefer-vector-width=512" ;;
  esac
  $CC -O3 -fno-trapping-math $ARCH -Wall -Wextra -Werror -fopt-info-vec-optimized \
      -c "$tmp/loops.c" -o "$tmp/loops_$fl.o" 2> "$tmp/vec_$fl.txt"
  # functions with a "loop vectorized" note
  grep 'optimized: loop vectorized' "$tmp/vec_$fl.txt" | sed 's/:.*//' > /dev/null
  nvec=0; missing=""
  for fn in $(grep -o '^void L_[a-z0-9_]*' "$tmp/loops.c" | sed 's/^void //'); do
    line=$(grep -n "^void $fn(" "$tmp/loops.c" | cut -d: -f1)
    if grep -q "loops.c:$line:[0-9]*: optimized: loop vectorized" "$tmp/vec_$fl.txt"; then
      nvec=$((nvec + 1))
    else
      missing="$missing $fn"
    fi
  done
  if [ -n "$missing" ]; then
    echo "vec-check $fl: NOT vectorized:$missing"; fail=1
  else
    echo "vec-check $fl: all $nloops loops vectorized"
  fi
done

# warnings / language modes
chk() { # compiler, flags...
  if command -v "$1" >/dev/null 2>&1; then
    c=$1; shift
    if "$c" "$@" -fsyntax-only -Wall -Wextra -Wpedantic -Werror "$tmp/tu.$ext" 2> "$tmp/w.txt"; then
      echo "warn-check $c $*: clean"
    else
      echo "warn-check $c $*: WARNINGS"; cat "$tmp/w.txt"; fail=1
    fi
  else
    echo "warn-check $1: not installed, skipped"
  fi
}
{ echo '#include "'"$hdr"'"'
  echo 'float ff(float x) { return rf_expf(x) + rf_expm1f(x) + rf_expm1_neg_f(x) + rf_exp_scaled_f(x, x) + rf_expm1_scaled_f(x, x) + rf_sigmoid_f(x) + rf_silu_f(x) + rf_silu_grad_f(x) + rf_gelu_f(x) + rf_gelu_grad_f(x) + rf_gelu_tanh_f(x) + rf_gelu_tanh_grad_f(x); }'
  echo 'double fd(double x) { return rf_expd(x) + rf_expm1d(x) + rf_exp_scaled_d(x, x) + rf_expm1_scaled_d(x, x) + rf_sigmoid_d(x) + rf_silu_d(x) + rf_silu_grad_d(x) + rf_gelu_d(x) + rf_gelu_grad_d(x) + rf_gelu_tanh_d(x) + rf_gelu_tanh_grad_d(x); }'
} > "$tmp/tu.c"
cp "$tmp/tu.c" "$tmp/tu.cpp"
ext=c
chk gcc -std=c99 -O2
chk gcc -std=c11 -O2 -mavx2 -mfma
chk clang -std=c99 -O2
chk clang -std=c11 -O2 -mavx2 -mfma -Wconversion -Wno-sign-conversion
ext=cpp
chk g++ -std=c++11 -O2
chk clang++ -std=c++11 -O2
exit $fail
