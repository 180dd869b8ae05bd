"""The peer for `activeem bench`'s connected components: writes the benchmark mask (once) and times
h5py reading + thresholding + scipy.ndimage.label + component sizes, as `activeem components` does. Usage:
  peer_components.py write FILE.h5 Z Y X -> FILE.h5#mask: uint8, ~1% foreground in blobs and threads
  peer_components.py label FILE.h5 DATASET CONNECTIVITY -> {"seconds", "count", "voxels", "sizes_sha256", "peak_rss_mb"}"""
import hashlib
import json
import resource
import sys
import time

import numpy as np

cmd = sys.argv[1]
if cmd == "write":
    import h5py

    out, nz, ny, nx = sys.argv[2], *map(int, sys.argv[3:6])
    rng = np.random.default_rng(11)
    mask = np.zeros((nz, ny, nx), dtype=np.uint8)
    zz, yy, xx = np.ogrid[:nz, :ny, :nx]
    # Ellipsoidal blobs (mitochondria-like, anisotropic) until ~1% of the volume is foreground.
    while mask.mean() < 0.009:
        c = rng.uniform(0, 1, 3) * (nz, ny, nx)
        r = rng.uniform(1.5, 4), rng.uniform(4, 14), rng.uniform(4, 14)
        z0, z1 = max(0, int(c[0] - r[0])), min(nz, int(c[0] + r[0]) + 1)
        y0, y1 = max(0, int(c[1] - r[1])), min(ny, int(c[1] + r[1]) + 1)
        x0, x1 = max(0, int(c[2] - r[2])), min(nx, int(c[2] + r[2]) + 1)
        d = ((zz[z0:z1] - c[0]) / r[0]) ** 2 + ((yy[:, y0:y1] - c[1]) / r[1]) ** 2 + ((xx[:, :, x0:x1] - c[2]) / r[2]) ** 2
        mask[z0:z1, y0:y1, x0:x1] |= (d <= 1).astype(np.uint8)
    # Speckle: isolated voxels, the false positives a threshold leaves.
    mask[rng.uniform(size=mask.shape) < 0.001] = 1
    with h5py.File(out, "w") as f:
        f.create_dataset("mask", data=mask, chunks=(8, 256, 256), compression="gzip", compression_opts=4)
    sys.exit(0)

from scipy import ndimage  # noqa: E402
import h5py  # noqa: E402

path, dataset, connectivity = sys.argv[2], sys.argv[3], int(sys.argv[4])
rank = {6: 1, 18: 2, 26: 3}[connectivity]
t = time.perf_counter()
with h5py.File(path, "r") as f:
    mask = f[dataset][...] > 0
labels, count = ndimage.label(mask, structure=ndimage.generate_binary_structure(3, rank))
sizes = np.bincount(labels.ravel(), minlength=count + 1)[1:]
seconds = time.perf_counter() - t
digest = hashlib.sha256(np.sort(sizes).astype("<u8").tobytes()).hexdigest()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "count": int(count), "voxels": int(sizes.sum()), "sizes_sha256": digest, "peak_rss_mb": round(peak)}))
