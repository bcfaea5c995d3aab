# The kernels of _kernels.pxi, built by setup.py with the avx2 instruction-set flags.
include "_kernels.pxi"
