"""Every differentiable op at its edges, against torch (float64): inputs drawn from a few
values with zeros, ties and repeats (0, +-1, +-0.5, 2), where formulas divide by zero and
subgradients are chosen. Values and first derivatives must match torch's, NaN and inf
exactly where torch has them (``assert_allclose`` compares NaN positions)."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import ember
import ember.nn.functional as EF
from ._parity import check

TF = torch.nn.functional
EDGE = [0.0, 0.0, 1.0, -1.0, 0.5, -0.5, 2.0]
NONNEG = [0.0, 0.0, 1.0, 0.5, 2.0]
UNIT = [0.0, 1.0, 0.5, 0.5]


def F(m):
    return EF if m is ember else TF


def edge_arrays(shape, pool=EDGE):
    return hnp.arrays(np.float64, shape, elements=st.sampled_from(pool))


shapes = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3)

UNARY = {
    "neg": (lambda m, x: -x, EDGE), "abs": (lambda m, x: x.abs(), EDGE),
    "exp": (lambda m, x: x.exp(), EDGE), "log": (lambda m, x: x.log(), NONNEG),
    "log1p": (lambda m, x: x.log1p(), EDGE), "sqrt": (lambda m, x: x.sqrt(), NONNEG),
    "rsqrt": (lambda m, x: x.rsqrt(), NONNEG), "sin": (lambda m, x: x.sin(), EDGE),
    "cos": (lambda m, x: x.cos(), EDGE), "tanh": (lambda m, x: x.tanh(), EDGE),
    "sigmoid": (lambda m, x: x.sigmoid(), EDGE), "relu": (lambda m, x: x.relu(), EDGE),
    "sign": (lambda m, x: x.sign(), EDGE), "square": (lambda m, x: m.square(x), EDGE),
    "clamp_at_bounds": (lambda m, x: x.clamp(-0.5, 1.0), EDGE),
    "clamp_min": (lambda m, x: x.clamp(min=0.0), EDGE),
    "pow0": (lambda m, x: x ** 0, EDGE), "pow0_float": (lambda m, x: x ** 0.0, EDGE),
    "pow2": (lambda m, x: x ** 2, EDGE), "pow3": (lambda m, x: x ** 3, EDGE),
    "pow_half": (lambda m, x: x ** 0.5, NONNEG), "pow_neg": (lambda m, x: x ** -1, EDGE),
    "pow_1.5": (lambda m, x: x ** 1.5, NONNEG),
    "rpow_zero_base": (lambda m, x: 0.0 ** x, EDGE), "rpow": (lambda m, x: 2.0 ** x, EDGE),
    "rdiv": (lambda m, x: 1.0 / x, EDGE),
    "leaky_relu": (lambda m, x: F(m).leaky_relu(x, 0.1), EDGE),
    "elu": (lambda m, x: F(m).elu(x), EDGE),
    "softplus": (lambda m, x: F(m).softplus(x), EDGE),
    "softplus_threshold": (lambda m, x: F(m).softplus(x, beta=2.0, threshold=1.0), EDGE),
    "logsigmoid": (lambda m, x: F(m).logsigmoid(x), EDGE),
    "gelu_tanh": (lambda m, x: F(m).gelu(x, approximate="tanh"), EDGE),
    "gelu": (lambda m, x: F(m).gelu(x), EDGE),
    "erf": (lambda m, x: m.erf(x), EDGE), "reciprocal": (lambda m, x: x.reciprocal(), EDGE),
    "log2": (lambda m, x: x.log2(), NONNEG), "log10": (lambda m, x: x.log10(), NONNEG),
    "exp2": (lambda m, x: x.exp2(), EDGE), "expm1": (lambda m, x: x.expm1(), EDGE),
    "asin": (lambda m, x: x.asin(), UNIT), "acos": (lambda m, x: x.acos(), UNIT),
    "atan": (lambda m, x: x.atan(), EDGE), "sinh": (lambda m, x: x.sinh(), EDGE),
    "cosh": (lambda m, x: x.cosh(), EDGE), "frac": (lambda m, x: x.frac(), EDGE),
    "floor": (lambda m, x: x.floor(), EDGE), "round": (lambda m, x: x.round(), EDGE),
    "nan_to_num": (lambda m, x: (1 / x).nan_to_num(), EDGE),
    "maxout_ties": (lambda m, x: (EF.maxout(x, x.shape[-1]) if m is ember
                                  else x.amax(-1, keepdim=True)), EDGE),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=6, deadline=None)
@given(data=st.data(), shape=shapes)
def test_unary_edges(name, data, shape):
    fn, pool = UNARY[name]
    check(fn, [data.draw(edge_arrays(shape, pool))], second=False)


BINARY = {
    "add": lambda m, a, b: a + b, "sub": lambda m, a, b: a - b, "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b, "pow": lambda m, a, b: m.pow(a, b),
    "maximum": lambda m, a, b: m.maximum(a, b), "minimum": lambda m, a, b: m.minimum(a, b),
    "where_tie": lambda m, a, b: m.where(a >= b, a, b),
    "clamp_tensor_bounds": lambda m, a, b: m.clamp(a, min=b),
    "hypot_at_zero": lambda m, a, b: (a * a + b * b).sqrt(),
    "atan2": lambda m, a, b: m.atan2(a, b), "lerp": lambda m, a, b: m.lerp(a, b, 0.5),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=6, deadline=None)
@given(data=st.data(), shape=shapes)
def test_binary_edges(name, data, shape):
    a, b = data.draw(edge_arrays(shape)), data.draw(edge_arrays(shape))
    check(BINARY[name], [a, b], second=False)


REDUCE = {
    "sum": lambda m, x, d: x.sum(d), "mean": lambda m, x, d: x.mean(d),
    "var": lambda m, x, d: x.var(d), "var0": lambda m, x, d: x.var(d, correction=0),
    "std": lambda m, x, d: x.std(d), "std0": lambda m, x, d: x.std(d, correction=0),
    "prod": lambda m, x, d: x.prod(d), "amax": lambda m, x, d: x.amax(d),
    "amin": lambda m, x, d: x.amin(d), "max": lambda m, x, d: x.max(d).values,
    "min": lambda m, x, d: x.min(d).values, "logsumexp": lambda m, x, d: x.logsumexp(d),
    "softmax": lambda m, x, d: x.softmax(d), "log_softmax": lambda m, x, d: x.log_softmax(d),
    "cumsum": lambda m, x, d: x.cumsum(d),
    "norm2": lambda m, x, d: x.norm(dim=d), "norm1": lambda m, x, d: x.norm(p=1, dim=d),
    "norm3": lambda m, x, d: x.norm(p=3, dim=d),
    "norm_inf": lambda m, x, d: x.norm(p=float("inf"), dim=d),
    "norm_all": lambda m, x, d: x.norm(),
    "normalize": lambda m, x, d: x / (x.norm(dim=d, keepdim=True) + 1e-12),
    "sort_ties": lambda m, x, d: x.sort(dim=d, descending=True, stable=True).values,
    "topk_ties": lambda m, x, d: m.topk(x, 1, dim=d).values,
}


@pytest.mark.parametrize("name", sorted(REDUCE))
@settings(max_examples=6, deadline=None)
@given(data=st.data(), shape=shapes)
def test_reduction_edges(name, data, shape):
    x = data.draw(edge_arrays(shape))
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    fn = REDUCE[name]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")      # torch warns for the variance of one element
        check(lambda m, t: fn(m, t, d), [x], second=False)


def _target(m, y):
    return ember.tensor(y) if m is ember else torch.tensor(y)


LOSSES = {
    "mse": lambda m, x, y: F(m).mse_loss(x, y), "l1": lambda m, x, y: F(m).l1_loss(x, y),
    "smooth_l1": lambda m, x, y: F(m).smooth_l1_loss(x, y, beta=0.5),
    "huber": lambda m, x, y: F(m).huber_loss(x, y, delta=0.5),
    "bce_with_logits": lambda m, x, y: F(m).binary_cross_entropy_with_logits(x, y),
    "bce_with_logits_pw": lambda m, x, y: F(m).binary_cross_entropy_with_logits(
        x, y, pos_weight=_target(m, np.full(x.shape[-1:], 2.0))),
    "kl_div": lambda m, x, y: F(m).kl_div(x, y, reduction="batchmean"),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
@settings(max_examples=6, deadline=None)
@given(data=st.data(), shape=shapes)
def test_loss_edges(name, data, shape):
    x = data.draw(edge_arrays(shape))
    y = data.draw(edge_arrays(shape, UNIT))
    check(LOSSES[name], [x, y], grad_mask=[True, False], second=False)


@settings(max_examples=6, deadline=None)
@given(data=st.data(), shape=shapes)
def test_bce_at_zero_and_one(data, shape):
    p = data.draw(edge_arrays(shape, UNIT))
    y = data.draw(edge_arrays(shape, UNIT))
    check(lambda m, a, b: F(m).binary_cross_entropy(a, b), [p, y], grad_mask=[True, False], second=False)


@settings(max_examples=6, deadline=None)
@given(data=st.data(), n=st.integers(1, 3), c=st.integers(1, 3))
def test_class_losses_with_tied_logits(data, n, c):
    x = data.draw(edge_arrays((n, c)))
    t = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    for fn in (lambda m, z: F(m).cross_entropy(z, _target(m, t)),
               lambda m, z: F(m).cross_entropy(z, _target(m, t), label_smoothing=0.2),
               lambda m, z: F(m).nll_loss(z, _target(m, t)),
               lambda m, z: F(m).multi_margin_loss(z, _target(m, t))):
        check(fn, [x], second=False)


@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_matmul_and_pooling_with_ties(data):
    a, b = data.draw(edge_arrays((2, 3))), data.draw(edge_arrays((3, 2)))
    check(lambda m, x, y: x @ y, [a, b], second=False)
    img = data.draw(edge_arrays((1, 1, 4, 4)))
    check(lambda m, x: F(m).max_pool2d(x, 2), [img], second=False)
    check(lambda m, x: F(m).avg_pool2d(x, 2), [img], second=False)
    check(lambda m, x: F(m).adaptive_max_pool2d(x, 1), [img], second=False)


@pytest.mark.parametrize("name", ["pow0_zero", "var_one", "norm_nonzero_rows", "std_nonconst"])
def test_edge_second_derivatives_where_torch_is_finite(name):
    """Second derivatives through the masked formulas, where torch's are finite."""
    fns = {
        "pow0_zero": (lambda m, x: x ** 0, np.array([0.0, 2.0])),
        "var_one": (lambda m, x: x.var(0, correction=0), np.array([[0.5, 1.0]])),
        "norm_nonzero_rows": (lambda m, x: x.norm(dim=1), np.array([[0.0, 1.0], [1.0, 2.0]])),
        "std_nonconst": (lambda m, x: x.std(1), np.array([[1.0, 0.0], [1.0, 3.0]])),
    }
    fn, x = fns[name]
    check(fn, [x])
