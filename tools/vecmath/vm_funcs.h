/* X-macro list of the functions under test: X(name, float_fn, double_fn) */
#define VM_FUNCS(X)                                              \
    X(exp,            rf_expf,             rf_expd)              \
    X(expm1,          rf_expm1f,           rf_expm1d)            \
    X(sigmoid,        rf_sigmoid_f,        rf_sigmoid_d)         \
    X(silu,           rf_silu_f,           rf_silu_d)            \
    X(silu_grad,      rf_silu_grad_f,      rf_silu_grad_d)       \
    X(gelu,           rf_gelu_f,           rf_gelu_d)            \
    X(gelu_grad,      rf_gelu_grad_f,      rf_gelu_grad_d)       \
    X(gelu_tanh,      rf_gelu_tanh_f,      rf_gelu_tanh_d)       \
    X(gelu_tanh_grad, rf_gelu_tanh_grad_f, rf_gelu_tanh_grad_d)
