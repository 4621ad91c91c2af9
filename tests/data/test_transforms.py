"""Transforms: Standardize and MinMaxScale against scikit-learn, per-channel statistics,
tensor/array handling, gradients, composition and errors."""
import numpy as np
import pytest
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import ember
from ember.data.transforms import (Compose, Lambda, MinMaxScale, RandomTransform, Scale01,
                                   Standardize, ToTensor)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_standardize_matches_sklearn(seed):
    r = np.random.default_rng(seed)
    Xtr = r.standard_normal((50, 6)) * r.uniform(0.1, 10, 6) + r.uniform(-5, 5, 6)
    Xtr[:, 2] = 3.0  # a constant feature
    Xte = r.standard_normal((7, 6))
    ref = StandardScaler().fit(Xtr)
    s = Standardize().fit(Xtr)
    np.testing.assert_allclose(s.mean, ref.mean_, rtol=1e-12)
    np.testing.assert_allclose(s.std, ref.scale_, rtol=1e-12)
    np.testing.assert_allclose(s(Xte), ref.transform(Xte), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(s.inverse(s(Xte)), Xte, rtol=1e-10, atol=1e-12)
    assert np.all(s(Xtr)[:, 2] == 0.0)
    # ember tensors in, ember tensors out, same numbers; single samples broadcast
    out = s(ember.tensor(Xte))
    assert isinstance(out, ember.Tensor) and out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), ref.transform(Xte), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(s(Xte[0]), ref.transform(Xte[:1])[0], rtol=1e-10, atol=1e-12)
    f32 = s(ember.tensor(Xte, dtype=ember.float32))
    assert f32.dtype == np.float32


def test_standardize_per_channel_images():
    r = np.random.default_rng(0)
    X = r.standard_normal((10, 3, 4, 5)) * np.array([1, 5, 0.5])[:, None, None] + \
        np.array([0, 10, -3])[:, None, None]
    s = Standardize(axis=(0, 2, 3)).fit(X)
    assert s.mean.shape == (3, 1, 1)
    np.testing.assert_allclose(s.mean.ravel(), X.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(s.std.ravel(), X.std(axis=(0, 2, 3)), rtol=1e-12)
    Z = s(X)
    np.testing.assert_allclose(Z.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=(0, 2, 3)), 1, rtol=1e-12)
    np.testing.assert_allclose(s(X[4]), Z[4], rtol=1e-12)  # one (C, H, W) sample


def test_standardize_gradient_flows():
    s = Standardize(mean=[1.0, 2.0], std=[2.0, 4.0])
    x = ember.tensor([[3.0, 6.0]], dtype=ember.float64, requires_grad=True)
    y = s(x)
    assert y.tolist() == [[1.0, 1.0]]
    y.sum().backward()
    assert x.grad.tolist() == [[0.5, 0.25]]


@pytest.mark.parametrize("rng_", [(0.0, 1.0), (-1.0, 1.0), (2.0, 5.0)])
def test_minmax_matches_sklearn(rng_):
    r = np.random.default_rng(5)
    Xtr = r.uniform(-3, 7, (40, 4))
    Xtr[:, 1] = -2.0
    Xte = r.uniform(-5, 9, (9, 4))
    ref = MinMaxScaler(feature_range=rng_).fit(Xtr)
    m = MinMaxScale(feature_range=rng_).fit(Xtr)
    np.testing.assert_allclose(m(Xte), ref.transform(Xte), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(m.inverse(m(Xte)), Xte, rtol=1e-12, atol=1e-12)
    refc = MinMaxScaler(feature_range=rng_, clip=True).fit(Xtr)
    clipped = MinMaxScale(feature_range=rng_, clip=True).fit(Xtr)
    np.testing.assert_allclose(clipped(Xte), refc.transform(Xte), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(clipped(ember.tensor(Xte)).numpy(), refc.transform(Xte),
                               rtol=1e-12, atol=1e-12)
    out = m(Xtr)
    assert out.min() == pytest.approx(rng_[0]) and out.max() == pytest.approx(rng_[1])


def test_scale01_on_uint8_and_fixed_bounds():
    img = np.array([[0, 51], [255, 102]], dtype=np.uint8)
    out = Scale01(min=0, max=255)(img)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, img / 255.0, rtol=1e-6)
    t = Scale01().fit(ember.tensor([[2.0], [4.0]]))(ember.tensor([[3.0]]))
    assert isinstance(t, ember.Tensor) and t.tolist() == [[0.5]]


def test_to_tensor_layouts():
    hwc = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    t = ToTensor()(hwc)
    assert t.shape == (3, 2, 4) and t.dtype == np.float32
    np.testing.assert_allclose(t.numpy(), hwc.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    assert ToTensor()(np.zeros((5, 6), dtype=np.uint8)).shape == (1, 5, 6)
    f = ToTensor(dtype=ember.float64)([[1.5, 2.0]])
    assert f.dtype == np.float64 and f.tolist() == [[1.5, 2.0]]


def test_compose_order_and_random_base():
    c = Compose([Lambda(lambda x: x + 1), Lambda(lambda x: x * 10)])
    assert c(1) == 20
    assert "Compose" in repr(c)
    with pytest.raises(TypeError, match="not callable"):
        Compose([1])

    class Jitter(RandomTransform):
        def __call__(self, x):
            return x + self.rng.standard_normal()

    a = Jitter(ember.Generator().manual_seed(2))
    b = Jitter(ember.Generator().manual_seed(2))
    assert [a(0.0) for _ in range(3)] == [b(0.0) for _ in range(3)]


def test_transform_errors():
    with pytest.raises(RuntimeError, match="call fit"):
        Standardize()(np.zeros(3))
    with pytest.raises(ValueError, match="both mean and std"):
        Standardize(mean=[0.0])
    with pytest.raises(ValueError, match="std=.*> 0"):
        Standardize(mean=[0.0], std=[0.0])
    with pytest.raises(ValueError, match="NaN"):
        Standardize().fit(np.array([[np.nan]]))
    with pytest.raises(ValueError, match="must include 0"):
        Standardize(axis=1).fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"feature_range=\(1, 0\)"):
        MinMaxScale(feature_range=(1, 0))
    with pytest.raises(ValueError, match="no samples"):
        MinMaxScale().fit(np.zeros((0, 2)))
