"""The residual-SE 3D U-Net of src-main/engine/model/unet.ts in PyTorch (width, depth, 1x3x3 kernels
above level `iso`, 3x3x3 below, instance norm with affine, ELU, squeeze-excitation, 2x2 in-plane max
pooling, nearest 2x in-plane upsampling with concatenated skips). Used by the benchmark peer and by
resources/convert/torch_unet_to_tfjs.py (whose test checks both networks compute the same map)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


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
    def __init__(self, width, depth, iso, out_ch):
        super().__init__()
        self.depth = depth
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
            if l < self.depth - 1:
                skips.append(x)
                x = F.max_pool3d(x, (1, 2, 2))
        for i, block in enumerate(self.up):
            l = self.depth - 2 - i
            x = F.interpolate(x, scale_factor=(1, 2, 2), mode="nearest")
            x = block(torch.cat([x, skips[l]], dim=1))
        return self.head(x)
