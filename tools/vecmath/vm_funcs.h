/* X-macro list of the functions under test: X(name, float_fn, double_fn).
   expm1_neg is float only (domain x <= 0); its double slot is rf_expm1d,
   which accuracy.py does not report again.  VM_FUNCS_OLD: the functions of
   a header from before rf_expm1_neg_f (the "before" column of the bench). */
#define VM_FUNCS(X)                                              \
    X(exp,            rf_expf,             rf_expd)              \
    X(expm1,          rf_expm1f,           rf_expm1d)            \
    X(expm1_neg,      rf_expm1_neg_f,      vmx_expm1_neg_d)      \
    X(sigmoid,        rf_sigmoid_f,        rf_sigmoid_d)         \
    X(silu,           rf_silu_f,           rf_silu_d)            \
    X(silu_grad,      rf_silu_grad_f,      rf_silu_grad_d)       \
    X(gelu,           rf_gelu_f,           rf_gelu_d)            \
    X(gelu_grad,      rf_gelu_grad_f,      rf_gelu_grad_d)       \
    X(gelu_tanh,      rf_gelu_tanh_f,      rf_gelu_tanh_d)       \
    X(gelu_tanh_grad, rf_gelu_tanh_grad_f, rf_gelu_tanh_grad_d)

#define VM_FUNCS_OLD(X)                                          \
    X(exp,            rf_expf,             rf_expd)              \
    X(expm1,          rf_expm1f,           rf_expm1d)            \
    X(sigmoid,        rf_sigmoid_f,        rf_sigmoid_d)         \
    X(silu,           rf_silu_f,           rf_silu_d)            \
    X(silu_grad,      rf_silu_grad_f,      rf_silu_grad_d)       \
    X(gelu,           rf_gelu_f,           rf_gelu_d)            \
    X(gelu_grad,      rf_gelu_grad_f,      rf_gelu_grad_d)       \
    X(gelu_tanh,      rf_gelu_tanh_f,      rf_gelu_tanh_d)       \
    X(gelu_tanh_grad, rf_gelu_tanh_grad_f, rf_gelu_tanh_grad_d)

/* softplus (beta = 1, threshold 20: PyTorch's defaults) and mish: swept by vm_exh only (the
   float32 proof of docs/accuracy.md); accuracy.py's sampled tables do not list them.  The
   wrappers (vm_lib.c) add the linear region the kernels' chunk loops select. */
#define VM_FUNCS_SP(X)                                           \
    X(softplus,       vmx_softplus_f,      vmx_softplus_d)       \
    X(softplus_grad,  vmx_softplus_grad_f, vmx_softplus_grad_d)  \
    X(mish,           rf_mish_f,           rf_mish_d)            \
    X(mish_grad,      rf_mish_grad_f,      rf_mish_grad_d)

/* float-arithmetic candidates (FMA builds only, -DVM_WIP): swept by vm_exh
   against the reference of the function they replace */
#define VM_FUNCS_WIP(X)                                          \
    /* none now: the last candidates became the kernels' functions */

/* the table-driven AVX-512 loops of relufast/_vectab.h (avx512 build, -DVM_TAB): X(name,
   array function, function of the reference).  Swept by vm_exh against the reference of the
   function they stand in for; the gradients as f'(x) alone. */
#define VM_FUNCS_TAB(X)                                          \
    X(gelu_tab,       rf_tab_gelu_f,       gelu)                 \
    X(silu_tab,       rf_tab_silu_f,       silu)                 \
    X(gelu_grad_tab,  rf_tab_gelu_grad_d1_f, gelu_grad)          \
    X(silu_grad_tab,  rf_tab_silu_grad_d1_f, silu_grad)     \
    X(softplus_grad_tab, rf_tab_sigmoid_grad_d1_f, softplus_grad)      \
    X(gelu_tanh_tab,  rf_tab_gelu_tanh_f,  gelu_tanh)            \
    X(gelu_tanh_grad_tab, rf_tab_gelu_tanh_grad_d1_f, gelu_tanh_grad)
