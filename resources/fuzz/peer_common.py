"""What the fuzz peer's readers share: dtype names, volume shapes, regions and the comparisons of our
CLI's output (regions as .npy, stats, listings) with what a peer read."""
import json
import math
import os
import signal

import numpy as np

STATS_LIMIT = 1 << 26  # voxels the peer reads whole for --stats; bigger Zarr arrays are summed chunk by chunk
NUMERIC = {f"{k}{b}" for k in ("uint", "int") for b in (8, 16, 32, 64)} | {"float16", "float32", "float64"}


class Timeout(Exception):
    pass


def on_alarm(_sig, _frame):
    raise Timeout()


signal.signal(signal.SIGALRM, on_alarm)


def dtype_name(dt):
    if dt.kind in "ui":
        return f"{'u' if dt.kind == 'u' else ''}int{dt.itemsize * 8}"
    if dt.kind == "f":
        return f"float{dt.itemsize * 8}"
    return None


def finite(x):
    x = float(x)
    return x if math.isfinite(x) else None


def close(a, b, exact=False):
    if a is None or b is None:
        return a is None and b is None
    if exact:
        return float(a) == float(b)
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def volume_of(shape):
    """A 3D volume's shape (leading axes of length 1 dropped, as our reader does), or a reason it is not one."""
    shape = list(shape)
    lead = len(shape) - 3
    if lead < 0 or any(n != 1 for n in shape[:lead]):
        return None, lead, f"not 3D: {shape}"
    if any(n == 0 for n in shape):
        return None, lead, f"empty: {shape}"
    return shape[lead:], lead, None


def in_bounds(region, shape):
    return all(0 <= region[2 * d] < region[2 * d + 1] <= shape[d] for d in range(3))


def slices(region, lead=0):
    return (0,) * lead + tuple(slice(region[2 * d], region[2 * d + 1]) for d in range(3))


def le_bytes(a):
    return np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<"), copy=False)).tobytes()


def compare_region(cmd, expected):
    npy = cmd.get("npy")
    if not npy or not os.path.exists(npy):
        return False, "exit 0 but no .npy written"
    got = np.load(npy)
    if got.shape != expected.shape:
        return False, f"shape {list(got.shape)} vs peer {list(expected.shape)}"
    if (got.dtype.kind, got.dtype.itemsize) != (expected.dtype.kind, expected.dtype.itemsize):
        return False, f"dtype {got.dtype} vs peer {expected.dtype}"
    if le_bytes(got) == le_bytes(expected):
        return True, "equal"
    diff = np.argwhere(~((got == expected) | ((got != got) & (expected != expected))))
    if len(diff) == 0:
        return False, "values equal but bits differ (NaN payload or -0)"
    i = tuple(diff[0])
    return False, f"{len(diff)} of {got.size} voxels differ, first at {list(map(int, i))}: {got[i]} vs peer {expected[i]}"


class Acc:
    """min / max / float64 sum over blocks, NaN-ignoring min and max as our computeStats does."""

    def __init__(self):
        self.min, self.max, self.sum, self.n = math.inf, -math.inf, 0.0, 0

    def add(self, block):
        if block.size == 0:
            return
        b = block.astype(np.float64)
        with np.errstate(all="ignore"):
            finite_part = b[~np.isnan(b)]
            if finite_part.size:
                self.min = min(self.min, float(finite_part.min()))
                self.max = max(self.max, float(finite_part.max()))
            self.sum += float(b.sum())
        self.n += block.size

    def add_fill(self, value, count):
        if count <= 0:
            return
        v = float(value)
        if not math.isnan(v):
            self.min, self.max = min(self.min, v), max(self.max, v)
        self.sum += v * count
        self.n += count

    def result(self):
        return {"min": finite(self.min), "max": finite(self.max), "mean": finite(self.sum / self.n) if self.n else None}


def compare_stats(cmd, shape, dtype, expected):
    ours = cmd.get("stdout") or {}
    if ours.get("shape") != list(shape):
        return False, f"shape {ours.get('shape')} vs peer {list(shape)}"
    if ours.get("dtype") != dtype:
        return False, f"dtype {ours.get('dtype')} vs peer {dtype}"
    s = ours.get("stats") or {}
    for key in ("min", "max", "mean"):
        if not close(s.get(key), expected[key], exact=key != "mean"):
            return False, f"{key} {s.get(key)} vs peer {expected[key]}"
    return True, "equal"


def compare_listing(cmd, entries, check_chunks=True):
    """entries: the peer's arrays, {name, utf8, ok, shape, dtype, chunks}."""
    ours = (cmd.get("stdout") or {}).get("datasets")
    if not isinstance(ours, list):
        return False, "no datasets list in the output"
    unmatched = list(range(len(ours)))
    for p in entries:
        if not (p["utf8"] and p["ok"]):
            continue
        hit = [i for i in unmatched if ours[i].get("name") == p["name"]]
        if not hit:
            return False, f"array '{p['name']}' missing from the listing"
        o = ours[hit[0]]
        unmatched.remove(hit[0])
        if o.get("shape") != p["shape"]:
            return False, f"'{p['name']}': shape {o.get('shape')} vs peer {p['shape']}"
        if p["dtype"] is not None and o.get("dtype") != p["dtype"]:
            return False, f"'{p['name']}': dtype {o.get('dtype')} vs peer {p['dtype']}"
        if p["dtype"] is None and o.get("dtype") in NUMERIC:
            return False, f"'{p['name']}': listed as {o.get('dtype')}, the peer says it is not numeric"
        if check_chunks and o.get("chunks") != p["chunks"]:
            return False, f"'{p['name']}': chunks {o.get('chunks')} vs peer {p['chunks']}"
    for i in unmatched:
        o = ours[i]
        shape = o.get("shape")
        if not (isinstance(shape, list) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)):
            return False, f"'{o.get('name')}': listed with shape {json.dumps(shape)}"
        if not isinstance(o.get("dtype"), str):
            return False, f"'{o.get('name')}': listed with dtype {json.dumps(o.get('dtype'))}"
    odd_ok = sum(1 for p in entries if p["ok"] and not p["utf8"])
    odd_any = sum(1 for p in entries if not (p["ok"] and p["utf8"]))
    if len(unmatched) < odd_ok:
        return False, f"{odd_ok - len(unmatched)} array(s) with a non-UTF-8 name dropped from the listing"
    if len(unmatched) > odd_any:
        return False, f"listed {len(unmatched) - odd_any} array(s) the peer does not see: {[ours[i].get('name') for i in unmatched]}"
    return True, "equal"


def printable(name):
    if isinstance(name, bytes):
        try:
            return name.decode("utf-8"), True
        except UnicodeDecodeError:
            return name.decode("utf-8", "replace"), False
    try:
        name.encode("utf-8")
        return name, True
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace"), False
