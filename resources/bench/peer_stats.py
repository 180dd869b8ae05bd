"""The peer for `activeem bench`: writes the benchmark volumes (once) and times numpy's streaming
min/max/mean with h5py or zarr, block by block like ours. Usage:
  peer_stats.py write DIR Z Y X     -> writes DIR/bench.h5#raw (gzip) and DIR/bench.zarr (blosc), uint8
  peer_stats.py write-smooth DIR Z Y X -> writes DIR/bench-smooth-lz4.zarr and -zstd.zarr (blosc), uint8
  peer_stats.py stats PATH [DATASET] -> prints {"seconds", "seconds_warm", "min", "max", "mean"}: the first
                                       pass (imports and opening included) and a second one"""
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

if cmd == "write-smooth":
    # Data blosc really compresses, picked once (not tuned to any reader): EM sections are smooth at
    # the pixel scale (structures span tens of pixels), so a gaussian-blurred field (sigma 8 in-plane,
    # 2 across sections) with mild noise (std 4) quantised to 16 grey levels. Unquantised 8-bit noise
    # of any kind gives lz4 (exact byte repeats only) nothing to find, so blosc stores such chunks
    # as-is (that is the first Zarr row); with 16 levels blosc-lz4 gains about 2x and blosc-zstd 4.5x.
    # Both arrays hold the same values, with zarr-python's default blosc (clevel 5, byte shuffle).
    import zarr
    from numcodecs import Blosc
    from scipy import ndimage

    out, nz, ny, nx = sys.argv[2], *map(int, sys.argv[3:6])
    rng = np.random.default_rng(7)
    arrays = [
        zarr.open(f"{out}/bench-smooth-{cname}.zarr", mode="w", shape=(nz, ny, nx), chunks=(8, 256, 256),
                  dtype="u1", compressor=Blosc(cname=cname, clevel=5, shuffle=Blosc.SHUFFLE))
        for cname in ("lz4", "zstd")
    ]
    for z0 in range(0, nz, 8):
        n = min(8, nz - z0)
        field = ndimage.gaussian_filter(rng.normal(0, 1, (n + 8, ny, nx)).astype(np.float32), (2, 8, 8))[4:4 + n]
        field = 128 + field / field.std() * 40 + rng.normal(0, 4, field.shape)
        slab = (np.floor(field.clip(0, 255) / 16) * 16).astype(np.uint8)
        for a in arrays:
            a[z0:z0 + n] = slab
    sys.exit(0)

path = sys.argv[2]
t = time.perf_counter()
if path.endswith(".zarr"):
    import zarr
    arr = zarr.open(path, mode="r")
else:
    import h5py
    arr = h5py.File(path, "r")[sys.argv[3]]
def stats():
    lo, hi, total = 255, 0, 0
    for z0 in range(0, arr.shape[0], 8):
        block = arr[z0:z0 + 8]
        lo, hi = min(lo, int(block.min())), max(hi, int(block.max()))
        total += int(block.sum(dtype=np.uint64))
    return lo, hi, total


lo, hi, total = stats()
seconds = time.perf_counter() - t
# A second pass in the same process: libraries loaded and the file in the page cache, as ours' is.
t = time.perf_counter()
stats()
warm = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "seconds_warm": warm, "min": lo, "max": hi, "mean": total / arr.size}))
