"""The peer for `activeem bench`: writes the benchmark volumes (once) and times numpy's streaming
min/max/mean with h5py or zarr, block by block like ours. Usage:
  peer_stats.py write DIR Z Y X     -> writes DIR/bench.h5#raw (gzip) and DIR/bench.zarr (blosc), uint8
  peer_stats.py stats PATH [DATASET] -> prints {"seconds", "min", "max", "mean"}"""
import json
import sys
import time

import numpy as np

cmd = sys.argv[1]
if cmd == "write":
    import h5py
    import zarr

    out, nz, ny, nx = sys.argv[2], *map(int, sys.argv[3:6])
    rng = np.random.default_rng(5)
    with h5py.File(f"{out}/bench.h5", "w") as f:
        d = f.create_dataset("raw", shape=(nz, ny, nx), dtype="u1", chunks=(8, 256, 256), compression="gzip", compression_opts=4)
        z = zarr.open(f"{out}/bench.zarr", mode="w", shape=(nz, ny, nx), chunks=(8, 256, 256), dtype="u1")
        for z0 in range(0, nz, 8):
            slab = rng.normal(128, 30, (min(8, nz - z0), ny, nx)).clip(0, 255).astype(np.uint8)
            d[z0:z0 + slab.shape[0]] = slab
            z[z0:z0 + slab.shape[0]] = slab
    sys.exit(0)

path = sys.argv[2]
t = time.perf_counter()
if path.endswith(".zarr"):
    import zarr
    arr = zarr.open(path, mode="r")
else:
    import h5py
    arr = h5py.File(path, "r")[sys.argv[3]]
lo, hi, total = 255, 0, 0
for z0 in range(0, arr.shape[0], 8):
    block = arr[z0:z0 + 8]
    lo, hi = min(lo, int(block.min())), max(hi, int(block.max()))
    total += int(block.sum(dtype=np.uint64))
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "min": lo, "max": hi, "mean": total / arr.size}))
