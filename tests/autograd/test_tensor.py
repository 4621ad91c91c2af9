"""Tensor attributes, creation, dtypes, seeding, printing and in-place semantics."""
import numpy as np
import pytest
import torch

import ember


def test_attributes_and_conversions():
    x = ember.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.dtype == ember.float32 and x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2
    assert x.numel() == 6 and x.size(1) == 3 and x.size() == (2, 3) and len(x) == 2
    assert x.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert x[1, 2].item() == 6.0 and float(x[0, 0]) == 1.0
    assert isinstance(x.numpy(), np.ndarray) and x.T.shape == (3, 2)
    assert x.mT.shape == (3, 2) and x.is_leaf and x.device == "cpu"
    assert [r.tolist() for r in x] == [[1, 2, 3], [4, 5, 6]]
    d = x.double()
    assert d.dtype == ember.float64 and d.long().dtype == ember.int64 and d.bool().dtype == ember.bool
    with pytest.raises(ValueError, match="one element"):
        x.item()


def test_dtype_rules_follow_torch():
    assert ember.tensor([1, 2]).dtype == ember.int64
    assert ember.tensor([1.0, 2]).dtype == ember.float32
    assert ember.tensor([True]).dtype == ember.bool
    assert ember.tensor(np.zeros(2)).dtype == ember.float64
    assert ember.tensor([1.0], dtype=ember.float64).dtype == ember.float64
    x = ember.ones(3)
    assert (x * 2.5).dtype == ember.float32 and (x + 1).dtype == ember.float32
    assert (ember.tensor([1, 2]) * 0.5).dtype == ember.float32
    assert (x + ember.ones(3, dtype=ember.float64)).dtype == ember.float64
    assert ember.arange(3).dtype == ember.int64 and ember.arange(0, 1, 0.5).dtype == ember.float32


def test_creation_functions_match_torch():
    for name, args in [("zeros", (2, 3)), ("ones", (4,)), ("eye", (3,))]:
        np.testing.assert_array_equal(getattr(ember, name)(*args).numpy(), getattr(torch, name)(*args).numpy())
    np.testing.assert_array_equal(ember.full((2, 2), 7.0).numpy(), torch.full((2, 2), 7.0).numpy())
    np.testing.assert_array_equal(ember.arange(1, 10, 3).numpy(), torch.arange(1, 10, 3).numpy())
    np.testing.assert_allclose(ember.linspace(0, 1, 5).numpy(), torch.linspace(0, 1, 5).numpy())
    assert ember.empty(2, 3).shape == (2, 3) and ember.zeros((2, 3)).shape == (2, 3)
    x = ember.tensor([[1.0, 2.0]])
    assert ember.zeros_like(x).tolist() == [[0, 0]] and ember.ones_like(x).tolist() == [[1, 1]]
    assert ember.full_like(x, 3).tolist() == [[3, 3]] and ember.empty_like(x).shape == (1, 2)
    assert ember.eye(2, 3).shape == (2, 3)


def test_from_numpy_shares_memory_tensor_copies():
    a = np.zeros(3, dtype=np.float32)
    shared, copied, as_t = ember.from_numpy(a), ember.tensor(a), ember.as_tensor(a)
    a[0] = 5
    assert shared[0].item() == 5 and as_t[0].item() == 5 and copied[0].item() == 0


def test_seeding_and_generators_are_reproducible():
    ember.manual_seed(123)
    a = ember.randn(5)
    ember.manual_seed(123)
    b = ember.randn(5)
    assert ember.equal(a, b)
    g1, g2 = ember.Generator().manual_seed(7), ember.Generator().manual_seed(7)
    for fn in (lambda g: ember.rand(3, 2, generator=g), lambda g: ember.randn(4, generator=g),
               lambda g: ember.randint(0, 10, (6,), generator=g), lambda g: ember.randperm(8, generator=g)):
        assert ember.equal(fn(g1), fn(g2))
    r = ember.rand(1000, generator=g1)
    assert r.dtype == ember.float32 and 0 <= r.min().item() and r.max().item() < 1
    n = ember.randn(20000, generator=g1)
    assert abs(n.mean().item()) < 0.05 and abs(n.std().item() - 1) < 0.05
    ri = ember.randint(3, 6, (1000,), generator=g1)
    assert ri.dtype == ember.int64 and set(ri.tolist()) == {3, 4, 5}
    assert ember.randn_like(n, generator=g1).shape == n.shape and ember.rand_like(r).shape == r.shape
    assert sorted(ember.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    state = g1.get_state()
    u = ember.rand(3, generator=g1)
    g1.set_state(state)
    assert ember.equal(u, ember.rand(3, generator=g1))


def test_repr_like_torch():
    assert repr(ember.tensor([1.0, 2.0, 3.0])) == "tensor([1., 2., 3.])"
    assert repr(ember.tensor([0.5, -1.25])) == "tensor([ 0.5000, -1.2500])"
    assert repr(ember.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(ember.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(ember.tensor([1.0], dtype=ember.float64)) == "tensor([1.], dtype=ember.float64)"
    y = ember.tensor([1.0], requires_grad=True) * 2
    assert repr(y) == "tensor([2.], grad_fn=<MulBackward>)"


def test_in_place_ops_without_graph_and_with_graph():
    x = ember.zeros(3)
    x += 1
    x.mul_(3).add_(ember.ones(3), alpha=2).sub_(1).div_(2)
    assert x.tolist() == [2.0, 2.0, 2.0]
    x[0] = 10
    x.clamp_(max=5)
    assert x.tolist() == [5.0, 2.0, 2.0]
    x.zero_()
    assert x.tolist() == [0.0, 0.0, 0.0]
    x.copy_(np.array([1.0, 2.0, 3.0]))
    x.fill_(4)
    assert x.tolist() == [4.0, 4.0, 4.0]
    # in-place on a non-leaf records the op, like torch
    w = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = w * 2
    h[1] = 0.0
    h.mul_(w)
    h.sum().backward()
    wt = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    ht = wt * 2
    ht[1] = 0.0
    ht.mul_(wt)
    ht.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy())


def test_setitem_with_a_tensor_value_that_requires_grad():
    v = ember.tensor([5.0, 6.0], requires_grad=True)
    x = ember.zeros(4)
    x[1:3] = v * 2
    (x * ember.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert v.grad.tolist() == [4.0, 6.0]


def test_numpy_interop():
    x = ember.tensor([1.0, 2.0])
    assert np.asarray(x).tolist() == [1.0, 2.0]
    y = np.ones(2, dtype=np.float32) + x
    assert isinstance(y, ember.Tensor) and y.tolist() == [2.0, 3.0]
    with pytest.raises(RuntimeError, match="detach"):
        ember.ones(2, requires_grad=True).numpy()


def test_default_dtype_can_change():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1.0]).dtype == ember.float64 and ember.randn(2).dtype == ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    with pytest.raises(TypeError, match="floating"):
        ember.set_default_dtype(ember.int64)
