"""``python -m relufast`` in the root of a clone: the installed package takes over.

Python puts the current directory first on ``sys.path`` for ``python -m`` (and for
``python -c``, ``python -m pytest``), so in the root of a clone ``import relufast`` finds this
source folder before the package that ``pip install .`` put in site-packages.  Unbuilt, this
folder has no compiled modules.  Then, and only then, relufast loads the installed package in
its place (``sys.modules["relufast"]``), so the command the README documents works where the
README says to run it.  A folder built in place (``setup.py build_ext --inplace``) is used as it
is; an unbuilt folder with no installed package to defer to gets one sentence saying what to run.
"""

import importlib.machinery
import importlib.util
import os
import sys


def _built(path):
    """True if the package folders in ``path`` hold the compiled OpenMP shim."""
    return importlib.machinery.PathFinder.find_spec("relufast._openmp", path) is not None


def use_installed_if_unbuilt(name, path):
    """If the package at ``path`` (its ``__path__``) is unbuilt, put the installed one in its place.

    After this, ``sys.modules[name]`` is the installed package: the relative imports that
    follow in ``__init__`` resolve against it, and the import statement in progress returns it.
    """
    if _built(path):
        return
    here = os.path.dirname(os.path.abspath(path[0]))
    elsewhere = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec(name, elsewhere)
    if spec is None or not spec.submodule_search_locations or not _built(
            list(spec.submodule_search_locations)):
        message = (
            f"relufast: {path[0]} is relufast's source folder, not built, and no installed "
            "relufast was found: run `python -m pip install .` (or build in place with "
            "`python setup.py build_ext --inplace`)"
        )
        if sys.argv[:1] == ["-m"]:  # `python -m relufast`: the sentence, not a traceback
            raise SystemExit(message)
        raise ImportError(message, name=name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
