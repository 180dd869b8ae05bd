"""The PyTorch peer for `activeem bench`: the same residual-SE 3D U-Net as src-main/engine/model/unet.ts
(width, depth, 1x3x3 kernels above `iso` level, 3x3x3 below, instance norm with affine, ELU, SE,
2x2 in-plane max pooling, nearest 2x in-plane upsampling with concatenated skips), timed on CPU with
threads = cores. Usage: unet_torch.py WIDTH DEPTH ISO Z Y X CHANNELS REPEATS -> JSON
{"forward_s", "train_step_s", "parameters", "threads"} (medians)."""
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

width, depth, iso, nz, ny, nx, out_ch, repeats = map(int, sys.argv[1:9])
torch.set_num_threads(os.cpu_count())
torch.manual_seed(0)


class SE(nn.Module):
    def __init__(self, ch, r=4):
        super().__init__()
        mid = max(2, ch // r)
        self.w1 = nn.Linear(ch, mid, bias=False)
        self.w2 = nn.Linear(mid, ch, bias=False)

    def forward(self, x):
        s = x.mean(dim=(2, 3, 4))
        s = torch.sigmoid(self.w2(F.relu(self.w1(s))))
        return x * s[:, :, None, None, None]


class Block(nn.Module):
    def __init__(self, cin, cout, k):
        super().__init__()
        pad = tuple(i // 2 for i in k)
        self.c1 = nn.Conv3d(cin, cout, k, padding=pad)
        self.n1 = nn.InstanceNorm3d(cout, affine=True, eps=1e-5)
        self.c2 = nn.Conv3d(cout, cout, k, padding=pad)
        self.n2 = nn.InstanceNorm3d(cout, affine=True, eps=1e-5)
        self.se = SE(cout)
        self.skip = nn.Conv3d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        h = F.elu(self.n1(self.c1(x)))
        h = self.se(self.n2(self.c2(h)))
        return F.elu(h + self.skip(x))


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        widths = [width * 2 ** l for l in range(depth)]
        k = lambda l: (3, 3, 3) if l >= iso else (1, 3, 3)
        self.down = nn.ModuleList()
        cin = 1
        for l in range(depth):
            self.down.append(Block(cin, widths[l], k(l)))
            cin = widths[l]
        self.up = nn.ModuleList([Block(widths[l + 1] + widths[l], widths[l], k(l)) for l in range(depth - 2, -1, -1)])
        self.head = nn.Conv3d(widths[0], out_ch, 1)

    def forward(self, x):
        skips = []
        for l, block in enumerate(self.down):
            x = block(x)
            if l < depth - 1:
                skips.append(x)
                x = F.max_pool3d(x, (1, 2, 2))
        for i, block in enumerate(self.up):
            l = depth - 2 - i
            x = F.interpolate(x, scale_factor=(1, 2, 2), mode="nearest")
            x = block(torch.cat([x, skips[l]], dim=1))
        return self.head(x)


model = UNet()
x = torch.randn(1, 1, nz, ny, nx)
y = (torch.rand(1, out_ch, nz, ny, nx) > 0.9).float()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)


def timed(fn):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


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
}))
