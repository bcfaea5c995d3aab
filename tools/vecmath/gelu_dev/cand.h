/* The functions under test: a slot for variants of the header's float-arithmetic
   rf__gelu_fl / rf__gelu_grad_fl (FMA builds; the kernels' rf_gelu_f and
   rf_gelu_grad_f on AVX-512), e.g. a copy edited here. */
static inline float c_gelu(float x) { return rf__gelu_fl(x); }
static inline float c_gelu_grad(float x) { return rf__gelu_grad_fl(x); }
