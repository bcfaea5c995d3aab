/* The functions under test: a slot for variants of the header's float-arithmetic
   rf_gelu_f / rf_gelu_grad_f (FMA builds), e.g. a copy edited here. */
static inline float c_gelu(float x) { return rf_gelu_f(x); }
static inline float c_gelu_grad(float x) { return rf_gelu_grad_f(x); }
