"""``ember detect --checkpoint runs/x/model.safetensors image.png --out boxes.png``: run a
trained detector on a PNG and draw its labelled boxes."""
import numpy as np

__all__ = ["add_parser", "detect"]


def detect(args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    from ..autograd.tensor import _wrap
    from ..autograd.grad_mode import no_grad
    from .shapes import CLASSES
    from .training import load

    model = load(args.checkpoint)
    img = mpimg.imread(args.image)[..., :3].astype(np.float32)
    if img.max() > 1:
        img = img / 255.0
    with no_grad():
        det = model(_wrap(np.ascontiguousarray(img.transpose(2, 0, 1))[None]))[0]
    keep = det["scores"].array >= args.threshold
    boxes, scores, labels = det["boxes"].array[keep], det["scores"].array[keep], det["labels"].array[keep]
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(img)
    for b, s, lab in zip(boxes, scores, labels):
        ax.add_patch(plt.Rectangle((b[0] - 0.5, b[1] - 0.5), b[2] - b[0], b[3] - b[1], fill=False,
                                   color="red", linewidth=1.5))
        name = CLASSES[lab] if lab < len(CLASSES) else str(lab)
        ax.text(b[0], b[1] - 1, f"{name} {s:.2f}", color="yellow", fontsize=7,
                bbox={"facecolor": "black", "alpha": 0.5, "pad": 1})
    ax.axis("off")
    fig.savefig(args.out, dpi=120, bbox_inches="tight")
    plt.close(fig)
    for b, s, lab in zip(boxes, scores, labels):
        print(f"{CLASSES[lab] if lab < len(CLASSES) else lab:10s} {s:.3f}  "
              f"[{b[0]:.1f}, {b[1]:.1f}, {b[2]:.1f}, {b[3]:.1f}]")
    print(f"wrote {args.out} ({len(boxes)} boxes)")
    return 0


def add_parser(sub):
    d = sub.add_parser("detect", help="draw a trained detector's labelled boxes on an image")
    d.add_argument("image", help="a PNG image")
    d.add_argument("--checkpoint", required=True, help="model.safetensors written by `ember train`")
    d.add_argument("--out", default="boxes.png", help="output PNG (default boxes.png)")
    d.add_argument("--threshold", type=float, default=0.5, help="minimum score (default 0.5)")
    d.set_defaults(func=detect)
