# Type information for the compiled kernel module relufast._kernels_avx512: the same interface as
# relufast._kernels_baseline (one source, _kernels.pxi, compiled per instruction set).

from ._kernels_baseline import (
    ISA as ISA,
    Op as Op,
    Status as Status,
    forward_f32 as forward_f32,
    forward_f64 as forward_f64,
    gradient_f32 as gradient_f32,
    gradient_f64 as gradient_f64,
    forward_mixed as forward_mixed,
    gradient_mixed as gradient_mixed,
    prelu_forward_f32 as prelu_forward_f32,
    prelu_forward_f64 as prelu_forward_f64,
    prelu_gradient_f32 as prelu_gradient_f32,
    prelu_gradient_f64 as prelu_gradient_f64,
    tab_kernels as tab_kernels,
)
