"""Build relufast's compiled modules.

What is built:

* ``relufast._openmp``: the OpenMP shim (thread counts, whether OpenMP is on, the CPU's features).
* ``relufast._kernels_<isa>``: the kernels of ``relufast/_kernels.pxi`` (and the files it
  includes), compiled once per instruction set.  ``baseline`` is the platform's baseline (SSE2 on x86-64) and is always built;
  on x86-64 with gcc or clang, ``avx2`` (AVX2 + FMA) and ``avx512`` (F/DQ/VL/BW, 512-bit vectors)
  are built too, and the package picks the best one the running CPU supports at import time.

Flags: see GCC_FLAGS below (``-O3 -fno-trapping-math`` and two more that keep IEEE semantics).
Never ``-ffast-math``: it breaks NaN and inf.

Environment switches:

* ``RELUFAST_OPENMP``: unset or ``auto`` = use OpenMP when the compiler has it, else build serial
  kernels (they pass every test and ``show_config()`` says so); ``0`` = never; ``1`` = require it
  (a compiler without OpenMP is an error, for CI and wheel builds).
* ``RELUFAST_BUILD_ISAS``: comma-separated subset of ``baseline,avx2,avx512`` to build (baseline
  is always built).  Default: every one the compiler supports.  (``RELUFAST_ISA``, at import
  time, picks the one to run among those built.)
* ``RELUFAST_EXTRA_CFLAGS``: appended to every compile (used by the sanitizer build).
"""

import os
import platform
import shlex
import subprocess
import sys
import tempfile
import textwrap

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# The ISA modules are built only for gcc-like compilers on x86-64 (the run-time choice needs
# __builtin_cpu_supports), so these are the only ISA flags; MSVC builds the baseline module.
ISA_FLAGS_GCC = {
    "baseline": [],
    "avx2": ["-mavx2", "-mfma"],
    "avx512": ["-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mprefer-vector-width=512"],
}

# -O3: gcc vectorizes nothing at -O2.  -fno-trapping-math: selects vectorize only without it (it
# keeps IEEE results, NaN and inf).  -fno-math-errno: no errno from sqrt & co.  -fno-thread-jumps:
# jump threading duplicates the branches of the selects into control flow that the
# if-converter cannot flatten, which stops loops like relu_grad's from vectorizing without
# AVX2's masked loads (SSE2, NEON).  -funroll-loops: the relu-like loops (one or two vector
# instructions per load and store) otherwise spend much of their issue slots on the loop
# counter; unrolled they run clearly faster in the caches, and the transcendental loops do not
# change (docs/performance.md, "Vectorization").  -fno-ipa-cp-clone: gcc's interprocedural
# constant propagation clones functions for the constant arguments of some of their calls, and
# what it clones depends on every function in the module: adding rrelu's kernels made it clone
# the chunk loops so that the float64 gelu loop was vectorized in no copy (tools/vecreport.py).
# Each is kept only if the compiler accepts it.
GCC_FLAGS = ["-O3", "-fno-trapping-math", "-fno-math-errno", "-fno-thread-jumps", "-funroll-loops",
             "-fno-ipa-cp-clone"]
MSVC_FLAGS = ["/O2", "/fp:precise"]

CYTHON_DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "initializedcheck": False,
    "cdivision": True,
    "freethreading_compatible": True,
}


def _is_x86_64():
    return platform.machine().lower() in ("x86_64", "amd64", "x64")


def _extensions():
    exts = [Extension("relufast._openmp", ["relufast/_openmp.pyx"])]
    for isa in ISA_FLAGS_GCC:
        exts.append(Extension(f"relufast._kernels_{isa}", [f"relufast/_kernels_{isa}.pyx"]))
    for ext in exts:
        ext.include_dirs = ["relufast"]
    return exts


class BuildExt(build_ext):
    """Chooses flags per compiler, probes OpenMP and the ISA flags, records what it chose."""

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:  # the kernel modules compile independently
            self.parallel = os.cpu_count() or 1

    def _probe(self, code, flags, link_flags=()):
        """True if ``code`` compiles and links with ``flags``."""
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "probe.c")
            with open(src, "w") as f:
                f.write(textwrap.dedent(code))
            try:
                objs = self.compiler.compile([src], output_dir=tmp, extra_postargs=list(flags))
                self.compiler.link_executable(
                    objs, os.path.join(tmp, "probe"), extra_postargs=list(link_flags)
                )
            except Exception:  # any compile or link failure means "not available"
                return False
        return True

    def _openmp_flags(self, ctype):
        if ctype == "msvc":
            return ["/openmp"], []
        if sys.platform == "darwin":
            # Apple clang: libomp from Homebrew (or the one cibuildwheel installs)
            prefix = os.environ.get("LIBOMP_PREFIX", "/opt/homebrew/opt/libomp")
            if not os.path.isdir(prefix):
                prefix = "/usr/local/opt/libomp"
            return (
                ["-Xpreprocessor", "-fopenmp", f"-I{prefix}/include"],
                [f"-L{prefix}/lib", "-lomp"],
            )
        return ["-fopenmp"], ["-fopenmp"]

    def build_extensions(self):
        ctype = self.compiler.compiler_type
        gcc_like = ctype != "msvc"
        if gcc_like:
            probe = "int main(void) { return 0; }\n"
            base = [f for f in GCC_FLAGS if self._probe(probe, ["-Werror", f])]
        else:
            base = MSVC_FLAGS
        extra = shlex.split(os.environ.get("RELUFAST_EXTRA_CFLAGS", ""))

        want = os.environ.get("RELUFAST_OPENMP", "auto").lower()
        omp_c, omp_l = self._openmp_flags(ctype)
        omp_code = """
            #include <omp.h>
            int main(void) { int n = 0;
            #pragma omp parallel reduction(+:n)
              n += 1;
              return omp_get_max_threads() > 0 && n > 0 ? 0 : 1; }
            """
        use_omp = want != "0" and self._probe(omp_code, omp_c, omp_l)
        if want == "1" and not use_omp:
            raise RuntimeError(
                "RELUFAST_OPENMP=1 but the compiler cannot build an OpenMP program "
                f"with {omp_c} / {omp_l}"
            )
        if not use_omp:
            omp_c, omp_l = [], []
            print("relufast: building WITHOUT OpenMP (serial kernels)")
        # OpenMP 5.0's omp_pause_resource_all lets the fork handler release the thread pool that a
        # forked child would otherwise wait on (libgomp); runtimes without it keep theirs
        pause_code = """
            #include <omp.h>
            int main(void) { return omp_pause_resource_all(omp_pause_hard); }
            """
        omp_pause = use_omp and self._probe(pause_code, omp_c, omp_l)
        # bind the modules' OpenMP calls at load, to the runtime they are linked with (a wheel's
        # own libgomp), before a library loaded later (PyTorch's libgomp, global) could serve
        # them with its own wait policy
        probe = "int main(void) { return 0; }\n"
        if use_omp and gcc_like and sys.platform.startswith("linux") and self._probe(
                probe, [], ["-Wl,-z,now"]):
            omp_l = omp_l + ["-Wl,-z,now"]

        requested = os.environ.get("RELUFAST_BUILD_ISAS")
        requested = set(requested.split(",")) | {"baseline"} if requested else set(ISA_FLAGS_GCC)
        isas = ["baseline"]
        if _is_x86_64() and gcc_like:  # runtime dispatch needs __builtin_cpu_supports
            probe = "int main(void) { return 0; }\n"
            isas += [i for i in ("avx2", "avx512")
                     if i in requested and self._probe(probe, ISA_FLAGS_GCC[i])]
        self.extensions = [
            e for e in self.extensions
            if not e.name.startswith("relufast._kernels_") or e.name.rsplit("_", 1)[1] in isas
        ]

        for ext in self.extensions:
            isa = ext.name.rsplit("_", 1)[1] if ext.name.startswith("relufast._kernels_") else "baseline"
            ext.extra_compile_args = base + ISA_FLAGS_GCC[isa] + omp_c + extra
            ext.extra_link_args = omp_l + extra
            if omp_pause:
                ext.define_macros.append(("RF_OMP_PAUSE", "1"))

        compiler = " ".join(self.compiler.compiler) if hasattr(self.compiler, "compiler") else ctype
        config = {
            "openmp": use_omp,
            "omp_pause": omp_pause,
            "isas": isas,
            "compiler": compiler,
            "compiler_version": _compiler_version(self.compiler),
            "cflags": base + omp_c + extra,
            "isa_flags": {i: ISA_FLAGS_GCC[i] for i in isas},
            "ldflags": omp_l + extra,
        }
        self._write_config(config)
        super().build_extensions()

    def _write_config(self, config):
        text = (
            '"""Written by setup.py at build time: how these compiled modules were built."""\n\n'
            f"BUILD_CONFIG = {config!r}\n"
        )
        targets = [os.path.join("relufast", "_build_config.py")]
        if not self.inplace:
            targets.append(os.path.join(self.build_lib, "relufast", "_build_config.py"))
        for path in targets:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)


def _compiler_version(compiler):
    exe = getattr(compiler, "compiler", None)
    if not exe:
        return getattr(compiler, "compiler_type", "unknown")
    try:
        out = subprocess.run([exe[0], "--version"], capture_output=True, text=True, timeout=30)
        return out.stdout.splitlines()[0].strip() if out.stdout else exe[0]
    except (OSError, subprocess.SubprocessError):
        return exe[0]


def _cythonize(exts):
    from Cython.Build import cythonize

    return cythonize(exts, compiler_directives=CYTHON_DIRECTIVES)


if __name__ == "__main__":  # setuptools runs this file as __main__; tools/ import its tables
    setup(ext_modules=_cythonize(_extensions()), cmdclass={"build_ext": BuildExt})
