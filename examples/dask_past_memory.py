"""An activation and its gradient over an on-disk array larger than the machine's memory.

    python examples/dask_past_memory.py               # 28 GiB of float32 on disk (default)
    python examples/dask_past_memory.py --gib 4       # a smaller run
    python examples/dask_past_memory.py --small       # a few MiB: seconds (the tests run this)

1. Generates a float32 Zarr array on disk (``--path``, in a temporary folder by default; deleted
   at the end unless ``--keep``), chunk by chunk, on the cluster: the array is never in memory.
2. Starts Dask's distributed scheduler with a LocalCluster of worker processes on this machine
   (``--workers``, each with ``--memory-limit``).
3. The forward and backward pass of one GELU layer under the loss ``L = sum(gelu(x)**2) / 2``:
   ``y = relufast.gelu(x)`` and ``dL/dx = relufast.gelu_grad(y, x)``, both lazy Dask arrays over
   the Zarr array, reduced to per-row statistics (the loss and the squared gradient norm of
   every row).  Dask's progress bar shows the chunks as they complete; each worker holds a few
   chunks at a time, so the array can be any size the disk holds.
4. Checks random chunks: each read directly from the Zarr store into NumPy, relufast called on
   it directly, and the result compared with the distributed computation's, bit for bit (the
   chunk's y and dL/dx) and to the row statistics.
5. Reports the time, the throughput and every worker's peak resident memory.

The same code runs on a multi-machine Dask cluster: replace the LocalCluster with
``Client("tcp://scheduler:8786")`` (a cluster started with ``dask scheduler`` and ``dask worker``
on each machine, or by dask-jobqueue / dask-kubernetes), put the array where every worker can
read it (a shared file system or an object store: ``s3://...`` with Zarr), and install relufast
on every worker.  See docs/guide/dask.md.
"""

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time

import numpy as np

import relufast

COLUMNS = 4096  # float32: 16 KiB a row


def _generate_block(seed, block_info=None):
    """One chunk of the input: normal values times 3, seeded by the chunk's place (so any chunk
    can be made again), in float32."""
    info = block_info[None]
    shape, (i, j) = info["chunk-shape"], info["chunk-location"]
    rng = np.random.default_rng([seed, i, j])
    return rng.standard_normal(shape, dtype=np.float32) * np.float32(3)


def _peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def _open_zarr_for_writing(zarr, path, shape, chunks):
    try:  # zarr 3
        return zarr.create_array(path, shape=shape, chunks=chunks, dtype="f4",
                                 compressors=None, overwrite=True)
    except AttributeError:  # zarr 2
        return zarr.open_array(path, mode="w", shape=shape, chunks=chunks, dtype="f4",
                               compressor=None)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gib", type=float, default=28.0, help="size of the array on disk (GiB)")
    p.add_argument("--small", action="store_true", help="a few MiB, small chunks: seconds")
    p.add_argument("--path", help="where to write the Zarr array (default: a temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the Zarr array afterwards")
    p.add_argument("--workers", type=int, default=2, help="worker processes")
    p.add_argument("--memory-limit", default="3GiB", help="memory limit of each worker")
    p.add_argument("--chunk-rows", type=int, default=4096, help="rows per chunk (16 KiB a row)")
    p.add_argument("--check", type=int, default=3, help="random chunks to check directly")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    import dask.array as da
    import zarr
    from distributed import Client, LocalCluster, progress

    columns, chunk_rows = COLUMNS, args.chunk_rows
    if args.small:
        columns, chunk_rows, args.gib = 256, 64, 4 * 2**20 / 2**30  # 4 MiB, 64 KiB chunks
    rows = max(chunk_rows, int(args.gib * 2**30 / (4 * columns)) // chunk_rows * chunk_rows)
    shape, chunks = (rows, columns), (chunk_rows, columns)
    nbytes = rows * columns * 4
    total_memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    folder = args.path or tempfile.mkdtemp(prefix="relufast-dask-")
    path = os.path.join(folder, "x.zarr")
    print(f"x: {shape[0]:,} x {shape[1]:,} float32 = {nbytes / 2**30:.2f} GiB on disk at {path}"
          f" ({nbytes / total_memory:.2f}x this machine's {total_memory / 2**30:.1f} GiB of "
          f"memory); chunks of {chunk_rows * columns * 4 / 2**20:.0f} MiB")
    results = {}
    try:
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          memory_limit=args.memory_limit, dashboard_address=":0") as cluster, \
                Client(cluster) as client:
            print(f"cluster: {args.workers} worker processes, {args.memory_limit} each; "
                  f"dashboard {client.dashboard_link}")

            # 1. the input, written chunk by chunk by the workers
            print("generating x on disk:")
            t = time.perf_counter()
            target = _open_zarr_for_writing(zarr, path, shape, chunks)
            x = da.map_blocks(_generate_block, args.seed, dtype=np.float32,
                              chunks=((chunk_rows,) * (rows // chunk_rows), (columns,)),
                              meta=np.empty((0, 0), np.float32))
            stored = da.store(x, target, lock=False, compute=False)
            future = client.compute(stored)
            progress(future)
            future.result()
            results["generate_s"] = time.perf_counter() - t
            print(f"\n  {results['generate_s']:.1f} s")

            # 2. the forward and backward pass over the array on disk, lazily
            x = da.from_zarr(path)
            y = relufast.gelu(x)
            dx = relufast.gelu_grad(y, x)  # dL/dx for L = sum(y**2) / 2: dL/dy = y
            loss_rows = (y * y).sum(axis=1, dtype=np.float64) / 2
            gnorm_rows = (dx * dx).sum(axis=1, dtype=np.float64)
            # the chunks to check come back beside the statistics (computing them later, in
            # a second graph, would read them again and reuse the first graph's keys)
            rng = np.random.default_rng(args.seed)
            picks = sorted(int(i) for i in rng.choice(
                x.numblocks[0], size=min(args.check, x.numblocks[0]), replace=False))
            checks = [(y.blocks[i, 0], dx.blocks[i, 0]) for i in picks]
            print("gelu and gelu_grad over x, reduced to per-row loss and gradient norm:")
            t = time.perf_counter()
            futures = client.compute([loss_rows, gnorm_rows, checks])
            progress(futures)
            loss_rows, gnorm_rows, checks = client.gather(futures)
            results["compute_s"] = s = time.perf_counter() - t
            print(f"\n  {s:.1f} s: {nbytes / 2**30 / s:.2f} GiB/s of x read, two ops each; "
                  f"loss {loss_rows.sum():.6g}, |dL/dx|^2 {gnorm_rows.sum():.6g}")

            # 3. the chunks, checked against relufast called directly on them, read from disk
            stored_x = zarr.open_array(path, mode="r")
            for i, (y_i, dx_i) in zip(picks, checks):
                lo, hi = i * chunk_rows, min(rows, (i + 1) * chunk_rows)
                xc = stored_x[lo:hi]
                np.testing.assert_array_equal(xc, _generate_block(args.seed, block_info={
                    None: {"chunk-shape": xc.shape, "chunk-location": (i, 0)}}))  # on disk
                yc = relufast.gelu(xc)
                dxc = relufast.gelu_grad(yc, xc)
                np.testing.assert_array_equal(y_i, yc)
                np.testing.assert_array_equal(dx_i, dxc)
                np.testing.assert_allclose(loss_rows[lo:hi], (yc * yc).sum(
                    axis=1, dtype=np.float64) / 2, rtol=1e-12)
                np.testing.assert_allclose(gnorm_rows[lo:hi], (dxc * dxc).sum(
                    axis=1, dtype=np.float64), rtol=1e-12)
            results["checked_chunks"] = picks
            print(f"checked chunks {picks} against relufast called directly: equal")
            peaks = client.run(_peak_rss_bytes)
            results["worker_peak_bytes"] = sorted(peaks.values())
            print("peak resident memory of each worker: " + ", ".join(
                f"{v / 2**30:.2f} GiB" for v in results["worker_peak_bytes"])
                + f" (limit {args.memory_limit} each); this process "
                f"{_peak_rss_bytes() / 2**30:.2f} GiB")
    finally:
        if not args.keep:
            shutil.rmtree(folder if args.path is None else path, ignore_errors=True)
    results["nbytes"] = nbytes
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
