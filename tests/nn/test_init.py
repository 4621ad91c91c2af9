"""Initialisers: statistics match the formulas (and torch's), gains match torch's table."""
import math

import numpy as np
import pytest
import torch

import ember
from ember.nn import init


@pytest.mark.parametrize("nl,param", [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                                      ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)])
def test_calculate_gain_matches_torch(nl, param):
    assert init.calculate_gain(nl, param) == pytest.approx(torch.nn.init.calculate_gain(nl, param))


CASES = [
    ("xavier_uniform_", {}, lambda fi, fo: math.sqrt(2 / (fi + fo))),
    ("xavier_normal_", {}, lambda fi, fo: math.sqrt(2 / (fi + fo))),
    ("kaiming_uniform_", {"nonlinearity": "relu"}, lambda fi, fo: math.sqrt(2 / fi)),
    ("kaiming_normal_", {"nonlinearity": "relu"}, lambda fi, fo: math.sqrt(2 / fi)),
    ("kaiming_normal_", {"nonlinearity": "relu", "mode": "fan_out"}, lambda fi, fo: math.sqrt(2 / fo)),
    ("kaiming_uniform_", {"a": math.sqrt(5)}, lambda fi, fo: 1 / math.sqrt(3 * fi)),
    ("xavier_uniform_", {"gain": init.calculate_gain("tanh")}, lambda fi, fo: 5 / 3 * math.sqrt(2 / (fi + fo))),
]


@pytest.mark.parametrize("name,kw,std", CASES)
def test_initialiser_statistics_match_the_formula_and_torch(name, kw, std):
    shape = (300, 200, 3)                      # fan_in = 600, fan_out = 900 (conv-like receptive field)
    t = ember.empty(*shape)
    getattr(init, name)(t, generator=ember.Generator().manual_seed(0), **kw)
    tt = torch.empty(*shape)
    getattr(torch.nn.init, name)(tt, **kw)
    expected = std(600, 900)
    assert abs(t.numpy().std() / expected - 1) < 0.01
    assert abs(tt.numpy().std() / expected - 1) < 0.01
    assert abs(t.numpy().mean()) < 0.01 * expected * 10
    if "uniform" in name:
        bound = expected * math.sqrt(3)
        assert t.numpy().max() <= bound and t.numpy().min() >= -bound


def test_simple_fills_and_reproducibility():
    t = ember.empty(3, 4)
    assert init.zeros_(t).tolist() == [[0] * 4] * 3
    assert init.ones_(t).tolist() == [[1] * 4] * 3
    assert init.constant_(t, 0.5).tolist() == [[0.5] * 4] * 3
    assert init.eye_(ember.empty(2, 2)).tolist() == [[1, 0], [0, 1]]
    u = init.uniform_(ember.empty(1000), -2, 3, generator=ember.Generator().manual_seed(1)).numpy()
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.1
    n = init.normal_(ember.empty(20000), 1.0, 2.0, generator=ember.Generator().manual_seed(1)).numpy()
    assert abs(n.mean() - 1) < 0.05 and abs(n.std() - 2) < 0.05
    a = init.xavier_normal_(ember.empty(5, 5), generator=ember.Generator().manual_seed(7))
    b = init.xavier_normal_(ember.empty(5, 5), generator=ember.Generator().manual_seed(7))
    assert ember.equal(a, b)


def test_init_bad_input():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(ember.empty(5))
    with pytest.raises(ValueError, match="mode='fan'"):
        init.kaiming_normal_(ember.empty(2, 2), mode="fan")
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="std=-1"):
        init.normal_(ember.empty(2), std=-1)
