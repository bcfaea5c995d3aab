# Type information for the compiled OpenMP shim relufast._openmp (built from _openmp.pyx).

# whether the kernels were compiled with OpenMP
OPENMP: bool
# the compiler that built the modules, as it named itself
COMPILER: str

def max_threads() -> int: ...
def num_procs() -> int: ...
def cpu_features() -> list[str]: ...
