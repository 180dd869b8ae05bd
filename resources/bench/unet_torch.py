"""The PyTorch peer for `activeem bench`: the same residual-SE 3D U-Net as src-main/engine/model/unet.ts
(width, depth, 1x3x3 kernels above `iso` level, 3x3x3 below, instance norm with affine, ELU, SE,
2x2 in-plane max pooling, nearest 2x in-plane upsampling with concatenated skips), timed on CPU with
threads = cores. Usage: unet_torch.py WIDTH DEPTH ISO Z Y X CHANNELS REPEATS [DEVICE] -> JSON
{"forward_s", "train_step_s", "parameters", "threads", "device"} (the fastest of REPEATS runs each, as ours).
DEVICE (default cpu) may be cuda: the figure a GPU workstation sets, for the notes, not for the ratio."""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unet_torch_model import UNet  # noqa: E402

width, depth, iso, nz, ny, nx, out_ch, repeats = map(int, sys.argv[1:9])
device = torch.device(sys.argv[9] if len(sys.argv) > 9 else "cpu")
torch.set_num_threads(os.cpu_count())
torch.manual_seed(0)


model = UNet(width, depth, iso, out_ch).to(device)
x = torch.randn(1, 1, nz, ny, nx, device=device)
y = (torch.rand(1, out_ch, nz, ny, nx, device=device) > 0.9).float()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)


def timed(fn):
    fn()
    times = []
    for _ in range(repeats):
        sync()
        t = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t)
    return min(times)


def sync():
    # CUDA runs asynchronously: without this the clock stops before the GPU does.
    if device.type == "cuda":
        torch.cuda.synchronize()


def fwd():
    with torch.no_grad():
        torch.sigmoid(model(x))


def step():
    opt.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(x), y)
    loss.backward()
    opt.step()


print(json.dumps({
    "forward_s": timed(fwd),
    "train_step_s": timed(step),
    "parameters": sum(p.numel() for p in model.parameters()),
    "threads": torch.get_num_threads(),
    "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
}))
