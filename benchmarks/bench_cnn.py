"""CNN training-step benchmarks against torch CPU (interleaved, same threads, float32):

* LeNet-5 on 1x28x28 at batch 64;
* a small VGG (conv3x3 32 x2, pool, conv3x3 64 x2, pool, fc256, fc10) on 3x32x32 at batch 64;
* peak memory of the VGG step, each library in its own fresh process that imports only
  itself: the absolute peak RSS and the peak above the RSS after imports and data.

A step is forward, cross-entropy, backward and an SGD-with-momentum update.

    python benchmarks/bench_cnn.py [--threads 2] [--rounds 15]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import compare, peak_rss_child, report, rss_child, set_threads  # noqa: E402


def ember_step(model_name, x, y):
    import ember
    ember.manual_seed(0)
    m = {"lenet5": lambda: ember.models.lenet5(input_size=28),
         "vgg_small": lambda: ember.models.vgg_small()}[model_name]()
    opt = ember.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    loss_fn = ember.nn.CrossEntropyLoss()
    xe, ye = ember.tensor(x), ember.tensor(y)

    def step():
        opt.zero_grad()
        loss_fn(m(xe), ye).backward()
        opt.step()
    return step


def torch_step(model_name, x, y):
    import torch
    import torch.nn as tn
    torch.manual_seed(0)
    if model_name == "lenet5":
        m = tn.Sequential(tn.Conv2d(1, 6, 5, padding=2), tn.ReLU(), tn.MaxPool2d(2), tn.Conv2d(6, 16, 5), tn.ReLU(),
                          tn.MaxPool2d(2), tn.Flatten(), tn.Linear(400, 120), tn.ReLU(), tn.Linear(120, 84), tn.ReLU(),
                          tn.Linear(84, 10))
    else:
        m = tn.Sequential(tn.Conv2d(3, 32, 3, padding=1), tn.ReLU(), tn.Conv2d(32, 32, 3, padding=1), tn.ReLU(),
                          tn.MaxPool2d(2), tn.Conv2d(32, 64, 3, padding=1), tn.ReLU(), tn.Conv2d(64, 64, 3, padding=1),
                          tn.ReLU(), tn.MaxPool2d(2), tn.Flatten(), tn.Linear(64 * 8 * 8, 256), tn.ReLU(),
                          tn.Linear(256, 10))
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    loss_fn = tn.CrossEntropyLoss()
    xt, yt = torch.tensor(x), torch.tensor(y)

    def step():
        opt.zero_grad()
        loss_fn(m(xt), yt).backward()
        opt.step()
    return step


def data(model_name):
    rng = np.random.default_rng(0)
    shape = (64, 1, 28, 28) if model_name == "lenet5" else (64, 3, 32, 32)
    return rng.standard_normal(shape).astype(np.float32), rng.integers(0, 10, 64)


def _child(lib, model_name, threads, steps):
    rss_child(lib, threads, steps, lambda: data(model_name),
              lambda x, y: (ember_step if lib == "ember" else torch_step)(model_name, x, y))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--child", choices=("ember", "torch"), help=argparse.SUPPRESS)
    ap.add_argument("--model", default="vgg_small", help=argparse.SUPPRESS)
    ap.add_argument("--steps", type=int, default=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return _child(args.child, args.model, args.threads, args.steps)
    set_threads(args.threads)
    rows = []
    for name, inner in (("lenet5", 10), ("vgg_small", 2)):
        x, y = data(name)
        r = compare(f"{name} train step, batch 64", ember_step(name, x, y), torch_step(name, x, y),
                    rounds=args.rounds, inner=inner)
        rows.append(r)
    # each child runs 5 training steps of `lib` and reports {baseline_mib (RSS after imports and
    # data), peak_mib (absolute peak RSS), step_mib (peak minus baseline)}
    mem = {lib: peak_rss_child(__file__, lib, ["--model", "vgg_small", "--threads", args.threads, "--steps", 5])
           for lib in ("ember", "torch")}
    for key, what in (("peak_mib", "vgg_small peak RSS, absolute (MiB)"),
                      ("step_mib", "vgg_small peak RSS above post-import baseline (MiB)")):
        rows.append({"benchmark": what, "ember_ms": mem["ember"][key], "torch_ms": mem["torch"][key],
                     "speed_vs_torch": mem["torch"][key] / mem["ember"][key]})
    report(rows, "cnn" if args.threads == 2 else f"cnn_{args.threads}thread", args.threads,
           extra={"note": "last two rows: MiB, not ms; ratio = torch/ember memory; each library measured "
                          "in its own fresh process (VmHWM), the ember one never imports torch",
                  "memory": mem})


if __name__ == "__main__":
    main()
