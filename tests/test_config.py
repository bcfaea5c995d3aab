"""show_config(), __version__, the public names, and the docstring examples."""

import doctest
import io
import os
import re

import pytest

import relufast
from relufast import _api, _config, _dispatch, _openmp, _threads, _version


try:
    from relufast._build_config import BUILD_CONFIG
except ImportError:  # built without setup.py's build_ext
    BUILD_CONFIG = None


def _config_text():
    buf = io.StringIO()
    relufast.show_config(file=buf)
    return buf.getvalue()


def test_version():
    assert relufast.__version__ == _version.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?",
                        relufast.__version__)


def test_show_config_prints_to_stdout(capsys):
    assert relufast.show_config() is None
    assert capsys.readouterr().out == _config_text()


def test_show_config_contents():
    text = _config_text()
    lines = text.splitlines()
    assert lines[0] == f"relufast {relufast.__version__}"
    fields = dict(re.match(r"\s*([\w ]+):\s*(.*)", line).groups() for line in lines[1:])
    assert fields["openmp"] == ("on" if _openmp.OPENMP else "off (serial kernels)")
    assert fields["isa in use"].startswith(_dispatch.KERNELS.isa + " ")
    assert fields["threads"].split()[0] == str(relufast.get_num_threads())
    assert str(_threads.PARALLEL_MIN_CHEAP) in fields["parallel above"]
    assert fields["compiler"] == _openmp.COMPILER
    if _openmp.OPENMP:  # whose wait policy the runtime started with (docs/performance.md)
        chosen = any(v in os.environ for v in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"))
        assert fields["openmp wait"].startswith("GOMP_SPINCOUNT=1000 (relufast's)"
                                                if not chosen else ("OMP", "GOMP")), fields
    for isa in _dispatch.available_isas():
        assert isa in fields["isas available"]


@pytest.mark.skipif(BUILD_CONFIG is None, reason="no _build_config.py (not built by setup.py)")
def test_show_config_flags_match_the_build():
    text = _config_text()
    fields = dict(re.match(r"\s*([\w ]+):\s*(.*)", line).groups()
                  for line in text.splitlines()[1:])
    assert fields["cflags"] == " ".join(BUILD_CONFIG["cflags"])
    assert BUILD_CONFIG["openmp"] == _openmp.OPENMP
    assert set(_dispatch.available_isas()) <= set(BUILD_CONFIG["isas"])
    if "gcc" in BUILD_CONFIG["compiler"] or "clang" in BUILD_CONFIG["compiler_version"]:
        flags = BUILD_CONFIG["cflags"]
        assert "-O3" in flags and "-fno-trapping-math" in flags
        # IEEE results, NaN and inf are part of the contract: never fast-math
        assert not any(f in ("-ffast-math", "-Ofast", "-funsafe-math-optimizations",
                             "-ffinite-math-only") for f in flags)
        assert ("-fopenmp" in flags) == _openmp.OPENMP or "-Xpreprocessor" in flags


def test_openmp_is_on_in_this_build():
    # the project builds with OpenMP wherever the compiler has it (gcc here)
    if BUILD_CONFIG is not None and BUILD_CONFIG["openmp"]:
        assert _openmp.OPENMP and "openmp:          on" in _config_text()


def test_public_names():
    functions = ["relu", "leaky_relu", "prelu", "elu", "selu", "celu", "relu6", "gelu", "silu",
                 "hardtanh", "threshold", "hardsigmoid", "hardswish", "relu_squared",
                 "rrelu", "softplus", "mish"]
    expected = set(functions) | {f + "_grad" for f in functions} | {
        "get_num_threads", "set_num_threads", "num_threads", "show_config", "__version__",
        "mask_shape", "reglu", "reglu_grad", "geglu", "geglu_grad", "swiglu", "swiglu_grad",
        "RReLUNoise"}
    assert set(relufast.__all__) == expected
    for name in relufast.__all__:
        assert hasattr(relufast, name), name
    for name in expected - {"__version__"}:
        assert getattr(relufast, name).__doc__, name


def _doctests():
    finder = doctest.DocTestFinder()
    for module in (_api, _config, _threads):
        for test in finder.find(module):
            if test.examples:
                yield pytest.param(test, id=test.name.split(".")[-1])


@pytest.mark.parametrize("test", list(_doctests()))
def test_docstring_examples(test):
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    out = io.StringIO()
    result = runner.run(test, out=out.write, clear_globs=False)
    assert result.failed == 0, out.getvalue()
