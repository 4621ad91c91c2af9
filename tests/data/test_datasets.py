"""Bundled digits and the synthetic generators: shapes, ranges, dtypes, reproducibility,
and scikit-learn parity where the construction is deterministic."""
import numpy as np
import pytest
import sklearn.datasets as skd

import ember
from ember.data import TensorDataset
from ember.data.datasets import load_digits, make_circles, make_moons, make_spirals, make_xor


def test_digits_full_matches_sklearn():
    ds = load_digits()
    assert isinstance(ds, TensorDataset)
    X, y = ds.tensors
    ref = skd.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(X.numpy(), ref.data / 16.0, rtol=1e-6)
    np.testing.assert_array_equal(y.numpy(), ref.target)
    assert X.numpy().min() == 0.0 and X.numpy().max() == 1.0
    Xr, _ = load_digits(normalize=False, return_X_y=True)
    assert Xr.numpy().max() == 16.0


def test_digits_split_stratified_disjoint_and_images():
    Xtr, ytr = load_digits(split="train", return_X_y=True)
    Xte, yte = load_digits(split="test", return_X_y=True)
    assert len(ytr) == 1347 and len(yte) == 450
    # complementary: together they are the full set (as a multiset of rows)
    full = load_digits(return_X_y=True)[0].numpy()
    both = np.concatenate([Xtr.numpy(), Xte.numpy()])
    assert sorted(map(bytes, both)) == sorted(map(bytes, full))
    # stratified: class proportions match within one sample per class
    ct, ce = np.bincount(ytr.numpy()), np.bincount(yte.numpy())
    assert np.all(np.abs(ce - (ct + ce) * 0.25) <= 1)
    # same seed, same split; another seed, another split
    np.testing.assert_array_equal(load_digits(split="test", return_X_y=True)[1].numpy(), yte.numpy())
    assert not np.array_equal(load_digits(split="test", random_state=1, return_X_y=True)[1].numpy(),
                              yte.numpy())
    imgs = load_digits(split="train", as_images=True)
    assert imgs.tensors[0].shape == (1347, 1, 8, 8)
    np.testing.assert_array_equal(imgs.tensors[0].numpy().reshape(1347, 64), Xtr.numpy())
    with pytest.raises(ValueError, match="split='val'"):
        load_digits(split="val")


def test_xor_corners_and_labels():
    X, y = make_xor(8, noise=0, shuffle=False)
    assert X.tolist() == [[-1, -1]] * 2 + [[-1, 1]] * 2 + [[1, -1]] * 2 + [[1, 1]] * 2
    assert y.tolist() == [0, 0, 1, 1, 1, 1, 0, 0]
    X, y = make_xor(400, noise=0.1, generator=ember.Generator().manual_seed(0))
    x = X.numpy()
    assert X.dtype == np.float32 and y.dtype == np.int64 and X.shape == (400, 2)
    np.testing.assert_array_equal(y.numpy(), (x[:, 0] * x[:, 1] < 0).astype(np.int64))
    assert np.bincount(y.numpy()).tolist() == [200, 200]


@pytest.mark.parametrize("k", [2, 3, 5])
def test_spirals(k):
    X, y = make_spirals(101, n_classes=k, noise=0.0, shuffle=False)
    assert X.shape == (101, 2) and sorted(set(y.tolist())) == list(range(k))
    r = np.linalg.norm(X.numpy(), axis=1)
    assert r.max() <= 1.0 + 1e-6
    counts = np.bincount(y.numpy())
    assert counts.max() - counts.min() <= 1
    # at the outer end of each arm the angle is 2 pi k / K + 2 pi turns (turns=1)
    ends = X.numpy()[np.cumsum(counts) - 1]
    theta = 2 * np.pi * np.arange(k) / k + 2 * np.pi
    np.testing.assert_allclose(ends, np.stack([np.sin(theta), np.cos(theta)], 1), atol=1e-6)
    with pytest.raises(ValueError, match="n_classes=1"):
        make_spirals(10, n_classes=1)


def test_moons_and_circles_match_sklearn_without_noise():
    for n in (7, 100):
        X, y = make_moons(n, shuffle=False)
        Xs, ys = skd.make_moons(n, shuffle=False)
        np.testing.assert_allclose(X.numpy(), Xs, atol=1e-6)
        np.testing.assert_array_equal(y.numpy(), ys)
        X, y = make_circles(n, shuffle=False, factor=0.5)
        Xs, ys = skd.make_circles(n, shuffle=False, factor=0.5)
        np.testing.assert_allclose(X.numpy(), Xs, atol=1e-6)
        np.testing.assert_array_equal(y.numpy(), ys)


def test_generators_reproducible_and_noisy():
    for fn in (make_moons, make_circles, make_xor, make_spirals):
        a = fn(60, noise=0.1, generator=ember.Generator().manual_seed(3))
        b = fn(60, noise=0.1, generator=ember.Generator().manual_seed(3))
        c = fn(60, noise=0.1, generator=ember.Generator().manual_seed(4))
        np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
        np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())
        assert not np.array_equal(a[0].numpy(), c[0].numpy())
    # noise has the requested scale: residual around the noiseless moons
    X0, y0 = make_moons(20000, shuffle=False)
    X1, y1 = make_moons(20000, shuffle=False, noise=0.2, generator=ember.Generator().manual_seed(0))
    assert abs((X1.numpy() - X0.numpy()).std() - 0.2) < 0.005


def test_generator_errors():
    with pytest.raises(ValueError, match="n_samples=0"):
        make_moons(0)
    with pytest.raises(ValueError, match="noise=-0.1"):
        make_xor(10, noise=-0.1)
    with pytest.raises(ValueError, match="noise=nan"):
        make_circles(10, noise=float("nan"))
    with pytest.raises(ValueError, match="factor=1.5"):
        make_circles(10, factor=1.5)


def test_digits_through_shuffled_loader_train_softmax_regression():
    """End to end: features and labels stay aligned through split, shuffle and batching,
    so plain softmax regression trained from the loader generalises (> 90% test accuracy;
    scikit-learn's LogisticRegression gets about 96% on this split)."""
    train, test = load_digits(split="train"), load_digits(split="test")
    g = ember.Generator().manual_seed(0)
    W = ember.zeros(64, 10, requires_grad=True)
    b = ember.zeros(10, requires_grad=True)
    loader = ember.data.DataLoader(train, batch_size=32, shuffle=True, generator=g)
    for _ in range(8):
        for xb, yb in loader:
            logp = ember.log_softmax(xb @ W + b, dim=1)
            loss = -logp.gather(1, yb.unsqueeze(1)).mean()
            W.grad = b.grad = None
            loss.backward()
            W.array -= 0.5 * W.grad.array
            b.array -= 0.5 * b.grad.array
    Xte, yte = test.tensors
    with ember.no_grad():
        acc = ((Xte @ W + b).argmax(dim=1) == yte).float().mean().item()
    assert acc > 0.9, acc
    # a label permutation breaks the alignment and the accuracy collapses to chance
    assert ((Xte @ W + b).argmax(dim=1) == yte[ember.randperm(len(yte), generator=g)]
            ).float().mean().item() < 0.3
