"""Running from the root of a clone: the unbuilt source folder hands over to the installed package.

In a clone's root Python finds the source folder ``relufast/`` before the installed package
(``python -m`` puts the current directory first on sys.path).  These tests copy the package's
Python files, without the compiled modules, into a fresh folder and run Python there.
"""

import os
import shutil
import subprocess
import sys

import pytest

import relufast

INSTALLED = os.path.dirname(os.path.dirname(os.path.abspath(relufast.__file__)))


@pytest.fixture
def clone_root(tmp_path):
    """A folder holding an unbuilt copy of the package, as a fresh clone's root does."""
    src = os.path.dirname(os.path.abspath(relufast.__file__))
    shutil.copytree(src, tmp_path / "relufast",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__", "*.c"))
    return tmp_path


def _python(args, cwd, with_installed):
    env = dict(os.environ)
    env["PYTHONPATH"] = INSTALLED if with_installed else ""
    env.pop("RELUFAST_ISA", None)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_unbuilt_source_folder_defers_to_the_installed_package(clone_root):
    code = "import relufast, numpy as np; print(relufast.__file__); print(relufast.relu([-1.0, 2.0]))"
    r = _python(["-c", code], clone_root, with_installed=True)
    assert r.returncode == 0, r.stderr
    where, value = r.stdout.splitlines()
    assert os.path.dirname(os.path.dirname(where)) == INSTALLED
    assert value == "[0. 2.]"


def test_demo_runs_from_the_clone_root(clone_root):
    r = _python(["-m", "relufast", "--size", "4096", "--repeat", "1"], clone_root,
                with_installed=True)
    assert r.returncode == 0, r.stderr
    assert "relu_grad" in r.stdout and "Traceback" not in r.stderr


def test_unbuilt_and_nothing_installed_says_what_to_run(clone_root):
    r = _python(["-m", "relufast"], clone_root, with_installed=False)
    if r.returncode == 0:
        pytest.skip("relufast is installed in this Python's site-packages")
    assert "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and "python -m pip install ." in r.stderr, r.stderr
    r = _python(["-c", "import relufast"], clone_root, with_installed=False)
    assert r.returncode != 0 and "python -m pip install ." in r.stderr
