"""Check that every hot loop of the kernels vectorizes, from gcc's own report.

Cythonizes the kernels (relufast/_kernels.pxi and the files it includes) into a temporary
directory, compiles the C with the flags setup.py uses plus ``-fopt-info-vec-all``, maps gcc's
messages back to the lines of the .pxi files (Cython writes ``/* "relufast/_prelu.pxi":N``
markers) and to the dtype of the specialization (fused index 0 = float, 1 = double), and prints
one row per inner loop:

    file:line  loop                             float   double

Exit status 1 if any hot loop is not vectorized for an ISA.  Hot loops are the ``for ... in
range`` loops of the chunk-loop sections (a ``# N. chunk loops`` heading, up to the next
``# N.`` heading) of _elementwise.pxi, _prelu.pxi, _gated.pxi and _bias.pxi: the loops over elements, except the
fixed-lane loops (unrolled into the loop around them) and loops marked ``# not hot``; the
``while`` loops that walk prelu's segments are not per-element loops.  A loop marked
``# float only`` or ``# double only`` runs in that specialization alone (the mixed-dtype
conversion loops: in the other one the operand already has the compute dtype and is read in
place), so only that column is checked.  A loop marked ``# 16-bit`` (the ops on float16 and
bfloat16 bit patterns) or ``# one specialization`` (float64 grad against float32 x), in
functions not fused over float and double, is checked once, in the float column.

Usage: python tools/vecreport.py [--isa avx2 baseline avx512] [--verbose]
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import sysconfig
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PXI = os.path.join(ROOT, "relufast", "_kernels.pxi")
CHUNK_FILES = ["_elementwise.pxi", "_rrelu.pxi", "_prelu.pxi", "_gated.pxi", "_bias.pxi"]  # the files with chunk-loop sections
sys.path.insert(0, ROOT)
from setup import CYTHON_DIRECTIVES, GCC_FLAGS, ISA_FLAGS_GCC  # noqa: E402  (one source)

BASE_FLAGS = GCC_FLAGS + ["-fopenmp", "-fPIC"]
# loops that run a fixed 8 or _LANES times (unrolled into the loop around them), or are marked
NOT_HOT = re.compile(r"for k in range\((8|_LANES)\)|# not hot")
# a loop that only one specialization runs (the other calls a C block function, or never runs it)
ONLY = re.compile(r"# (float|double) only")
# a loop over 16-bit patterns, in a function with no float/double specializations
SIXTEEN = re.compile(r"# (16-bit|one specialization)")


def hot_loops():
    """((file, line), text) of every per-element loop in the chunk-loop sections."""
    rows = []
    for name in CHUNK_FILES:
        inside = False
        path = os.path.join(ROOT, "relufast", name)
        for i, line in enumerate(open(path).read().splitlines(), 1):
            if re.match(r"# \d\. ", line):
                inside = re.match(r"# \d\. chunk loops", line) is not None
            if inside and re.match(r"\s*for \w+ in range\(", line) and not NOT_HOT.search(line):
                rows.append(((name, i), line.strip()))
        if not any(key[0] == name for key, _ in rows):
            sys.exit(f"vecreport: no chunk-loop section with loops found in {name}")
    return rows


def cythonize(tmp, isa):
    src = os.path.join(tmp, f"_kernels_{isa}.pyx")
    with open(src, "w") as f:
        f.write(f'include "{PXI}"\n')
    cmd = [sys.executable, "-m", "cython", "-3", "-I", os.path.join(ROOT, "relufast")]
    for k, v in CYTHON_DIRECTIVES.items():
        cmd += ["-X", f"{k}={v}"]
    subprocess.run(cmd + [src, "-o", src[:-4] + ".c"], check=True)
    return src[:-4] + ".c"


def report(csrc, isa, verbose):
    inc = sysconfig.get_paths()["include"]
    cmd = ["gcc", *BASE_FLAGS, *ISA_FLAGS_GCC[isa], f"-I{inc}", f"-I{ROOT}/relufast", "-c",
           csrc, "-o", os.devnull, "-fopt-info-vec-all"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    # C line -> (pxi line, fused index)
    pxi_line, fuse, where = None, None, {}
    for n, line in enumerate(open(csrc).read().splitlines(), 1):
        m = re.match(r'\s*/\* ".*?(\w+\.pxi)":(\d+)', line)
        if m:
            pxi_line = (m.group(1), int(m.group(2)))
        if re.match(r"^\w.*\)\s*\{\s*$", line):  # a function definition starts
            m = re.search(r"__pyx_fuse_(\d)__pyx_f_", line)
            fuse = int(m.group(1)) if m else None
        where[n] = (pxi_line, fuse)
    vectorized = set()
    base = os.path.basename(csrc)
    for line in out.splitlines():
        m = re.match(rf".*{re.escape(base)}:(\d+):\d+: optimized: loop vectorized", line)
        if m:
            vectorized.add(where.get(int(m.group(1)), (None, None)))
        if verbose and base in line and "vectorized" in line:
            print("   ", line)
    return vectorized


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--isa", nargs="*", default=["avx2", "baseline"], choices=list(ISA_FLAGS_GCC))
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    loops = hot_loops()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        # one ISA per core (each is a Cython run and a whole-module gcc -O3, ~40 s on this
        # project's 2-core CI), reported in the order asked; --verbose prints as it goes, so
        # one at a time
        workers = 1 if args.verbose else (os.cpu_count() or 1)
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            reports = list(pool.map(lambda isa: report(cythonize(tmp, isa), isa, args.verbose),
                                    args.isa))
        for isa, vec in zip(args.isa, reports):
            print(f"\n{isa}: gcc {' '.join(BASE_FLAGS + ISA_FLAGS_GCC[isa])}")
            print(f"{'file:line':<22}  {'loop':<40} {'float':>7} {'double':>7}")
            for (name, line), text in loops:
                only = ONLY.search(text)
                cols = ["yes" if ((name, line), k) in vec else "NO" for k in (0, 1)]
                if only:
                    cols[1 if only.group(1) == "float" else 0] = "-"
                if SIXTEEN.search(text):
                    cols = ["yes" if ((name, line), None) in vec else "NO", "-"]
                failed += cols.count("NO")
                print(f"{name + ':' + str(line):<22}  {text[:40]:<40} {cols[0]:>7} {cols[1]:>7}")
    print(f"\n{failed} hot loop specializations not vectorized")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
