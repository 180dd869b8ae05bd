"""The reference side of the fuzz runner: what h5py / zarr-python (or, for Zarr v3, the values the generator
wrote) say each command of a case should give, and whether our CLI's output matches it.

Usage: peer.py JOB.json START -> one JSON line per command from index START on:
  {"index": i, "peer": "reads" | "refuses" | "either" | "unknown", "equal": true | false | null, "detail": "..."}
"reads": the peer reads it (equal says whether our exit-0 output matches; null when we did not exit 0);
"refuses": the peer raises (or the v3 truth says no reader may accept it); "unaffected": the peer refuses the
mutated file, but our exit-0 output equals what it reads from the unmutated source (the damage missed what
this command reads); "either": v3 damage a reader may forgive (exit 2, or the values as written);
"unknown": the peer cannot say (too big to check, timed out).
The runner restarts this script after the command that made it crash (libhdf5 on a corrupt file may).
"""
import json
import math
import os
import resource
import signal
import sys

import numpy as np

from peer_common import *  # noqa: F401,F403 - the shared comparisons and constants


job = json.load(open(sys.argv[1]))
start = int(sys.argv[2])
data = job["data"]
fmt = job["format"]

resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))


# ---------------------------------------------------------------------------------------------- HDF5


def h5_list():
    import h5py

    entries = []
    with h5py.File(data, "r") as f:
        names = []
        f.visit(names.append)
        for name in names:
            shown, utf8 = printable(name)
            try:
                obj = f[name]
                if not isinstance(obj, h5py.Dataset):
                    continue
                entries.append({"name": shown, "utf8": utf8, "ok": True, "shape": list(obj.shape), "dtype": dtype_name(obj.dtype),
                                "chunks": list(obj.chunks) if obj.chunks else None})
            except Exception:
                entries.append({"name": shown, "utf8": utf8, "ok": False})
    return entries


FILTER_DEFLATE, FILTER_SHUFFLE, FILTER_FLETCHER32 = 1, 2, 3


def h5_chunk_check(ds, box):
    """libhdf5 (h5py's and ours) copies whatever a chunk decodes to, even when that is shorter than the chunk
    (a datatype that claims more bytes than were written): it hands out uninitialised memory. Check the
    decoded size of every chunk `box` touches where the pipeline is one python can undo (none, deflate,
    shuffle, fletcher32), as a careful reader would, and refuse a chunk of the wrong size."""
    import zlib

    if not ds.chunks:
        return
    dcpl = ds.id.get_create_plist()
    filters = [dcpl.get_filter(i)[0] for i in range(dcpl.get_nfilters())]
    if any(f not in (FILTER_DEFLATE, FILTER_SHUFFLE, FILTER_FLETCHER32) for f in filters):
        return
    lead = ds.ndim - 3
    expected = int(np.prod(ds.chunks)) * ds.id.get_type().get_size()
    ranges = [range(1)] * lead + [range(box[2 * d] // c, -(-box[2 * d + 1] // c)) for d, c in enumerate(ds.chunks[lead:])]
    for idx in __import__("itertools").product(*ranges):
        coord = tuple(i * c for i, c in zip(idx, ds.chunks))
        info = ds.id.get_chunk_info_by_coord(coord)
        if info.byte_offset is None:
            continue
        mask, raw = ds.id.read_direct_chunk(coord)
        raw = raw[: info.size]  # unfiltered, it reads the chunk's full size whatever the index records
        for i, f in reversed(list(enumerate(filters))):
            if mask & (1 << i):
                continue
            if f == FILTER_FLETCHER32:
                raw = raw[:-4]
            elif f == FILTER_DEFLATE:
                raw = zlib.decompress(raw)
        if len(raw) != expected:
            raise ValueError(f"chunk at {list(coord)} decodes to {len(raw)} bytes, the chunk holds {expected}")


def h5_stats(name):
    import h5py

    with h5py.File(data, "r") as f:
        ds = f[name]
        shape, lead, why = volume_of(ds.shape)
        dt = dtype_name(ds.dtype)
        if why or dt is None or dt == "float16":
            raise ValueError(why or f"dtype {ds.dtype}")
        if np.prod(shape, dtype=np.float64) > STATS_LIMIT:
            return h5_sparse_stats(ds, shape, lead), shape, dt
        h5_chunk_check(ds, [0, shape[0], 0, shape[1], 0, shape[2]])
        acc = Acc()
        step = max(1, (ds.chunks[lead] if ds.chunks else 8))
        for z in range(0, shape[0], step):
            acc.add(ds[(0,) * lead + (slice(z, z + step),)])
        return acc.result(), shape, dt


def h5_sparse_stats(ds, shape, lead):
    """Too big to read whole: the allocated chunks (libhdf5's own index), and the fill value for the rest."""
    if not ds.chunks:
        return None
    acc = Acc()
    seen = 0
    for i in range(ds.id.get_num_chunks()):
        offset = ds.id.get_chunk_info(i).chunk_offset
        if any(o >= n for o, n in zip(offset, ds.shape)):
            continue
        box = [v for o, c, n in zip(offset[lead:], ds.chunks[lead:], shape) for v in (o, min(o + c, n))]
        h5_chunk_check(ds, box)
        block = ds[tuple(slice(o, min(o + c, n)) for o, c, n in zip(offset, ds.chunks, ds.shape))]
        acc.add(block)
        seen += block.size
    fill = ds.fillvalue if ds.fillvalue is not None else 0
    acc.add_fill(fill, int(np.prod(shape, dtype=np.float64)) - seen)
    return acc.result()


def readable_lead(arr, region):
    """The leading axes of a readable volume, or ValueError: not a volume, an unreadable dtype, a region outside it."""
    shape, lead, why = volume_of(arr.shape)
    if why or dtype_name(arr.dtype) in (None, "float16"):
        raise ValueError(why or f"dtype {arr.dtype}")
    if not in_bounds(region, shape):
        raise ValueError(f"region outside {shape}")
    return lead


def h5_read(name, region):
    import h5py

    with h5py.File(data, "r") as f:
        ds = f[name]
        lead = readable_lead(ds, region)
        h5_chunk_check(ds, region)
        return ds[slices(region, lead)]


# ------------------------------------------------------------------------------------------- Zarr v2


def z2_open(name):
    import zarr

    return zarr.open_array(store=data, path=name or None, mode="r")


def z2_list():
    import zarr

    root_meta = [m for m in (".zarray", ".zgroup") if os.path.exists(os.path.join(data, m))]
    if not root_meta:
        raise ValueError("no .zarray or .zgroup at the root")
    for m in root_meta:
        json.load(open(os.path.join(data, m)))  # zarr-python refuses a store whose root metadata is not JSON
    if ".zgroup" in root_meta:
        zarr.open_group(data, mode="r")
    entries = []
    for root, dirs, files in os.walk(data):
        dirs.sort()
        if ".zarray" not in files:
            continue
        dirs[:] = []
        rel = os.path.relpath(root, data)
        rel = "" if rel == "." else rel.replace(os.sep, "/")
        shown, utf8 = printable(rel)
        try:
            a = zarr.open_array(store=data, path=rel or None, mode="r")
            # zarr-python opens some metadata it cannot read a voxel of (shape "8,32,32" becomes 7 characters)
            if not all(isinstance(c, int) and c > 0 for c in a.chunks):
                raise ValueError(f"chunks {a.chunks}")
            if not all(isinstance(n, int) and n >= 0 for n in a.shape) or len(a.shape) != len(a.chunks):
                raise ValueError(f"shape {a.shape}")
            entries.append({"name": shown, "utf8": utf8, "ok": True, "shape": list(a.shape), "dtype": dtype_name(a.dtype),
                            "chunks": list(a.chunks)})
        except Exception:
            entries.append({"name": shown, "utf8": utf8, "ok": False})
    return entries


def blosc_check(a, box):
    """numcodecs' blosc decompresses a truncated chunk without a word (zeros for the missing part): check the
    size the blosc header records against the file for every chunk `box` touches, as a careful reader would."""
    if (a.compressor is None or a.compressor.codec_id != "blosc") or not hasattr(a.store, "dir_path"):
        return
    lead = a.ndim - 3
    ranges = [range(1)] * lead + [range(box[2 * d] // c, -(-box[2 * d + 1] // c)) for d, c in enumerate(a.chunks[lead:])]
    for idx in __import__("itertools").product(*ranges):
        key = a._chunk_key(idx)
        path = os.path.join(a.store.dir_path(), *key.split("/"))
        if not os.path.isfile(path):
            continue
        raw = open(path, "rb").read(16)
        size = os.path.getsize(path)
        if len(raw) < 16 or int.from_bytes(raw[12:16], "little") > size:
            raise ValueError(f"chunk {key}: {size} bytes, its blosc header says {int.from_bytes(raw[12:16], 'little') if len(raw) >= 16 else '?'}")


def z2_stats(name):
    a = z2_open(name)
    shape, lead, why = volume_of(a.shape)
    dt = dtype_name(a.dtype)
    if why or dt is None or dt == "float16":
        raise ValueError(why or f"dtype {a.dtype}")
    acc = Acc()
    total = int(np.prod(shape, dtype=np.float64))
    if total <= STATS_LIMIT:
        blosc_check(a, [0, shape[0], 0, shape[1], 0, shape[2]])
        step = a.chunks[lead]
        for z in range(0, shape[0], step):
            acc.add(a[(0,) * lead + (slice(z, z + step),)])
        return acc.result(), shape, dt
    # Too big to read whole: the chunks that exist, and the fill value for the rest (what a full read gives).
    if a.fill_value is None:
        return None, shape, dt
    prefix = f"{a.path}/" if a.path else ""
    sep = a._dimension_separator or "."
    present = set()
    for key in a.store.keys():
        if not key.startswith(prefix) or os.path.basename(key).startswith("."):
            continue
        parts = key[len(prefix):].split(sep)
        if len(parts) == a.ndim and all(p.isdigit() for p in parts):
            idx = tuple(map(int, parts))
            if all(i < n for i, n in zip(idx, a.cdata_shape)):
                present.add(idx)
    seen = 0
    for idx in sorted(present):
        blosc_check(a, [v for i, c in zip(idx[lead:], a.chunks[lead:]) for v in (i * c, i * c + 1)])
        block = a[tuple(slice(i * c, min((i + 1) * c, n)) for i, c, n in zip(idx, a.chunks, a.shape))]
        acc.add(block)
        seen += block.size
    acc.add_fill(a.fill_value, total - seen)
    return acc.result(), shape, dt


def z2_read(name, region):
    a = z2_open(name)
    lead = readable_lead(a, region)
    blosc_check(a, region)
    return a[slices(region, lead)]


# ------------------------------------------------------------------------------- Zarr v3, no peer


def fill_of(t, dtype):
    f = t["fill"]
    if isinstance(f, str):
        f = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[f]
    return np.array(f).astype(dtype)


def box_cut(a, b):
    """Intersection of two boxes, or None."""
    out = []
    for d in range(3):
        lo, hi = max(a[2 * d], b[2 * d]), min(a[2 * d + 1], b[2 * d + 1])
        if lo >= hi:
            return None
        out += [lo, hi]
    return out


def v3_truth(name, which="arrays"):
    t = job["v3"][which].get(name)
    if t is None:
        raise KeyError(name)
    if t["broken"]:
        return t, None, "metadata no reader may accept"
    shape = t["shape"]
    if not (isinstance(shape, list) and len(shape) == 3 and all(isinstance(n, int) and n > 0 for n in shape)):
        return t, None, f"shape {shape}"
    return t, shape, None


def v3_values(t, box):
    dtype = np.dtype(t["dtype"])
    out = np.full([box[2 * d + 1] - box[2 * d] for d in range(3)], fill_of(t, dtype), dtype=dtype)
    src = np.load(os.path.join(job["sources"], t["npy"]))
    if t["view"]:
        src = src.view(np.dtype(t["view"]))
    if t["byteswap"]:
        src = src.byteswap()
    if src.dtype == dtype:
        cut = box_cut(box, [0, min(src.shape[0], t["shape"][0]), 0, min(src.shape[1], t["shape"][1]), 0, min(src.shape[2], t["shape"][2])])
        if cut:
            out[tuple(slice(cut[2 * d] - box[2 * d], cut[2 * d + 1] - box[2 * d]) for d in range(3))] = src[slices(cut)]
    for fb in t["fillBoxes"]:
        cut = box_cut(box, fb)
        if cut:
            out[tuple(slice(cut[2 * d] - box[2 * d], cut[2 * d + 1] - box[2 * d]) for d in range(3))] = fill_of(t, dtype)
    return out


def v3_verdict(t, box):
    if any(box_cut(box, b) for b in t["refuseBoxes"]):
        return "refuses"
    if any(box_cut(box, b) for b in t["eitherBoxes"]):
        return "either"
    return "reads"


def v3_read(name, region, which="arrays"):
    t, shape, why = v3_truth(name, which)
    if why:
        return "refuses", why, None
    if not in_bounds(region, shape):
        return "refuses", f"region outside {shape}", None
    verdict = v3_verdict(t, region)
    return verdict, "", None if verdict == "refuses" else v3_values(t, region)


def v3_stats(name, which="arrays"):
    t, shape, why = v3_truth(name, which)
    if why:
        return "refuses", why, None, None
    whole = [0, shape[0], 0, shape[1], 0, shape[2]]
    verdict = v3_verdict(t, whole)
    if verdict == "refuses":
        return verdict, "a damaged chunk", None, shape
    src = np.load(os.path.join(job["sources"], t["npy"]), mmap_mode="r")
    part = [0, min(src.shape[0], shape[0]), 0, min(src.shape[1], shape[1]), 0, min(src.shape[2], shape[2])]
    acc = Acc()
    block = v3_values(t, part)
    acc.add(block)
    total = int(np.prod(shape, dtype=np.float64))
    fill = fill_of(t, np.dtype(t["dtype"]))
    rest = total - block.size
    # Fill boxes outside the written part read as the fill value too: the rest is fill either way.
    acc.add_fill(fill, rest)
    return verdict, "", acc.result(), shape


def v3_unaffected(cmd, why):
    """A damaged v3 array we read with exit 0: still fine if what we gave equals the unmutated source's
    values for this command (the damage missed it, or a reader may read through it, as trailing bytes)."""
    name = cmd["dataset"]
    try:
        if cmd["kind"] == "stats":
            verdict, _, expected, shape = v3_stats(name, "original")
            equal = verdict == "reads" and compare_stats(cmd, shape, job["v3"]["original"][name]["dtype"], expected)[0]
        else:
            verdict, _, expected = v3_read(name, cmd["region"], "original")
            equal = verdict == "reads" and compare_region(cmd, expected)[0]
    except Exception:  # noqa: BLE001 - no comparison, no pass
        equal = False
    if equal:
        return "unaffected", True, f"{why or 'damaged'}; equal to the unmutated source"
    return "refuses", None, why


# ------------------------------------------------------------------------------------------- judge


def judge(cmd):
    kind, name, ours_ok = cmd["kind"], cmd["dataset"], cmd["exit"] == 0
    if fmt == "zarr3":
        v3 = job["v3"]
        if kind == "list":
            entries = [dict(e, chunks=None) for e in v3["listing"]]
            peer = "either" if v3["listingEither"] else "reads"
            if not ours_ok:
                return peer, None, "from the generator's metadata"
            return (peer, *compare_listing(cmd, entries, check_chunks=False))
        if kind == "stats":
            verdict, why, expected, shape = v3_stats(name)
            if verdict == "refuses" and ours_ok and not job["valid"]:
                return v3_unaffected(cmd, why)
            if verdict == "refuses" or not ours_ok:
                return verdict, None, why
            return (verdict, *compare_stats(cmd, shape, job["v3"]["arrays"][name]["dtype"], expected))
        verdict, why, expected = v3_read(name, cmd["region"])
        if verdict == "refuses" and ours_ok and not job["valid"]:
            return v3_unaffected(cmd, why)
        if verdict == "refuses" or not ours_ok:
            return verdict, None, why
        return (verdict, *compare_region(cmd, expected))

    global data
    try:
        value = peer_value(kind, name, cmd)
    except Timeout:
        return "unknown", None, "the peer took over 60 s"
    except Exception as e:  # noqa: BLE001 - any exception (MemoryError too) is the peer refusing the file
        why = f"peer: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]
        if not ours_ok or job["valid"]:
            return "refuses", None, why
        # The damage may have missed what this command reads: compare with the unmutated source.
        data = job["source"]
        try:
            verdict = compare(kind, cmd, peer_value(kind, name, cmd))
        except Exception:  # noqa: BLE001
            verdict = ("refuses", None, "")
        finally:
            data = job["data"]
        if verdict[1] is True:
            return "unaffected", True, f"{why}; equal to the unmutated source"
        return "refuses", None, why
    if not ours_ok:
        return ("unknown", None, "too big for the peer to check") if kind == "stats" and value[0] is None else ("reads", None, "")
    return compare(kind, cmd, value)


def peer_value(kind, name, cmd):
    if kind == "list":
        return h5_list() if fmt == "hdf5" else z2_list()
    if kind == "stats":
        return (h5_stats if fmt == "hdf5" else z2_stats)(name)
    return (h5_read if fmt == "hdf5" else z2_read)(name, cmd["region"])


def compare(kind, cmd, value):
    if kind == "list":
        return ("reads", *compare_listing(cmd, value))
    if kind == "stats":
        stats, shape, dt = value
        if stats is None:
            return "unknown", None, f"too big for the peer to check ({shape})"
        return ("reads", *compare_stats(cmd, shape, dt, stats))
    return ("reads", *compare_region(cmd, value))


for cmd in job["commands"]:
    if cmd["index"] < start:
        continue
    signal.alarm(60)
    try:
        peer, equal, detail = judge(cmd)
    except Timeout:
        peer, equal, detail = "unknown", None, "the peer took over 60 s"
    except Exception as e:  # noqa: BLE001 - a bug here must not pass for a verdict
        peer, equal, detail = "unknown", None, f"judge error: {type(e).__name__}: {e}"[:300]
    finally:
        signal.alarm(0)
    print(json.dumps({"index": cmd["index"], "peer": peer, "equal": equal, "detail": detail}), flush=True)
