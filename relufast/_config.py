"""``show_config()``: how relufast was built and what it will use on this machine."""

import os
import sys

import numpy as np

from . import _dispatch, _openmp, _runtime, _threads
from ._version import __version__


def show_config(file=None):
    """Print how relufast was built and what it will use on this machine.

    The version and where it was imported from, the Python and NumPy versions, whether OpenMP
    is on, the thread count and the size from which a call uses threads, the instruction set in
    use (and the others available), the compiler and its flags.  Include it in bug reports.

    Parameters
    ----------
    file : file-like, optional
        Where to print (anything with a ``write(str)`` method); default ``sys.stdout``.

    Examples
    --------
    >>> import io, relufast
    >>> buf = io.StringIO()
    >>> relufast.show_config(file=buf)
    >>> buf.getvalue().startswith("relufast " + relufast.__version__)
    True
    """
    try:
        from ._build_config import BUILD_CONFIG
    except ImportError:  # a build that did not go through setup.py's build_ext
        BUILD_CONFIG = {}
    k = _dispatch.KERNELS
    lines = [
        f"relufast {__version__}",
        f"  location:        {os.path.dirname(os.path.abspath(__file__))}",
        f"  python:          {sys.version.split()[0]}, numpy {np.__version__}",
        f"  openmp:          {'on' if _openmp.OPENMP else 'off (serial kernels)'}",
        f"  openmp wait:     {_runtime.POLICY if _openmp.OPENMP else '(no OpenMP runtime)'}"
        f"{', deep-bound beside another libgomp' if _runtime.DEEP_BOUND else ''}",
        f"  threads:         {_threads.get_num_threads()} "
        f"(cores seen by OpenMP: {_openmp.num_procs()})",
        f"  parallel above:  {_threads.PARALLEL_MIN_CHEAP} elements "
        f"({_threads.PARALLEL_MIN_TRANSCENDENTAL} for exp/erf/sigmoid ops)",
        f"  isa in use:      {k.isa} ({k.description})",
        f"  isas available:  {', '.join(_dispatch.available_isas())} "
        f"(built: {', '.join(BUILD_CONFIG.get('isas', ['?']))})",
        f"  compiler:        {_openmp.COMPILER}",
        f"  cflags:          {' '.join(BUILD_CONFIG.get('cflags', ['?']))}",
        f"  isa flags:       {BUILD_CONFIG.get('isa_flags', '?')}",
        f"  ldflags:         {' '.join(BUILD_CONFIG.get('ldflags', [])) or '(none)'}",
    ]
    print("\n".join(lines), file=file)
