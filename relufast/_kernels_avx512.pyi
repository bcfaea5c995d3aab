# Type information for the compiled kernel module relufast._kernels_avx512: the same interface as
# relufast._kernels_baseline (one source, _kernels.pxi, compiled per instruction set).

from ._kernels_baseline import (
    ISA as ISA,
    Op as Op,
    Status as Status,
    MaskOp as MaskOp,
    forward_f32 as forward_f32,
    forward_f64 as forward_f64,
    gradient_f32 as gradient_f32,
    gradient_f64 as gradient_f64,
    forward_mixed as forward_mixed,
    gradient_mixed as gradient_mixed,
    bf16_instructions as bf16_instructions,
    prelu_forward_f32 as prelu_forward_f32,
    prelu_forward_f64 as prelu_forward_f64,
    prelu_gradient_f32 as prelu_gradient_f32,
    prelu_gradient_f64 as prelu_gradient_f64,
    mask_forward_f32 as mask_forward_f32,
    mask_forward_f64 as mask_forward_f64,
    mask_gradient_f32 as mask_gradient_f32,
    mask_gradient_f64 as mask_gradient_f64,
    glu_forward as glu_forward,
    glu_gradient as glu_gradient,
    prelu_forward_mixed as prelu_forward_mixed,
    prelu_gradient_mixed as prelu_gradient_mixed,
)
