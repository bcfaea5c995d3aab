# The kernels of _kernels.pxi, built by setup.py with the avx512 instruction-set flags.
include "_kernels.pxi"
