"""The peer for `activeem bench`'s k-means: scikit-learn's Lloyd k-means from the same data and the same
initial centres, for a fixed number of iterations (tol 0), timing only the fit. Usage:
  peer_kmeans.py X.npy INIT.npy MAX_ITER REPEATS -> {"seconds" (fastest), "inertia", "n_iter", "threads"}
The data and the centres are written by the bench (ours) so both sides start from the same bytes."""
import json
import os
import sys
import time
import warnings

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info

x_path, init_path, max_iter, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
X = np.load(x_path)
init = np.load(init_path)
best = None
for _ in range(repeats):
    km = KMeans(n_clusters=init.shape[0], init=init, n_init=1, max_iter=max_iter, tol=0, algorithm="lloyd")
    with warnings.catch_warnings():
        # An explicit init with n_init=1 is what we want; sklearn warns about it anyway.
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        km.fit(X)
        seconds = time.perf_counter() - t
    best = seconds if best is None else min(best, seconds)
threads = max((i["num_threads"] for i in threadpool_info()), default=os.cpu_count())
print(json.dumps({"seconds": best, "inertia": float(km.inertia_), "n_iter": int(km.n_iter_), "threads": threads}))
