"""Embedding (F.embedding and nn.Embedding) against torch in float64: values, the weight
gradient (repeated indices, padding_idx, scale_grad_by_freq), second derivatives, max_norm,
from_pretrained, and bad input."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
import ember.nn as nn
import ember.nn.functional as F

torch.set_default_dtype(torch.float64)


@settings(max_examples=20, deadline=None)
@given(V=st.integers(1, 6), D=st.integers(1, 4), shape=st.sampled_from([(5,), (2, 3), (0,), (2, 2, 2)]),
       pad=st.booleans(), freq=st.booleans(), seed=st.integers(0, 10**6))
def test_embedding_matches_torch(V, D, shape, pad, freq, seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((V, D))
    idx = rng.integers(0, V, size=shape)
    padding_idx = int(rng.integers(-V, V)) if pad else None
    we, wt = ember.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    ye = F.embedding(ember.tensor(idx), we, padding_idx, scale_grad_by_freq=freq)
    yt = torch.nn.functional.embedding(torch.tensor(idx), wt, padding_idx, scale_grad_by_freq=freq)
    np.testing.assert_array_equal(ye.detach().numpy(), yt.detach().numpy())
    g = rng.standard_normal(tuple(yt.shape))
    ge, = ember.autograd.grad(ye, we, ember.tensor(g), create_graph=True)
    gt, = torch.autograd.grad(yt, wt, torch.tensor(g), create_graph=True)
    np.testing.assert_allclose(ge.detach().numpy(), gt.detach().numpy(), atol=1e-12)
    we.grad = None
    ye.backward(ember.tensor(g))                        # the array path agrees with the recorded one
    np.testing.assert_allclose(we.grad.numpy(), gt.detach().numpy(), atol=1e-12)


def test_gradient_of_gradient_goes_through_the_output_gradient():
    rng = np.random.default_rng(0)
    idx = np.array([[0, 2, 2], [1, 0, 3]])
    res = []
    for m in (ember, torch):
        w = m.tensor(rng.standard_normal((4, 3)) if m is ember else np.asarray(res[0][2]), requires_grad=True)
        g = m.tensor(np.arange(18.0).reshape(2, 3, 3), requires_grad=True)
        y = m.nn.functional.embedding(m.tensor(idx), w, padding_idx=2)
        gw, = m.autograd.grad(y, w, g, create_graph=True)
        gg, = m.autograd.grad((gw ** 2).sum(), g)
        res.append([gw.detach().numpy(), gg.detach().numpy(), w.detach().numpy()])
    for a, b in zip(res[0][:2], res[1][:2]):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_module_padding_init_max_norm_and_from_pretrained():
    ember.manual_seed(0)
    m = nn.Embedding(1000, 20, padding_idx=3)
    w = m.weight.detach().numpy()
    assert np.all(w[3] == 0)
    assert abs(w.std() - 1) < 0.02 and abs(w.mean()) < 0.02          # N(0, 1) as torch
    rng = np.random.default_rng(1)
    base = rng.standard_normal((5, 4)) * 3
    idx = np.array([0, 2, 2, 4])
    e = nn.Embedding.from_pretrained(ember.tensor(base), max_norm=1.5)
    t = torch.nn.Embedding.from_pretrained(torch.tensor(base), max_norm=1.5)
    np.testing.assert_allclose(e(ember.tensor(idx)).detach().numpy(), t(torch.tensor(idx)).detach().numpy(),
                               atol=1e-12)
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), atol=1e-12)
    assert not e.weight.requires_grad
    assert nn.Embedding.from_pretrained(ember.tensor(base), freeze=False).weight.requires_grad


def test_embedding_bad_input():
    w = ember.zeros(4, 2)
    with pytest.raises(IndexError, match=r"indices in \[0, 4\].*4 rows"):
        F.embedding(ember.tensor([0, 4]), w)
    with pytest.raises(TypeError, match="integer indices.*float"):
        F.embedding(ember.tensor([0.0, 1.0]), w)
    with pytest.raises(ValueError, match=r"padding_idx=7 must be within num_embeddings=4"):
        nn.Embedding(4, 2, padding_idx=7)
    with pytest.raises(ValueError, match=r"weight must be 2-D.*\(4,\)"):
        F.embedding(ember.tensor([0]), ember.zeros(4))
