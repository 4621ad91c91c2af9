"""ember.detection.ops against torchvision.ops (C++ kernels, CPU), interleaved round by
round: nms on 2,000 boxes, roi_align of 512 RoIs on a 256 x 50 x 50 map (forward and
backward), box_iou of 2,000 x 2,000 boxes; plus one training step of each small detector.

torchvision runs in the throwaway virtualenv /work/tvenv (it is not a dependency of
ember): a worker process there times its side of each round on the same arrays (passed
through an .npz file) and ember times its side here, alternating which goes first; both
use one thread. ``speed_vs_torchvision`` = torchvision time / ember time.

    python benchmarks/bench_detection.py [--rounds 9]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import report, set_threads  # noqa: E402

import ember  # noqa: E402
from ember.detection import ops  # noqa: E402

TVENV = os.environ.get("EMBER_TVENV", "/work/tvenv/bin/python")

WORKER = r"""
import sys, time, numpy as np, torch, torchvision.ops as ops
torch.set_num_threads(1)
d = dict(np.load(sys.argv[1]))
t = {k: torch.from_numpy(v) for k, v in d.items()}
def roi():
    x = t["feat"].clone().requires_grad_()
    y = ops.roi_align(x, t["rois"], 7, 1 / 16, 2, True)
    y.backward(t["gout"])
cases = {"nms": lambda: ops.nms(t["boxes"], t["scores"], 0.5),
         "roi_align": roi,
         "box_iou": lambda: ops.box_iou(t["b1"], t["b2"])}
for c in cases.values():
    c()
for line in sys.stdin:
    name, inner = line.split()
    t0 = time.perf_counter()
    for _ in range(int(inner)):
        cases[name]()
    print((time.perf_counter() - t0) / int(inner), flush=True)
"""


def data(seed=0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 800, (2000, 2))
    wh = rng.uniform(10, 120, (2000, 2))
    boxes = np.concatenate([xy, xy + wh], 1).astype(np.float32)
    xy2 = rng.uniform(0, 700, (512, 2))
    wh2 = rng.uniform(16, 300, (512, 2))
    rois = np.concatenate([np.zeros((512, 1)), xy2, xy2 + wh2], 1).astype(np.float32)
    return {"boxes": boxes, "scores": rng.uniform(0, 1, 2000).astype(np.float32),
            "feat": rng.standard_normal((1, 256, 50, 50)).astype(np.float32), "rois": rois,
            "gout": rng.standard_normal((512, 256, 7, 7)).astype(np.float32),
            "b1": boxes, "b2": boxes[::-1].copy()}


def ember_cases(d):
    t = {k: ember.tensor(v) for k, v in d.items()}

    def roi():
        x = t["feat"].detach().requires_grad_()
        y = ops.roi_align(x, t["rois"], 7, 1 / 16, 2, True)
        y.backward(t["gout"])

    return {"nms": lambda: ops.nms(t["boxes"], t["scores"], 0.5), "roi_align": roi,
            "box_iou": lambda: ops.box_iou(t["b1"], t["b2"])}


def train_step_ms(name, steps=5):
    from ember.detection.shapes import ShapesDataset, collate
    from ember.detection.training import build
    from ember.optim.adaptive import Adam
    model = build(name)
    opt = Adam(model.parameters(), lr=1e-3)
    ds = ShapesDataset(8, seed=0)
    images, targets = collate([ds[i] for i in range(8)])
    times = []
    for _ in range(steps + 1):
        t0 = time.perf_counter()
        loss = sum(model(images, targets).values())
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:]) * 1e3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=9)
    args = p.parse_args()
    set_threads(1)
    d = data()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "data.npz")
        np.savez(path, **d)
        worker = subprocess.Popen([TVENV, "-c", WORKER, path], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True,
                                  env={**os.environ, "OMP_NUM_THREADS": "1"})
        cases = ember_cases(d)
        rows = []
        for name, inner in (("nms", 5), ("roi_align", 1), ("box_iou", 3)):
            cases[name]()
            te, tr = [], []
            for r in range(args.rounds):
                order = ("ember", "tv") if r % 2 else ("tv", "ember")
                for who in order:
                    if who == "tv":
                        worker.stdin.write(f"{name} {inner}\n")
                        worker.stdin.flush()
                        tr.append(float(worker.stdout.readline()))
                    else:
                        t0 = time.perf_counter()
                        for _ in range(inner):
                            cases[name]()
                        te.append((time.perf_counter() - t0) / inner)
            e, t = statistics.median(te), statistics.median(tr)
            label = {"nms": "nms, 2,000 boxes", "roi_align": "roi_align fwd+bwd, 512 RoIs, 256x50x50",
                     "box_iou": "box_iou, 2,000 x 2,000"}[name]
            rows.append({"benchmark": label, "ember_ms": e * 1e3, "torchvision_ms": t * 1e3,
                         "speed_vs_torchvision": t / e})
        worker.stdin.close()
        worker.wait()
    for name in ("fasterrcnn-mini", "ssd-mini"):
        rows.append({"benchmark": f"{name} training step, 8 images 64x64", "ember_ms": train_step_ms(name),
                     "torchvision_ms": float("nan"), "speed_vs_torchvision": float("nan")})
    report(rows, "detection", threads=1)


if __name__ == "__main__":
    main()
