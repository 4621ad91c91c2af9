"""ResNet-shaped convolution benchmarks against torch CPU (interleaved, same threads, float32):

* ResNet-20 (CIFAR: 3x3 convs of 16/32/64 channels on 32x32/16x16/8x8, BN, ReLU, zero-padding
  shortcuts) training step at batch 64 (forward, cross-entropy, backward, SGD with momentum);
* ResNet-18 inference at batch 8 on 3x224x224 (eval mode, no grad);
* MobileNet-v2 (inverted residuals with depthwise 3x3 convs) training step at batch 16 on
  3x64x64 (width 1.0, 10 classes);
* peak RSS of each, each library in its own fresh process that imports only itself
  (bench_cnn's child), the absolute peak and the peak above the RSS after imports and data.

ember runs ``ember.models``' networks; torch runs the same architectures written here in
torch.nn (torchvision cannot sit beside the test extra's CPU torch), with equal parameter
counts checked before timing.

    python benchmarks/bench_resnet.py [--threads 1] [--rounds 9] [--only resnet20]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import compare, peak_rss_child, report, rss_child, set_threads  # noqa: E402


# ---------------------------------------------------------------------------------------
# the networks: ember.models' for ember; the same architectures in torch.nn for torch
# (torchvision cannot sit beside the CPU torch of the test extra), parameter counts checked
# ---------------------------------------------------------------------------------------
def _torch_basic_block(cin, cout, stride, shortcut):
    """torchvision's BasicBlock; where the shape changes, shortcut 'A' (subsample, zero
    channels: the CIFAR ResNet's) or 'B' (1x1 conv + BN: ResNet-18's)."""
    import torch
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            change = stride != 1 or cin != cout
            self.down = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                         if change and shortcut == "B" else None)
            self.pad = change and shortcut == "A"

        def forward(self, x):
            idt = x
            if self.down is not None:
                idt = self.down(x)
            elif self.pad:
                idt = x[:, :, ::stride, ::stride]
                n, _, h, w = idt.shape
                idt = torch.cat([idt, idt.new_zeros(n, cout - cin, h, w)], 1)
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + idt)
    return Block()


def torch_resnet20(num_classes=10):
    import torch.nn as nn
    layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for cout, stride in ((16, 1), (32, 2), (64, 2)):
        for b in range(3):
            layers.append(_torch_basic_block(cin, cout, stride if b == 0 else 1, "A"))
            cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, num_classes))


def torch_resnet18(num_classes=1000):
    import torch.nn as nn
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        for b in range(2):
            layers.append(_torch_basic_block(cin, cout, stride if b == 0 else 1, "B"))
            cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, num_classes))


def torch_mobilenet_v2(num_classes=10):
    """torchvision's MobileNetV2 (width 1.0): inverted residual blocks (1x1 expand, 3x3
    depthwise, 1x1 linear projection), residual where stride 1 and channels match."""
    import torch.nn as nn

    def cba(cin, cout, k, stride, groups=1, act=True):
        layers = [nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
        return layers + [nn.ReLU6()] if act else layers

    class Inverted(nn.Module):
        def __init__(self, cin, cout, stride, t):
            super().__init__()
            hid = cin * t
            self.conv = nn.Sequential(*(cba(cin, hid, 1, 1) if t != 1 else []), *cba(hid, hid, 3, stride, hid),
                                      *cba(hid, cout, 1, 1, act=False))
            self.res = stride == 1 and cin == cout

        def forward(self, x):
            return x + self.conv(x) if self.res else self.conv(x)

    layers, cin = cba(3, 32, 3, 2), 32
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)):
        for i in range(n):
            layers.append(Inverted(cin, c, s if i == 0 else 1, t))
            cin = c
    layers += cba(cin, 1280, 1, 1)
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(1280, num_classes))


# name -> (input shape, classes, training step (else inference), torch builder)
CASES = {
    "resnet20": ((64, 3, 32, 32), 10, True, torch_resnet20),
    "resnet18": ((8, 3, 224, 224), 1000, False, torch_resnet18),
    "mobilenet_v2": ((16, 3, 64, 64), 10, True, torch_mobilenet_v2),
}


def data(name):
    shape, classes = CASES[name][:2]
    rng = np.random.default_rng(0)
    return rng.standard_normal(shape).astype(np.float32), rng.integers(0, classes, shape[0])


def make_step(lib, name, x, y):
    """A no-argument callable: one training step (or one inference) of ``name`` in ``lib``."""
    _, classes, train, torch_build = CASES[name]
    if lib == "ember":
        import ember as L
        import ember.models
        L.manual_seed(0)
        m = getattr(ember.models, name)(num_classes=classes)
    else:
        import torch as L
        L.manual_seed(0)
        m = torch_build(classes)
    xt, yt = L.tensor(x), L.tensor(y)
    params = sum(p.numel() for p in m.parameters())
    if not train:
        m.eval()

        def infer():
            with L.no_grad():
                return m(xt)
        infer.params = params
        return infer
    opt = L.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    loss_fn = L.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(m(xt), yt).backward()
        opt.step()
    step.params = params
    return step


# ---------------------------------------------------------------------------------------
# peak memory, each library alone in a fresh process
# ---------------------------------------------------------------------------------------
def _child(lib, name, threads, steps):
    rss_child(lib, threads, steps, lambda: data(name),
              lambda x, y: make_step(lib, name, x, y))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1, help="1: two BLAS threads on the loaded "
                    "2-core machine measure the scheduler (README, Convolution speed)")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--only", choices=tuple(CASES), help="one network only")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-RSS children")
    ap.add_argument("--child", choices=("ember", "torch"), help=argparse.SUPPRESS)
    ap.add_argument("--steps", type=int, default=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return _child(args.child, args.only, args.threads, args.steps)
    set_threads(args.threads)
    names = (args.only,) if args.only else tuple(CASES)
    rows, mem = [], {}
    for name in names:
        shape, _, train, _ = CASES[name]
        x, y = data(name)
        what = f"{name} {'train step' if train else 'inference'}, batch {shape[0]}, {shape[2]}x{shape[3]}"
        fe, ft = make_step("ember", name, x, y), make_step("torch", name, x, y)
        if fe.params != ft.params:
            raise RuntimeError(f"{name}: ember has {fe.params} parameters, the torch port {ft.params}")
        rows.append(compare(what, fe, ft, rounds=args.rounds, inner=1))
        print(rows[-1], flush=True)
        if not args.no_memory:
            mem[name] = {lib: peak_rss_child(__file__, lib, ["--only", name, "--threads", args.threads, "--steps", 3])
                         for lib in ("ember", "torch")}
            for key, label in (("peak_mib", "peak RSS, absolute (MiB)"),
                               ("step_mib", "peak RSS above post-import baseline (MiB)")):
                rows.append({"benchmark": f"{name} {label}", "ember_ms": mem[name]["ember"][key],
                             "torch_ms": mem[name]["torch"][key],
                             "speed_vs_torch": mem[name]["torch"][key] / mem[name]["ember"][key]})
    out = "resnet" + ("" if args.threads == 2 else f"_{args.threads}thread") + (f"_{args.only}" if args.only else "")
    report(rows, out, args.threads,
           extra={"note": "RSS rows: MiB, not ms; ratio = torch/ember memory; each library measured in its own "
                          "fresh process (VmHWM), the ember one never imports torch", "memory": mem})


if __name__ == "__main__":
    main()
