#!/usr/bin/env bash
# Thread scaling and the AVX-512 path on a many-core machine (docs/performance.md records the
# results from the lent 16-core Xeon).  Builds in place, checks the AVX-512 kernels against the
# suite, then runs the roofline report for 1..N threads and the one-thread threshold.
# Usage: bench/scaling.sh [OUTDIR]   (threads: 1 2 4 8 and all cores)
set -euo pipefail
out=${1:-.}
mkdir -p "$out"
python setup.py -q build_ext --inplace -j "$(nproc)" > "$out/build.log" 2>&1
export PYTHONPATH=$PWD
python -c "import relufast; relufast.show_config()" | tee "$out/config.txt"
RELUFAST_ISA=avx512 python -m pytest -q -x -p no:cacheprovider tests 2>&1 | tail -3 | tee "$out/tests_avx512.txt"
n=$(nproc)
python bench/roofline.py --sizes 5e7 --dtypes float32 --threads "1,2,4,8,$n" --small 1000 \
  --wait 0 --repeats 5 2>&1 | tee "$out/roofline_scaling.txt"
python bench/threshold.py --threads "$n" 2>&1 | tee "$out/threshold.txt"
