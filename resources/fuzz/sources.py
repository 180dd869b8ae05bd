"""The fuzz corpus's valid sources: HDF5 by h5py, Zarr v2 by zarr-python, Zarr v3 encoded here by hand.

Usage: sources.py OUT_DIR SEED [ID,ID,...]  -> writes the sources under OUT_DIR and prints a manifest (JSON)
that tells the mutator (corpus.ts) where things are: for HDF5 the byte ranges of the superblock, of each
target's object header, dataspace and datatype messages, chunks and contiguous data; for Zarr the metadata
file and the chunk files of each array. Zarr v3 arrays also get their true values as .npy (zarr 2 cannot
read v3, so the runner compares against these) and the boxes of their missing chunks.

The v3 encoder is written from the spec (transpose, bytes, gzip, zstd, blosc, crc32c, sharding_indexed),
independently of zarrita, the library the reader under test uses.
"""
import functools
import gzip
import json
import os
import struct
import sys

import h5py
import numcodecs
import numcodecs.gzip
import numpy as np
import zarr

# numcodecs' GZip stamps each chunk with the time: stamp 0, so the same seed gives the same bytes.
numcodecs.gzip._gzip = type("NoTimeGzip", (), {"GzipFile": functools.partial(gzip.GzipFile, mtime=0)})

out = os.path.abspath(sys.argv[1])
seed = int(sys.argv[2])
only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 and sys.argv[3] else None
os.makedirs(out, exist_ok=True)
manifest = {"sources": []}


def rng_for(name):
    return np.random.default_rng([seed, sum(ord(c) * 31**i for i, c in enumerate(name)) % (2**32)])


def values(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        smooth = np.cumsum(rng.standard_normal(shape), axis=-1) * 10
        return (smooth + rng.standard_normal(shape)).astype(dtype)
    native = dtype.newbyteorder("=")
    info = np.iinfo(native)
    lo, hi = max(info.min, -(2**20)), min(info.max, 2**20)
    return rng.integers(lo, hi, shape, dtype=native, endpoint=True).astype(dtype)


def wanted(name):
    return only is None or name in only


# ---------------------------------------------------------------------------------------------- HDF5

SIGNATURES = [b"TREE", b"HEAP", b"SNOD", b"OHDR", b"OCHK", b"BTHD", b"BTLF", b"FRHP", b"FHDB", b"FHIB", b"GCOL", b"FSHD", b"SMTB"]


def header_messages(raw, addr):
    """(type, data offset, data size) of the messages in the first block of an object header, v1 or v2."""
    msgs = []
    if raw[addr:addr + 4] == b"OHDR":
        flags = raw[addr + 5]
        pos = addr + 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
        size_len = 1 << (flags & 3)
        chunk0 = int.from_bytes(raw[pos:pos + size_len], "little")
        pos += size_len
        end = pos + chunk0
        while pos + 4 <= end:
            mtype, msize, mflags = raw[pos], struct.unpack_from("<H", raw, pos + 1)[0], raw[pos + 3]
            data = pos + 4 + (2 if flags & 0x04 else 0)
            msgs.append((mtype, data, msize))
            pos = data + msize
        return "v2", msgs
    if raw[addr] != 1:
        return "unknown", msgs
    size = struct.unpack_from("<I", raw, addr + 8)[0]
    pos, end = addr + 16, addr + 16 + size
    while pos + 8 <= end:
        mtype, msize = struct.unpack_from("<HH", raw, pos)
        msgs.append((mtype, pos + 8, msize))
        pos += 8 + msize
    return "v1", msgs


def h5_layout(path, targets):
    raw = open(path, "rb").read()
    layout = {"size": len(raw), "superblockVersion": raw[8], "datasets": {}, "signatures": []}
    for sig in SIGNATURES:
        at = raw.find(sig)
        while at >= 0:
            layout["signatures"].append(at)
            at = raw.find(sig, at + 1)
    layout["signatures"].sort()
    with h5py.File(path, "r") as f:
        for name in targets:
            ds = f[name]
            info = h5py.h5o.get_info(ds.id)
            version, msgs = header_messages(raw, info.addr)
            d = {"ohdr": [info.addr, info.hdr.space.total], "headerVersion": version, "chunks": [], "contiguous": None,
                 "dataspace": None, "datatype": None}
            for mtype, data, msize in msgs:
                if mtype == 1 and d["dataspace"] is None:
                    ver, rank = raw[data], raw[data + 1]
                    dims = data + (8 if ver == 1 else 4)
                    d["dataspace"] = {"version": ver, "rank": rank, "dims": dims}
                if mtype == 3 and d["datatype"] is None:
                    d["datatype"] = {"offset": data, "size": msize}
            if ds.chunks:
                for i in range(ds.id.get_num_chunks()):
                    c = ds.id.get_chunk_info(i)
                    d["chunks"].append([c.byte_offset, c.size])
            else:
                off = ds.id.get_offset()
                if off is not None:
                    d["contiguous"] = [off, ds.id.get_storage_size()]
            layout["datasets"][name] = d
    return layout


def h5_source(name, build, targets):
    if not wanted(name):
        return
    path = f"{out}/{name}.h5"
    libver = build(path)
    shapes = {}
    with h5py.File(path, "r") as f:
        for t in targets:
            shapes[t] = {"shape": list(f[t].shape), "dtype": f[t].dtype.name}
    manifest["sources"].append({
        "id": name, "format": "hdf5", "path": os.path.basename(path), "targets": targets, "arrays": shapes,
        "libver": libver or "earliest", "hdf5": h5_layout(path, targets),
    })


def h5_contig_u8(path):
    r = rng_for("h5_contig_u8")
    with h5py.File(path, "w") as f:
        f.create_dataset("volume", data=values(r, (12, 40, 48), "u1"))


def h5_chunked_u16(path):
    r = rng_for("h5_chunked_u16")
    with h5py.File(path, "w") as f:
        f.create_dataset("raw", data=values(r, (14, 40, 36), "u2"), chunks=(4, 16, 16))


def h5_gzip_i32(path):
    r = rng_for("h5_gzip_i32")
    with h5py.File(path, "w") as f:
        f.create_dataset("data/labels", data=values(r, (10, 33, 30), "i4"), chunks=(5, 11, 10), compression="gzip", compression_opts=4)


def h5_shuffle_gzip_f32(path):
    r = rng_for("h5_shuffle_gzip_f32")
    with h5py.File(path, "w") as f:
        f.create_dataset("prob", data=values(r, (12, 32, 32), "f4"), chunks=(4, 16, 16), compression="gzip", shuffle=True)


def h5_lzf_u16(path):
    r = rng_for("h5_lzf_u16")
    with h5py.File(path, "w") as f:
        f.create_dataset("raw", data=values(r, (8, 32, 40), "u2"), chunks=(4, 16, 20), compression="lzf")


def h5_scaleoffset(path):
    r = rng_for("h5_scaleoffset")
    with h5py.File(path, "w") as f:
        f.create_dataset("ints", data=r.integers(100, 1100, (8, 32, 32), dtype="i4"), chunks=(4, 16, 16), scaleoffset=0)
        f.create_dataset("floats", data=values(r, (8, 16, 16), "f4"), chunks=(4, 8, 8), scaleoffset=2)


def h5_fletcher32_f64(path):
    r = rng_for("h5_fletcher32_f64")
    with h5py.File(path, "w") as f:
        f.create_dataset("vol", data=values(r, (8, 24, 24), "f8"), chunks=(4, 12, 12), fletcher32=True)


def h5_fill_u8(path):
    r = rng_for("h5_fill_u8")
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("sparse", shape=(16, 48, 48), dtype="u1", chunks=(8, 16, 16), fillvalue=7)
        ds[0:8, 0:16, 0:32] = values(r, (8, 16, 32), "u1")
        ds[8:16, 32:48, 16:48] = values(r, (8, 16, 32), "u1")


def h5_nested(path):
    r = rng_for("h5_nested")
    with h5py.File(path, "w") as f:
        d = f.create_dataset("a/b/c/vol", data=values(r, (6, 20, 20), "i2"), chunks=(3, 10, 10), compression="gzip")
        d.attrs["resolution"] = np.array([40.0, 4.0, 4.0])
        f.create_dataset("a/x", data=values(r, (4, 8, 8), "f4"))
        f["a/b"].attrs["note"] = "nested"


def h5_nonutf8(path):
    r = rng_for("h5_nonutf8")
    with h5py.File(path, "w") as f:
        g = f.create_group("g")
        g.create_dataset(b"bad\xff\xfename", data=values(r, (4, 8, 8), "u1"))
        g.create_dataset("good", data=values(r, (6, 16, 16), "u2"), chunks=(3, 8, 8))


def h5_mixed(path):
    r = rng_for("h5_mixed")
    with h5py.File(path, "w") as f:
        f.create_dataset("volume", data=values(r, (8, 24, 24), "u2"), chunks=(4, 12, 12), compression="gzip")
        f.create_dataset("names", data=np.array([b"pre", b"post", b"cleft"]))
        f.create_dataset("table", data=np.array([(1, 2.5), (3, 4.5)], dtype=[("id", "i4"), ("score", "f8")]))
        f.create_dataset("image2d", data=values(r, (10, 12), "u1"))
        f.create_dataset("scalar", data=3.5)
        f.create_dataset("vlen", data=["a", "bb", "ccc"], dtype=h5py.string_dtype())


def h5_latest(path):
    r = rng_for("h5_latest")
    # The root group's object header would carry the creation time: turn that off, as for the datasets.
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    with h5py.File(h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)) as f:
        f.create_dataset("raw", data=values(r, (10, 32, 32), "u2"), chunks=(5, 16, 16), compression="gzip", track_times=False)
        f.create_dataset("contig", data=values(r, (4, 8, 8), "f4"), track_times=False)
    return "latest"


def h5_bigendian(path):
    r = rng_for("h5_bigendian")
    with h5py.File(path, "w") as f:
        f.create_dataset("be_f32", data=values(r, (6, 20, 20), ">f4"))
        f.create_dataset("be_i16", data=values(r, (6, 20, 20), ">i2"), chunks=(3, 10, 10))


h5_source("h5_contig_u8", h5_contig_u8, ["volume"])
h5_source("h5_chunked_u16", h5_chunked_u16, ["raw"])
h5_source("h5_gzip_i32", h5_gzip_i32, ["data/labels"])
h5_source("h5_shuffle_gzip_f32", h5_shuffle_gzip_f32, ["prob"])
if "lzf" in h5py.filters.encode:
    h5_source("h5_lzf_u16", h5_lzf_u16, ["raw"])
h5_source("h5_scaleoffset", h5_scaleoffset, ["ints", "floats"])
h5_source("h5_fletcher32_f64", h5_fletcher32_f64, ["vol"])
h5_source("h5_fill_u8", h5_fill_u8, ["sparse"])
h5_source("h5_nested", h5_nested, ["a/b/c/vol"])
h5_source("h5_nonutf8", h5_nonutf8, ["g/good"])
h5_source("h5_mixed", h5_mixed, ["volume"])
h5_source("h5_latest", h5_latest, ["raw"])
h5_source("h5_bigendian", h5_bigendian, ["be_f32", "be_i16"])


# ------------------------------------------------------------------------------------------- Zarr v2


def z2_layout(store, name):
    """The metadata file and every chunk file (relative to the store) of one v2 array."""
    adir = os.path.join(store, *name.split("/")) if name else store
    files = []
    for root, _dirs, names in os.walk(adir):
        for n in names:
            if not n.startswith("."):
                files.append(os.path.relpath(os.path.join(root, n), store))
    meta = json.load(open(os.path.join(adir, ".zarray")))
    return {"dir": os.path.relpath(adir, store) if name else "", "chunkFiles": sorted(files),
            "compressor": (meta["compressor"] or {}).get("id"), "separator": meta.get("dimension_separator") or "."}


def z2_source(name, build, targets):
    if not wanted(name):
        return
    store = f"{out}/{name}.zarr"
    build(store)
    arrays = {}
    for t in targets:
        a = zarr.open_array(store, path=t, mode="r")
        arrays[t] = {"shape": list(a.shape), "dtype": a.dtype.name, "chunks": list(a.chunks), **z2_layout(store, t)}
    group_arrays = []
    for root, dirs, names in os.walk(store):
        if ".zarray" in names:
            group_arrays.append(os.path.relpath(root, store).replace(os.sep, "/") if root != store else "")
            dirs[:] = []
    manifest["sources"].append({
        "id": name, "format": "zarr2", "path": os.path.basename(store), "targets": targets, "arrays": arrays,
        "allArrays": sorted(group_arrays), "rootIsArray": os.path.exists(os.path.join(store, ".zarray")),
    })


def z2_blosc_u8(store):
    zarr.open_array(store, mode="w", shape=(16, 40, 36), chunks=(8, 16, 16), dtype="u1")[:] = values(rng_for("z2_blosc_u8"), (16, 40, 36), "u1")


def z2_zlib_i32(store):
    g = zarr.open_group(store, mode="w")
    g.create_dataset("vol", data=values(rng_for("z2_zlib_i32"), (10, 24, 30), "i4"), chunks=(5, 12, 12), compressor=numcodecs.Zlib(level=1))


def z2_none_slash_u16(store):
    g = zarr.open_group(store, mode="w")
    g.create_dataset("raw", data=values(rng_for("z2_none_slash_u16"), (8, 20, 20), "u2"), chunks=(4, 8, 8), compressor=None,
                     dimension_separator="/")


def z2_fill_f32(store):
    g = zarr.open_group(store, mode="w")
    a = g.create_dataset("prob", shape=(12, 32, 32), chunks=(4, 16, 16), dtype="f4", fill_value=1.5, compressor=numcodecs.GZip(level=5))
    r = rng_for("z2_fill_f32")
    a[0:4, 0:32, 0:16] = values(r, (4, 32, 16), "f4")
    a[8:12, 16:32, :] = values(r, (4, 16, 32), "f4")


def z2_forder_u16(store):
    g = zarr.open_group(store, mode="w")
    g.create_dataset("vol", data=values(rng_for("z2_forder_u16"), (8, 24, 20), "u2"), chunks=(4, 12, 10), order="F",
                     compressor=numcodecs.Blosc(cname="zstd", clevel=3, shuffle=numcodecs.Blosc.SHUFFLE))


def z2_group(store):
    r = rng_for("z2_group")
    g = zarr.open_group(store, mode="w")
    g.create_dataset("raw", data=values(r, (8, 32, 32), "u1"), chunks=(4, 16, 16), compressor=numcodecs.Blosc(cname="zstd"))
    g.create_dataset("labels/mito", data=values(r, (8, 32, 32), "u4"), chunks=(8, 8, 8), compressor=numcodecs.GZip())
    g.create_dataset("labels/syn", data=values(r, (4, 16, 16), "f8"), chunks=(4, 16, 16), compressor=None)
    g.attrs["description"] = "fuzz group"


def z2_huge(store):
    g = zarr.open_group(store, mode="w")
    a = g.create_dataset("sparse", shape=(10000, 10000, 10000), chunks=(64, 64, 64), dtype="u1", fill_value=3)
    a[0:64, 0:64, 0:64] = values(rng_for("z2_huge"), (64, 64, 64), "u1")


z2_source("z2_blosc_u8", z2_blosc_u8, [""])
z2_source("z2_zlib_i32", z2_zlib_i32, ["vol"])
z2_source("z2_none_slash_u16", z2_none_slash_u16, ["raw"])
z2_source("z2_fill_f32", z2_fill_f32, ["prob"])
z2_source("z2_forder_u16", z2_forder_u16, ["vol"])
z2_source("z2_group", z2_group, ["raw", "labels/mito"])
z2_source("z2_huge", z2_huge, ["sparse"])


# ------------------------------------------------------------------------------------------- Zarr v3

CRC_TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    CRC_TABLE.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def encode(block, codecs):
    """Runs a chunk through a v3 codec list (array->array, array->bytes, bytes->bytes), as the spec orders them."""
    a = block
    b = None
    for c in codecs:
        name, conf = c["name"], c.get("configuration", {})
        if name == "transpose":
            a = np.transpose(a, conf["order"])
        elif name == "bytes":
            order = ">" if conf.get("endian") == "big" else "<"
            b = np.ascontiguousarray(a.astype(a.dtype.newbyteorder(order))).tobytes()
        elif name == "gzip":
            b = gzip.compress(b, compresslevel=conf["level"], mtime=0)
        elif name == "zstd":
            b = bytes(numcodecs.Zstd(level=conf["level"]).encode(b))
        elif name == "blosc":
            shuffle = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}[conf["shuffle"]]
            b = bytes(numcodecs.Blosc(cname=conf["cname"], clevel=conf["clevel"], shuffle=shuffle, blocksize=0).encode(b))
        elif name == "crc32c":
            b = b + struct.pack("<I", crc32c(b))
        else:
            raise ValueError(name)
    return b


def padded(data, box, chunk, fill):
    """The chunk at `box` (start corner), full chunk size, the part past the array's edge set to the fill value."""
    block = np.full(chunk, fill, dtype=data.dtype)
    sl = tuple(slice(s, min(s + c, n)) for s, c, n in zip(box, chunk, data.shape))
    part = data[sl]
    block[tuple(slice(0, n) for n in part.shape)] = part
    return block


def grid(shape, chunk):
    return [-(-n // c) for n, c in zip(shape, chunk)]


def z3_array(store, name, data, chunk, codecs, fill, skip=(), key="default", sep="/", shard_inner=None, inner_codecs=None, inner_skip=()):
    """Writes one v3 array by hand; returns its manifest entry and writes its truth (.npy)."""
    adir = os.path.join(store, *name.split("/")) if name else store
    os.makedirs(adir, exist_ok=True)
    truth = data.copy()
    meta_codecs = codecs
    if shard_inner is not None:
        meta_codecs = [{"name": "sharding_indexed", "configuration": {
            "chunk_shape": list(shard_inner), "codecs": inner_codecs,
            "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}],
            "index_location": "end"}}]
    meta = {
        "zarr_format": 3, "node_type": "array", "shape": list(data.shape), "data_type": data.dtype.name,
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(chunk)}},
        "chunk_key_encoding": {"name": key, "configuration": {"separator": sep}},
        "fill_value": fill, "codecs": meta_codecs, "attributes": {"source": "fuzz"}, "dimension_names": ["z", "y", "x"],
    }
    with open(os.path.join(adir, "zarr.json"), "w") as fh:
        json.dump(meta, fh, indent=2)
    chunks, missing = [], []
    for idx in np.ndindex(*grid(data.shape, chunk)):
        start = [i * c for i, c in zip(idx, chunk)]
        box = [v for s, c in zip(start, chunk) for v in (s, s + c)]
        if idx in skip:
            missing.append(box)
            truth[tuple(slice(s, s + c) for s, c in zip(start, chunk))] = fill
            continue
        block = padded(data, start, chunk, fill)
        inner = None
        if shard_inner is None:
            payload = encode(block, codecs)
        else:
            n = [c // i for c, i in zip(chunk, shard_inner)]
            index = np.full(n + [2], 2**64 - 1, dtype="<u8")
            parts, offset, inner = [], 0, []
            for j in np.ndindex(*n):
                lo = [s + a * b for s, a, b in zip(start, j, shard_inner)]
                ibox = [v for s, c in zip(lo, shard_inner) for v in (s, s + c)]
                sl_in = tuple(slice(a * b, (a + 1) * b) for a, b in zip(j, shard_inner))
                if (idx, j) in inner_skip:
                    missing.append(ibox)
                    truth[tuple(slice(s, s + c) for s, c in zip(lo, shard_inner))] = fill
                    continue
                enc = encode(block[sl_in], inner_codecs)
                index[j] = [offset, len(enc)]
                parts.append(enc)
                offset += len(enc)
                inner.append(ibox)
            if not inner:
                missing.append(box)
                continue
            ib = index.tobytes()
            payload = b"".join(parts) + ib + struct.pack("<I", crc32c(ib))
        rel = ("c" + sep + sep.join(map(str, idx))) if key == "default" else sep.join(map(str, idx))
        path = os.path.join(adir, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(payload)
        chunks.append({"key": os.path.relpath(path, store), "box": box, "inner": inner})
    truth_path = f"{out}/truth/{os.path.basename(store)}/{name or 'root'}.npy"
    os.makedirs(os.path.dirname(truth_path), exist_ok=True)
    np.save(truth_path, truth)
    names = [c["name"] for c in codecs] if shard_inner is None else ["sharding_indexed"] + [c["name"] for c in inner_codecs]
    return {
        "shape": list(data.shape), "dtype": data.dtype.name, "chunks": list(chunk), "fill": fill,
        "dir": os.path.relpath(adir, store) if name else "", "meta": os.path.relpath(os.path.join(adir, "zarr.json"), store),
        "codecs": names, "chunkFiles": chunks, "missing": missing, "truth": os.path.relpath(truth_path, out),
        "sharded": shard_inner is not None,
    }


def z3_group(store, path=""):
    d = os.path.join(store, *path.split("/")) if path else store
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "zarr.json"), "w") as fh:
        json.dump({"zarr_format": 3, "node_type": "group", "attributes": {}}, fh)


def z3_source(name, build, targets):
    if not wanted(name):
        return
    store = f"{out}/{name}.zarr"
    arrays = build(store)
    manifest["sources"].append({
        "id": name, "format": "zarr3", "path": os.path.basename(store), "targets": targets, "arrays": arrays,
        "allArrays": sorted(arrays), "rootIsArray": "" in arrays,
    })


LE = {"name": "bytes", "configuration": {"endian": "little"}}
BE = {"name": "bytes", "configuration": {"endian": "big"}}
GZIP = {"name": "gzip", "configuration": {"level": 5}}
ZSTD = {"name": "zstd", "configuration": {"level": 3, "checksum": False}}
CRC = {"name": "crc32c"}


def z3_bytes_u16(store):
    d = values(rng_for("z3_bytes_u16"), (10, 40, 36), "u2")
    return {"": z3_array(store, "", d, (4, 16, 16), [LE], 0, skip={(0, 2, 1), (2, 0, 0)})}


def z3_gzip_f32(store):
    r = rng_for("z3_gzip_f32")
    z3_group(store)
    return {
        "prob": z3_array(store, "prob", values(r, (8, 32, 32), "f4"), (4, 16, 16), [LE, GZIP], 0.5, skip={(1, 1, 0)}),
        "raw": z3_array(store, "raw", values(r, (8, 32, 32), "u1"), (8, 16, 16), [LE], 0),
    }


def z3_transpose_i32(store):
    z3_group(store)
    d = values(rng_for("z3_transpose_i32"), (8, 24, 30), "i4")
    return {"vol": z3_array(store, "vol", d, (4, 12, 10), [{"name": "transpose", "configuration": {"order": [2, 0, 1]}}, BE, GZIP], -1)}


def z3_sharded_u8(store):
    z3_group(store)
    d = values(rng_for("z3_sharded_u8"), (16, 64, 48), "u1")
    return {"raw": z3_array(store, "raw", d, (8, 32, 32), None, 0, shard_inner=(4, 16, 16), inner_codecs=[LE, GZIP],
                            inner_skip={((0, 0, 0), (1, 1, 0)), ((1, 1, 1), (0, 0, 1))}, skip={(1, 0, 1)})}


def z3_crc_f64(store):
    z3_group(store)
    z3_group(store, "nested")
    d = values(rng_for("z3_crc_f64"), (6, 20, 20), "f8")
    return {"nested/vol": z3_array(store, "nested/vol", d, (3, 10, 10), [LE, CRC], 0.0, skip={(1, 1, 1)})}


def z3_zstd_v2keys(store):
    z3_group(store)
    d = values(rng_for("z3_zstd_v2keys"), (8, 20, 24), "u2")
    blosc = {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle", "typesize": 2, "blocksize": 0}}
    return {
        "vol": z3_array(store, "vol", d, (4, 10, 12), [LE, ZSTD], 0, key="v2", sep="."),
        "blosc": z3_array(store, "blosc", d[:4], (4, 10, 12), [LE, blosc], 0),
    }


def z3_huge(store):
    d = np.full((64, 64, 64), 5, dtype="u1")
    d[:] = values(rng_for("z3_huge"), (64, 64, 64), "u1")
    entry = z3_array(store, "", d, (64, 64, 64), [LE, GZIP], 5)
    meta_path = os.path.join(store, "zarr.json")
    meta = json.load(open(meta_path))
    meta["shape"] = [10000, 10000, 10000]
    json.dump(meta, open(meta_path, "w"), indent=2)
    entry["shape"] = meta["shape"]
    return {"": entry}


z3_source("z3_bytes_u16", z3_bytes_u16, [""])
z3_source("z3_gzip_f32", z3_gzip_f32, ["prob"])
z3_source("z3_transpose_i32", z3_transpose_i32, ["vol"])
z3_source("z3_sharded_u8", z3_sharded_u8, ["raw"])
z3_source("z3_crc_f64", z3_crc_f64, ["nested/vol"])
z3_source("z3_zstd_v2keys", z3_zstd_v2keys, ["vol", "blosc"])
z3_source("z3_huge", z3_huge, [""])

print(json.dumps(manifest))
