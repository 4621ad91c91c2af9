"""TensorDataset, Subset, ConcatDataset and random_split against torch.utils.data."""
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import ember
from ember.data import ConcatDataset, Dataset, Subset, TensorDataset, random_split

from ._util import assert_same


def _pair(seed, n=11):
    r = np.random.default_rng(seed)
    X = r.standard_normal((n, 3, 2))
    y = r.integers(0, 5, n)
    return X, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tensor_dataset_matches_torch(seed):
    X, y = _pair(seed)
    e = TensorDataset(ember.tensor(X), ember.tensor(y))
    t = tud.TensorDataset(torch.tensor(X), torch.tensor(y))
    assert len(e) == len(t) == 11
    for i in [0, 5, 10, -1, -11]:
        assert_same(e[i], t[i], f"ds[{i}]")


def test_tensor_dataset_accepts_numpy_without_copy():
    X = np.arange(6.0).reshape(3, 2)
    ds = TensorDataset(X)
    X[0, 0] = 42.0
    assert ds[0][0].tolist() == [42.0, 1.0]


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match=r"size mismatch.*\[3, 4\]"):
        TensorDataset(ember.zeros(3, 2), ember.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(ember.tensor(1.0))
    with pytest.raises(TypeError, match="expected ember Tensors"):
        TensorDataset([1, 2, 3])
    ds = TensorDataset(ember.zeros(3))
    with pytest.raises(IndexError, match="index 3 is out of range.*length 3"):
        ds[3]
    with pytest.raises(TypeError, match="index must be an int"):
        ds[1.5]


def test_abstract_dataset_raises():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(TypeError):
        len(Dataset())


def test_subset_and_concat_match_torch():
    X, y = _pair(3)
    e = TensorDataset(ember.tensor(X), ember.tensor(y))
    t = tud.TensorDataset(torch.tensor(X), torch.tensor(y))
    idx = [7, 2, 2, 9]
    es, ts = Subset(e, idx), tud.Subset(t, idx)
    assert len(es) == 4
    for i in range(4):
        assert_same(es[i], ts[i])
    ec, tc = e + es, tud.ConcatDataset([t, ts])
    assert isinstance(ec, ConcatDataset) and len(ec) == len(tc) == 15
    for i in [0, 10, 11, 14, -1]:
        assert_same(ec[i], tc[i], f"concat[{i}]")
    with pytest.raises(IndexError):
        ec[15]


@pytest.mark.parametrize("n,lengths", [
    (10, [0.5, 0.3, 0.2]), (11, [0.5, 0.5]), (7, [0.34, 0.33, 0.33]), (13, [0.1] * 10),
    (100, [0.8, 0.2]), (5, [1, 4]), (9, [0.25, 0.25, 0.25, 0.25]), (3, [1.0, 0.0]),
])
def test_random_split_sizes_match_torch(n, lengths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both libraries warn about empty splits
        e = random_split(TensorDataset(ember.arange(n)), lengths,
                         generator=ember.Generator().manual_seed(0))
        t = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in e] == [len(s) for s in t]
    got = sorted(i for s in e for i in s.indices)
    assert got == list(range(n)), "splits must be disjoint and cover the dataset"


def test_random_split_reproducible_and_random():
    ds = TensorDataset(ember.arange(50))
    a = random_split(ds, [30, 20], generator=ember.Generator().manual_seed(5))
    b = random_split(ds, [30, 20], generator=ember.Generator().manual_seed(5))
    c = random_split(ds, [30, 20], generator=ember.Generator().manual_seed(6))
    assert a[0].indices == b[0].indices
    assert a[0].indices != c[0].indices
    assert a[0].indices != list(range(30)), "the split should be shuffled"
    ember.manual_seed(3)
    d = random_split(ds, [30, 20])
    ember.manual_seed(3)
    assert random_split(ds, [30, 20])[1].indices == d[1].indices
    # the subset reads through to the parent dataset
    assert a[1][0][0].item() == a[1].indices[0]


def test_random_split_errors():
    ds = TensorDataset(ember.arange(10))
    with pytest.raises(ValueError, match=r"sum of lengths .* is 9.*length of the dataset \(10\)"):
        random_split(ds, [4, 5])
    with pytest.raises(ValueError, match="fractional lengths.*sum to 1"):
        random_split(ds, [0.5, 0.4])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(ds, [-1, 11])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(ds, [float("nan"), 1.0])
    with pytest.warns(UserWarning, match="index 1 is 0"):
        random_split(TensorDataset(ember.arange(2)), [0.9, 0.1])
