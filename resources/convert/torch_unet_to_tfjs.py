"""Converts PyTorch weights of ActiveEM's U-Net (resources/bench/unet_torch_model.py: the network of
src-main/engine/model/unet.ts) into the tfjs layers format that `activeem model import` reads.

Usage: torch_unet_to_tfjs.py STATE_DICT.pt OUT_DIR [--mean M --std S] [--task mito|synapse]

Layouts: Conv3d weights [out, in, kd, kh, kw] become [kd, kh, kw, in, out] (channels-last), Linear
weights [out, in] become [in, out]; InstanceNorm3d weight/bias become gamma/beta. Weights are named
Keras style (down0_conv1/kernel, up1_norm2/gamma, down2_se1/kernel, head/bias). Only numpy and torch
are needed."""
import argparse
import json
import os
import re
import sys

import numpy as np
import torch

PARTS = {"c1": "conv1", "c2": "conv2", "n1": "norm1", "n2": "norm2", "skip": "skip"}
SUFFIX_CONV = {"weight": "kernel", "bias": "bias"}
SUFFIX_NORM = {"weight": "gamma", "bias": "beta"}


def convert(state):
    depth = 1 + max(int(m.group(1)) for k in state if (m := re.match(r"down\.(\d+)\.", k)))
    out = []
    for key, value in state.items():
        v = value.detach().cpu().numpy().astype(np.float32)
        if key == "head.weight" or key == "head.bias":
            name = "head/" + SUFFIX_CONV[key.split(".")[1]]
            out.append((name, v.transpose(2, 3, 4, 1, 0) if v.ndim == 5 else v))
            continue
        m = re.match(r"(down|up)\.(\d+)\.(c1|c2|n1|n2|skip|se\.w1|se\.w2)\.(weight|bias)$", key)
        if not m:
            raise SystemExit(f"error: {key}: not a parameter of ActiveEM's U-Net")
        side, index, part, kind = m.group(1), int(m.group(2)), m.group(3), m.group(4)
        # nn.ModuleList `up` runs from the deepest level up: up[i] is level depth - 2 - i.
        level = index if side == "down" else depth - 2 - index
        layer = f"{side}{level}"
        if part.startswith("se."):
            out.append((f"{layer}_se{part[-1]}/kernel", v.T.copy()))
        elif part.startswith("n"):
            out.append((f"{layer}_{PARTS[part]}/{SUFFIX_NORM[kind]}", v))
        else:
            out.append((f"{layer}_{PARTS[part]}/{SUFFIX_CONV[kind]}", v.transpose(2, 3, 4, 1, 0) if v.ndim == 5 else v))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("state_dict")
    p.add_argument("out_dir")
    p.add_argument("--mean", type=float)
    p.add_argument("--std", type=float)
    p.add_argument("--task", choices=["mito", "synapse"])
    a = p.parse_args()
    state = torch.load(a.state_dict, map_location="cpu")
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    weights = convert(state)
    os.makedirs(a.out_dir, exist_ok=True)
    shard = "group1-shard1of1.bin"
    with open(os.path.join(a.out_dir, shard), "wb") as f:
        for _, v in weights:
            f.write(np.ascontiguousarray(v, dtype="<f4").tobytes())
    meta = {}
    if a.mean is not None and a.std is not None:
        meta["normalisation"] = {"mean": a.mean, "std": a.std}
    if a.task:
        meta["task"] = a.task
    model = {
        "format": "layers-model",
        "generatedBy": f"torch {torch.__version__}",
        "convertedBy": "activeem resources/convert/torch_unet_to_tfjs.py",
        # Descriptive only: `activeem model import` rebuilds the network from the weights' names and shapes.
        "modelTopology": {"class_name": "Functional", "config": {"name": "activeem_unet", "layers": []}},
        "weightsManifest": [
            {"paths": [shard], "weights": [{"name": n, "shape": list(v.shape), "dtype": "float32"} for n, v in weights]}
        ],
        "userDefinedMetadata": {"activeem": meta},
    }
    with open(os.path.join(a.out_dir, "model.json"), "w") as f:
        json.dump(model, f, indent=1)
    print(json.dumps({"weights": len(weights), "out": os.path.join(a.out_dir, "model.json")}))


if __name__ == "__main__":
    sys.exit(main())
