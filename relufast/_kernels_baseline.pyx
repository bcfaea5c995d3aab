# The kernels of _kernels.pxi, built by setup.py with the baseline instruction-set flags.
include "_kernels.pxi"
