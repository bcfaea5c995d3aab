"""examples/dask_past_memory.py in its --small form: a few MiB on disk, a LocalCluster of two
worker processes, Dask's progress bar, random chunks checked against relufast called directly.

Skipped without dask, distributed or zarr (``pip install "relufast[dask]"``) or without the
examples/ folder.
"""

import importlib.util
import os
import pathlib

import pytest

pytest.importorskip("dask.array")
pytest.importorskip("distributed")
pytest.importorskip("zarr")

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "dask_past_memory.py"


def test_dask_past_memory_small(tmp_path, capsys):
    if not EXAMPLE.exists():
        pytest.skip(f"{EXAMPLE} not found")
    spec = importlib.util.spec_from_file_location("dask_past_memory", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = module.main(["--small", "--path", str(tmp_path), "--check", "3"])
    out = capsys.readouterr().out
    assert len(results["checked_chunks"]) == 3  # each equal to the direct call, bit for bit
    assert results["compute_s"] > 0 and len(results["worker_peak_bytes"]) == 2
    assert "% Completed" in out  # the progress bar
    assert not os.path.exists(tmp_path / "x.zarr")  # the array is deleted afterwards
