"""The PyTorch peer for `activeem bench`'s VAE: the same network as src-main/engine/embed/vae.ts (stride-2
3x3 convolutions with bias, group norm of min(8, C) groups with affine and eps 1e-5, SiLU; fully connected
mean and log-variance; a fully connected layer and SiLU back to the innermost map; stride-2 3x3 transposed
convolutions with bias, group norm and SiLU, tanh last), the same loss (L1 or MSE reconstruction plus
KL_WEIGHT times the batch-mean KL) and the same optimizer (Adam, lr 1e-3, betas 0.9/0.999, eps 1e-7 as
tfjs), trained on CPU with threads = cores (or on CUDA) on a fixed batch of the same shape.
Usage: vae_torch.py SIZE LATENT WIDTH LEVELS BATCH LOSS KL_WEIGHT WARMUP STEPS REPEATS PARAMETERS [THREADS [DEVICE]]
-> JSON {"step_s", "parameters", "threads", "loss", "device"}: step_s is the mean of STEPS steps after WARMUP,
the fastest of REPEATS such runs, as ours. PARAMETERS is our count: the script fails when the network's
differs. THREADS defaults to the number of cores (CPU threads; they matter little on CUDA). DEVICE (default
cpu) may be cuda, as for unet_torch.py.
Exits 3 when PyTorch is not installed (the bench then leaves the peer out)."""
import json
import os
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("PyTorch is not installed", file=sys.stderr)
    sys.exit(3)

size, latent, width, levels, batch = map(int, sys.argv[1:6])
loss_kind, kl_weight = sys.argv[6], float(sys.argv[7])
warmup, steps, repeats, expected = map(int, sys.argv[8:12])
torch.set_num_threads(int(sys.argv[12]) if len(sys.argv) > 12 else os.cpu_count())
device = torch.device(sys.argv[13] if len(sys.argv) > 13 else "cpu")
torch.manual_seed(0)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        ch = [width * 2**l for l in range(levels)]
        self.side = size // 2**levels
        self.bottom = ch[-1]
        flat = self.side * self.side * self.bottom
        self.enc = nn.ModuleList()
        cin = 1
        for c in ch:
            # tfjs 'same' pads 0 before and 1 after for stride 2; padding=1 is the same shapes and work.
            self.enc.append(nn.Conv2d(cin, c, 3, stride=2, padding=1))
            self.enc.append(nn.GroupNorm(min(8, c), c, eps=1e-5))
            cin = c
        self.mu = nn.Linear(flat, latent)
        self.logvar = nn.Linear(flat, latent)
        self.dec_fc = nn.Linear(latent, flat)
        self.dec = nn.ModuleList()
        for l in range(levels - 1, -1, -1):
            out = 1 if l == 0 else ch[l - 1]
            self.dec.append(nn.ConvTranspose2d(ch[l], out, 3, stride=2, padding=1, output_padding=1))
            self.dec.append(nn.GroupNorm(min(8, out), out, eps=1e-5) if l > 0 else nn.Tanh())

    def forward(self, x):
        h = x
        for conv, norm in zip(self.enc[0::2], self.enc[1::2]):
            h = F.silu(norm(conv(h)))
        h = h.flatten(1)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        h = F.silu(self.dec_fc(z)).view(-1, self.bottom, self.side, self.side)
        for conv, norm in zip(self.dec[0::2], self.dec[1::2]):
            h = norm(conv(h))
            if not isinstance(norm, nn.Tanh):
                h = F.silu(h)
        return h, mu, logvar


model = VAE().to(device)
parameters = sum(p.numel() for p in model.parameters())
if parameters != expected:
    print(f"the PyTorch VAE has {parameters} parameters, ours {expected}", file=sys.stderr)
    sys.exit(1)
x = torch.rand(batch, 1, size, size, device=device) * 2 - 1
opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)


def step():
    opt.zero_grad()
    y, mu, logvar = model(x)
    rec = (y - x).abs().mean() if loss_kind == "l1" else (y - x).square().mean()
    kl = -0.5 * (1 + logvar - mu.square() - logvar.exp()).sum(1).mean()
    loss = rec + kl_weight * kl
    loss.backward()
    opt.step()
    return loss.item()


def sync():
    # CUDA runs asynchronously: without this the clock stops before the GPU does (loss.item() syncs too).
    if device.type == "cuda":
        torch.cuda.synchronize()


for _ in range(warmup):
    step()
best = float("inf")
for _ in range(repeats):
    sync()
    t = time.perf_counter()
    for _ in range(steps):
        loss = step()
    sync()
    best = min(best, (time.perf_counter() - t) / steps)
print(json.dumps({
    "step_s": best,
    "parameters": parameters,
    "threads": torch.get_num_threads(),
    "loss": loss,
    "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
}))
