"""Fuzzing layers, losses and optimizers: odd constructor arguments, input shapes and dtypes,
targets and hyper-parameters. Every call returns or raises a clear error (``_common.call``);
a step of an optimizer built with accepted hyper-parameters keeps finite weights finite."""
import numpy as np
from hypothesis import event, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import ember
import ember.nn.functional as F
from ember import nn
from ._common import call

ODD_INT = st.one_of(st.integers(1, 3), st.integers(-2, 4), st.sampled_from([0, 1.5, "2", None, True]))
SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)


def _input(draw, dtype=st.sampled_from([np.float32, np.float64, np.int64]), channels=None):
    shape = draw(SHAPES)
    if isinstance(channels, int) and channels > 0 and len(shape) >= 2 and draw(st.booleans()):
        shape = (shape[0], channels) + shape[2:]      # often the size the layer expects
    dt = draw(dtype)
    arr = np.random.default_rng(draw(st.integers(0, 99))).standard_normal(shape).astype(dt)
    x = ember.tensor(arr)
    if dt != np.int64:
        x.requires_grad_()
    return x


LAYERS = {
    "Linear": lambda a, b, c: nn.Linear(a, b),
    "Conv1d": lambda a, b, c: nn.Conv1d(a, b, c),
    "Conv2d": lambda a, b, c: nn.Conv2d(a, b, c, stride=c, padding=b),
    "ConvTranspose2d": lambda a, b, c: nn.ConvTranspose2d(a, b, c),
    "MaxPool2d": lambda a, b, c: nn.MaxPool2d(c, stride=b),
    "AvgPool2d": lambda a, b, c: nn.AvgPool2d(c, padding=b),
    "AdaptiveAvgPool2d": lambda a, b, c: nn.AdaptiveAvgPool2d(a),
    "BatchNorm1d": lambda a, b, c: nn.BatchNorm1d(a),
    "BatchNorm2d": lambda a, b, c: nn.BatchNorm2d(a),
    "LayerNorm": lambda a, b, c: nn.LayerNorm(a),
    "Dropout": lambda a, b, c: nn.Dropout(c),
    "Flatten": lambda a, b, c: nn.Flatten(a, b),
    "Softmax": lambda a, b, c: nn.Softmax(a),
    "PReLU": lambda a, b, c: nn.PReLU(a),
}
NAMES = ("in_features", "out_features", "in_channels", "out_channels", "kernel_size", "stride",
         "padding", "dilation", "p", "num_features", "normalized_shape", "dim", "input", "shape",
         "expected", "channels", "output_size", "groups", "size", "weight", "slopes", "start_dim",
         "end_dim", "features", "kernel", "must")


@settings(max_examples=120, deadline=None)
@given(name=st.sampled_from(sorted(LAYERS)), a=ODD_INT, b=ODD_INT, c=ODD_INT, data=st.data())
def test_layers(name, a, b, c, data):
    if not hasattr(nn, name):
        return
    layer = call(LAYERS[name], a, b, c, names=NAMES + (name,))
    if layer is None:
        return
    x = _input(data.draw, channels=a)
    out = call(layer, x, names=NAMES + (name,))
    event(f"{name} forward {'ok' if out is not None else 'refused'}")
    if isinstance(out, ember.Tensor) and out.requires_grad and out.numel():
        call(lambda: out.sum().backward(), names=NAMES)


REDUCTIONS = st.sampled_from(["mean", "sum", "none", "bogus", None])
LOSSES = {
    "mse_loss": lambda x, t, r: F.mse_loss(x, t, reduction=r),
    "l1_loss": lambda x, t, r: F.l1_loss(x, t, reduction=r),
    "smooth_l1_loss": lambda x, t, r: F.smooth_l1_loss(x, t, reduction=r),
    "huber_loss": lambda x, t, r: F.huber_loss(x, t, reduction=r),
    "cross_entropy": lambda x, t, r: F.cross_entropy(x, t, reduction=r),
    "cross_entropy_ls": lambda x, t, r: F.cross_entropy(x, t, reduction=r, label_smoothing=0.1),
    "nll_loss": lambda x, t, r: F.nll_loss(x, t, reduction=r),
    "binary_cross_entropy": lambda x, t, r: F.binary_cross_entropy(x, t, reduction=r),
    "binary_cross_entropy_with_logits": lambda x, t, r: F.binary_cross_entropy_with_logits(x, t, reduction=r),
    "kl_div": lambda x, t, r: F.kl_div(x, t, reduction=r),
    "multi_margin_loss": lambda x, t, r: F.multi_margin_loss(x, t, reduction=r),
    "sigmoid_focal_loss": lambda x, t, r: F.sigmoid_focal_loss(x, t, reduction=r),
    "softmax_focal_loss": lambda x, t, r: F.softmax_focal_loss(x, t, reduction=r),
}


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(sorted(LOSSES)), r=REDUCTIONS, data=st.data())
def test_losses(name, r, data):
    x = _input(data.draw)
    kind = data.draw(st.sampled_from(["same", "classes", "other"]))
    if kind == "same":
        t = ember.tensor(np.random.default_rng(0).uniform(0, 1, x.shape).astype(np.float64))
    elif kind == "classes":
        n = x.shape[0] if x.ndim > 1 else ()
        t = ember.tensor(np.random.default_rng(0).integers(-1, 4, n))
    else:
        t = _input(data.draw)
    names = (name.split("_ls")[0], "input", "target", "reduction", "shape", "class", "dtype", "weight",
             "probabilities", "logits", "size")
    out = call(LOSSES[name], x, t, r, names=names)
    if isinstance(out, ember.Tensor) and out.requires_grad and out.numel():
        call(lambda: out.sum().backward(), names=names)


OPTIMIZERS = {
    "SGD": lambda p, lr, h: ember.optim.SGD(p, lr=lr, momentum=h, weight_decay=h),
    "Nesterov": lambda p, lr, h: ember.optim.SGD(p, lr=lr, momentum=h, nesterov=True),
    "Adam": lambda p, lr, h: ember.optim.Adam(p, lr=lr, betas=(h, 0.999), eps=1e-8),
    "AdamW": lambda p, lr, h: ember.optim.AdamW(p, lr=lr, weight_decay=h),
    "RMSprop": lambda p, lr, h: ember.optim.RMSprop(p, lr=lr, alpha=h),
    "Adagrad": lambda p, lr, h: ember.optim.Adagrad(p, lr=lr, lr_decay=h),
    "Adadelta": lambda p, lr, h: ember.optim.Adadelta(p, lr=lr, rho=h),
    "NAdam": lambda p, lr, h: ember.optim.NAdam(p, lr=lr, betas=(0.9, h)),
}
ODD_FLOAT = st.one_of(st.floats(-1, 2), st.sampled_from([float("nan"), float("inf"), 0.0, "0.1", None]))


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(sorted(OPTIMIZERS)), lr=ODD_FLOAT, h=ODD_FLOAT,
       params=st.sampled_from(["ok", "empty", "tensor", "no_grad", "int"]))
def test_optimizers(name, lr, h, params):
    w = nn.Parameter(ember.ones(3))
    ps = {"ok": [w], "empty": [], "tensor": w, "no_grad": [ember.ones(2)], "int": [1, 2]}[params]
    opt = call(OPTIMIZERS[name], ps, lr, h, names=(name, "lr", "momentum", "betas", "weight_decay", "alpha",
                                                  "lr_decay", "rho", "eps", "params", "parameter", "nesterov",
                                                  "dampening", "learning rate", "empty"))
    if opt is None or params != "ok":
        return
    (w * w).sum().backward()
    call(opt.step, names=(name,))
    assert np.isfinite(w.array).all(), f"{name}(lr={lr}, h={h}) accepted and made weights {w}"
