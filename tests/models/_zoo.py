"""Shared checks of the zoo tests: torchvision's reference keys/shapes/parameter counts
(``fixtures/torchvision_models.json``, a copy of ../shared/reference/, made with
torchvision 0.28) and a small forward + backward run."""
import contextlib
import json
import pathlib

import numpy as np

import ember
from ember.nn import init

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
REFERENCE = json.loads((FIXTURES / "torchvision_models.json").read_text())["models"]


@contextlib.contextmanager
def no_init():
    """Build big models without drawing their random initial weights (only keys, shapes and
    counts are checked, or all weights are loaded; drawing 500M numbers would dominate the
    test time). The weights are zeros."""
    saved = init.uniform_, init.normal_

    def zeros(tensor, *args, **kwargs):
        tensor.array.fill(0)
        return tensor
    init.uniform_ = init.normal_ = zeros
    try:
        yield
    finally:
        init.uniform_, init.normal_ = saved


def build(name, **kwargs):
    with no_init():
        return ember.models.get_model(name, **kwargs)


def count(model):
    return sum(p.numel() for p in model.parameters())


def assert_matches_torchvision(model, name):
    """Every state_dict key, in torchvision's order, with its shape, and the parameter count."""
    ref = REFERENCE[name]
    ours = [[k, list(v.shape)] for k, v in model.state_dict().items()]
    theirs = [[k, list(s)] for k, s in ref["state_dict"]]
    missing = [k for k, _ in theirs if k not in dict(ours)]
    extra = [k for k, _ in ours if k not in dict(theirs)]
    assert not missing and not extra, f"{name}: missing {missing[:5]}, unexpected {extra[:5]}"
    assert ours == theirs, f"{name}: shapes or order differ"
    assert count(model) == ref["parameters"]


def forward_backward(model, shape, num_classes=None):
    """Train-mode forward and backward on a small input: finite output of the expected
    shape, and a gradient on every parameter."""
    ember.manual_seed(0)
    x = ember.randn(*shape)
    out = model.train()(x)
    outs = out if isinstance(out, tuple) else (out,)
    if num_classes is not None:
        assert outs[0].shape == (shape[0], num_classes)
    loss = sum((o * o).mean() for o in outs)
    loss.backward()
    assert all(np.isfinite(o.detach().numpy()).all() for o in outs)
    no_grad = [n for n, p in model.named_parameters() if p.grad is None]
    assert not no_grad, f"parameters without gradient: {no_grad[:5]}"
    return out
