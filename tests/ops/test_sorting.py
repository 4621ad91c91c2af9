"""sort, argsort, topk, kthvalue and the small element-wise and triangle ops PyTorch
scripts use, against torch (values, gradients, second derivatives)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import ember
from ._parity import check, torch

shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)


def _ties(shape, seed):
    """Values with many ties (small integers as floats), where orders are easiest to get wrong."""
    return np.random.default_rng(seed).integers(-2, 3, shape).astype(np.float64)


@settings(max_examples=15, deadline=None)
@given(shape=shapes, seed=st.integers(0, 99), descending=st.booleans())
def test_stable_sort_matches_torch(shape, seed, descending):
    a = _ties(shape, seed)
    check(lambda m, x: m.sort(x, dim=-1, descending=descending, stable=True), [a])
    check(lambda m, x: m.argsort(x, dim=0, descending=descending, stable=True), [a])


@settings(max_examples=15, deadline=None)
@given(shape=shapes, seed=st.integers(0, 99), largest=st.booleans(), data=st.data())
def test_topk_values_and_gradients_match_torch(shape, seed, largest, data):
    a = np.random.default_rng(seed).standard_normal(shape)     # distinct values: a unique top k
    k = data.draw(st.integers(0, shape[-1]))
    check(lambda m, x: m.topk(x, k, largest=largest), [a])
    dim = data.draw(st.integers(0, len(shape) - 1))
    kk = data.draw(st.integers(1, shape[dim]))
    check(lambda m, x: m.kthvalue(x, kk, dim, keepdim=True), [a])


def test_nan_sorts_as_the_largest_value():
    a = np.array([[3.0, np.nan, 1.0, 2.0]])
    for descending in (False, True):
        e = ember.sort(ember.tensor(a), descending=descending)
        t = torch.sort(torch.tensor(a), descending=descending)
        np.testing.assert_array_equal(e.indices.numpy(), t.indices.numpy())
    np.testing.assert_array_equal(ember.topk(ember.tensor(a), 2).indices.numpy(), [[1, 0]])


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_rounding_is_torchs_with_zero_gradient(name):
    a = np.array([-2.5, -1.5, -0.4, 0.5, 1.5, 2.6, 3.0])
    check(lambda m, x: getattr(m, name)(x) * x, [a])
    assert getattr(ember, name)(ember.tensor([1, -2])).dtype == np.int64


def test_round_to_decimals_and_isclose_match_torch():
    a = np.array([0.125, 1.005, -2.675, 3.14159])
    check(lambda m, x: m.round(x, decimals=2), [a])
    b = a + np.array([0, 1e-9, 1e-3, np.nan])
    assert ember.isclose(ember.tensor(a), ember.tensor(b)).tolist() == \
        torch.isclose(torch.tensor(a), torch.tensor(b)).tolist()


@pytest.mark.parametrize("diagonal", [-2, -1, 0, 1, 3])
def test_tril_triu_match_torch(diagonal):
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    check(lambda m, x: m.tril(x, diagonal), [a])
    check(lambda m, x: m.triu(x, diagonal), [a])
    with pytest.raises(ValueError, match="tril: input must have at least 2 dimensions"):
        ember.tril(ember.ones(3))


def test_nonzero_and_meshgrid_match_torch():
    a = np.array([[1, 0, 2], [0, 0, 3]])
    assert ember.nonzero(ember.tensor(a)).tolist() == torch.nonzero(torch.tensor(a)).tolist()
    assert [t.tolist() for t in ember.nonzero(ember.tensor(a), as_tuple=True)] == \
        [t.tolist() for t in torch.nonzero(torch.tensor(a), as_tuple=True)]
    for indexing in ("ij", "xy"):
        check(lambda m, x, y: m.meshgrid(x, y, indexing=indexing), [np.arange(2.0), np.arange(3.0) + 1])


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="topk: k=4 is out of range for dimension 0 of size 3"):
        ember.topk(ember.ones(3), 4)
    with pytest.raises(ValueError, match="kthvalue: k=0 is out of range"):
        ember.kthvalue(ember.ones(3), 0)
    with pytest.raises(ValueError, match="meshgrid: indexing must be 'ij' or 'xy'"):
        ember.meshgrid(ember.ones(2), indexing="yx")
