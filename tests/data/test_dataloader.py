"""DataLoader, samplers and default_collate against torch.utils.data."""
import collections

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
import torch
import torch.utils.data as tud

import ember
from ember.data import (BatchSampler, DataLoader, Dataset, IterableDataset, RandomSampler,
                        SequentialSampler, SubsetRandomSampler, TensorDataset,
                        WeightedRandomSampler, default_collate, default_convert, random_split)

from ._util import assert_same


def _data(seed, n):
    r = np.random.default_rng(seed)
    return r.standard_normal((n, 3)), r.integers(0, 4, n)


class _PerSample(Dataset):
    """A dataset with no batched fetch: forces the per-sample path."""

    def __init__(self, ds):
        self.ds = ds

    def __len__(self):
        return len(self.ds)

    def __getitem__(self, i):
        return self.ds[i]


class _Counting(TensorDataset):
    calls = 0

    def __getitem__(self, i):
        type(self).calls += 1
        return super().__getitem__(i)


# ---- batching semantics vs torch -----------------------------------------------------------
@pytest.mark.parametrize("n,bs,drop_last", [(10, 3, False), (10, 3, True), (9, 3, True),
                                             (7, 1, False), (5, 8, False), (5, 8, True),
                                             (13, 4, False)])
def test_sequential_batches_match_torch(n, bs, drop_last):
    X, y = _data(n, n)
    e = DataLoader(TensorDataset(ember.tensor(X), ember.tensor(y)), batch_size=bs,
                   drop_last=drop_last)
    t = tud.DataLoader(tud.TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=bs,
                       drop_last=drop_last)
    eb, tb = list(e), list(t)
    assert len(e) == len(t) == len(eb) == len(tb)
    for i, (a, b) in enumerate(zip(eb, tb)):
        assert_same(a, b, f"batch {i}")


@given(n=st.integers(1, 40), bs=st.integers(1, 12), drop_last=st.booleans(),
       feat=st.lists(st.integers(1, 3), max_size=2), seed=st.integers(0, 2 ** 16))
def test_random_shapes_and_orders_match_torch(n, bs, drop_last, feat, seed):
    r = np.random.default_rng(seed)
    X = r.standard_normal((n, *feat))
    y = r.integers(-5, 5, n)
    order = r.permutation(n).tolist()
    e = DataLoader(TensorDataset(ember.tensor(X), ember.tensor(y)), batch_size=bs,
                   drop_last=drop_last, sampler=order)
    t = tud.DataLoader(tud.TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=bs,
                       drop_last=drop_last, sampler=order)
    assert len(e) == len(t)
    eb, tb = list(e), list(t)
    assert len(eb) == len(tb)
    for a, b in zip(eb, tb):
        assert_same(a, b)


def test_same_sampler_order_matches_torch_on_dict_dataset():
    class Dicts:
        def __len__(self):
            return 9

        def __getitem__(self, i):
            return {"x": np.full(2, i, dtype=np.float32), "y": i, "w": i / 2, "name": f"s{i}"}

    order = [4, 1, 7, 0, 8, 2, 6, 3, 5]
    e = DataLoader(Dicts(), batch_size=4, sampler=order)
    t = tud.DataLoader(Dicts(), batch_size=4, sampler=order)
    for a, b in zip(list(e), list(t), strict=True):
        assert_same(a, b)


def test_batch_size_none_matches_torch():
    X, y = _data(0, 4)
    e = list(DataLoader(TensorDataset(ember.tensor(X), ember.tensor(y)), batch_size=None))
    t = list(tud.DataLoader(tud.TensorDataset(torch.tensor(X), torch.tensor(y)),
                            batch_size=None))
    assert len(e) == 4
    for a, b in zip(e, t):
        assert_same(a, b)


def test_batch_sampler_matches_torch():
    X, y = _data(1, 10)
    bs = [[0, 1, 2], [9], [5, 4]]
    e = list(DataLoader(TensorDataset(ember.tensor(X), ember.tensor(y)), batch_sampler=bs))
    t = list(tud.DataLoader(tud.TensorDataset(torch.tensor(X), torch.tensor(y)),
                            batch_sampler=bs))
    for a, b in zip(e, t, strict=True):
        assert_same(a, b)


def test_batch_sampler_lists_match_torch():
    for n, b, d in [(10, 3, False), (10, 3, True), (2, 5, False)]:
        assert list(BatchSampler(SequentialSampler(range(n)), b, d)) == \
            list(tud.BatchSampler(tud.SequentialSampler(range(n)), b, d))
        assert len(BatchSampler(SequentialSampler(range(n)), b, d)) == \
            len(tud.BatchSampler(tud.SequentialSampler(range(n)), b, d))


# ---- default_collate vs torch --------------------------------------------------------------
Point = collections.namedtuple("Point", "x y")


@pytest.mark.parametrize("batch", [
    [(1, 2.0), (3, 4.0)],
    [np.float32(1), np.float32(2)],
    [np.int16(1), np.int16(7)],
    [True, False],
    [{"a": 1, "b": np.zeros((2, 2))}, {"a": 2, "b": np.ones((2, 2))}],
    [["a", 1], ["b", 2]],
    [Point(1.5, np.arange(3)), Point(2.5, np.arange(3))],
    [[np.zeros(2, dtype=np.int32), {"k": (1, 2)}], [np.ones(2, dtype=np.int32), {"k": (3, 4)}]],
    ["x", "y"],
])
def test_default_collate_matches_torch(batch):
    e = default_collate(batch)
    t = tud.default_collate(batch)
    if isinstance(t, Point):
        assert isinstance(e, Point)
        assert_same(list(e), list(t))
    else:
        assert_same(e, t)


def test_default_collate_tensors_stack_and_keep_dtype():
    for dt in (np.float64, np.float32, np.int64, np.uint8):
        arrs = [np.arange(6, dtype=dt).reshape(2, 3) + k for k in range(4)]
        e = default_collate([ember.tensor(a) for a in arrs])
        t = tud.default_collate([torch.tensor(a) for a in arrs])
        assert_same(e, t)


def test_default_collate_keeps_graph():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    out = default_collate([a, a * 2])
    out.sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match=r"equal size.*\[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([ember.zeros(2), ember.zeros(3)])
    with pytest.raises(TypeError, match="found <class 'NoneType'>"):
        default_collate([None, None])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(ValueError, match="non-empty"):
        default_collate([])


def test_default_convert_matches_torch():
    data = {"a": np.arange(3), "b": (np.ones(2), 5), "c": "s"}
    assert_same(default_convert(data), tud.default_convert(data))


# ---- fast path ------------------------------------------------------------------------------
def test_fast_path_avoids_per_sample_indexing_and_matches_slow_path():
    X, y = _data(2, 37)
    fast_ds = _Counting(ember.tensor(X, dtype=ember.float32), ember.tensor(y))
    slow_ds = _PerSample(TensorDataset(ember.tensor(X, dtype=ember.float32), ember.tensor(y)))
    _Counting.calls = 0
    fast = list(DataLoader(fast_ds, batch_size=8, shuffle=True,
                           generator=ember.Generator().manual_seed(4)))
    assert _Counting.calls == 0, "TensorDataset batches must not index sample by sample"
    slow = list(DataLoader(slow_ds, batch_size=8, shuffle=True,
                           generator=ember.Generator().manual_seed(4)))
    assert len(fast) == len(slow) == 5
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.dtype == sx.dtype == np.float32 and fy.dtype == sy.dtype == np.int64
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())


def test_fast_path_through_subset_and_custom_collate_uses_slow_path():
    X, y = _data(3, 20)
    ds = _Counting(ember.tensor(X), ember.tensor(y))
    train, _ = random_split(ds, [15, 5], generator=ember.Generator().manual_seed(0))
    _Counting.calls = 0
    batches = list(DataLoader(train, batch_size=4))
    assert _Counting.calls == 0
    xs = np.concatenate([b[0].numpy() for b in batches])
    np.testing.assert_array_equal(xs, X[train.indices])
    # a custom collate_fn sees the samples
    got = list(DataLoader(train, batch_size=4, collate_fn=lambda b: len(b)))
    assert got == [4, 4, 4, 3] and _Counting.calls == 15


def test_fast_path_keeps_graph_for_tensors_requiring_grad():
    w = ember.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    (xb,) = next(iter(DataLoader(TensorDataset(w), batch_size=2, sampler=[2, 0])))
    xb.sum().backward()
    assert w.grad.tolist() == [[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]


# ---- shuffling ------------------------------------------------------------------------------
def _order(loader):
    return np.concatenate([b[0].numpy() for b in loader]).tolist()


def test_shuffle_is_a_permutation_reproducible_under_generator():
    ds = TensorDataset(ember.arange(25))
    a = DataLoader(ds, batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(7))
    b = DataLoader(ds, batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(7))
    ea1, ea2 = _order(a), _order(a)
    assert sorted(ea1) == list(range(25)) and sorted(ea2) == list(range(25))
    assert ea1 != list(range(25)), "shuffle=True must shuffle"
    assert ea1 != ea2, "each epoch draws a new permutation"
    assert _order(b) == ea1 and _order(b) == ea2, "same seed, same sequence of epochs"
    c = DataLoader(ds, batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(8))
    assert _order(c) != ea1


def test_shuffle_uses_default_generator_when_none():
    ds = TensorDataset(ember.arange(30))
    ember.manual_seed(11)
    first = _order(DataLoader(ds, batch_size=7, shuffle=True))
    ember.manual_seed(11)
    assert _order(DataLoader(ds, batch_size=7, shuffle=True)) == first


def test_shuffle_drop_last_lengths():
    ds = TensorDataset(ember.arange(10))
    loader = DataLoader(ds, batch_size=3, shuffle=True, drop_last=True,
                        generator=ember.Generator().manual_seed(0))
    sizes = [len(b[0]) for b in loader]
    assert sizes == [3, 3, 3] and len(loader) == 3


def test_samplers():
    g = ember.Generator().manual_seed(0)
    rs = list(RandomSampler(range(6), replacement=True, num_samples=50, generator=g))
    assert len(rs) == 50 and set(rs) <= set(range(6)) and len(set(rs)) == 6
    wr = list(RandomSampler(range(4), num_samples=10, generator=g))
    assert len(wr) == 10 and sorted(wr[:8]) == [0, 0, 1, 1, 2, 2, 3, 3]
    ss = list(SubsetRandomSampler([5, 9, 11], generator=g))
    assert sorted(ss) == [5, 9, 11]
    ws = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 4000, generator=g))
    counts = np.bincount(ws, minlength=4)
    assert counts[0] == counts[2] == 0
    assert abs(counts[3] / 4000 - 0.75) < 0.03
    with pytest.raises(ValueError, match="num_samples=5 exceeds"):
        WeightedRandomSampler([1, 0, 1], 5, replacement=False)


# ---- iterable datasets ---------------------------------------------------------------------
def test_iterable_dataset_matches_torch():
    class ES(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    class TS(tud.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    for drop in (False, True):
        e = list(DataLoader(ES(), batch_size=3, drop_last=drop))
        t = list(tud.DataLoader(TS(), batch_size=3, drop_last=drop))
        assert_same(e, t)
    with pytest.raises(ValueError, match="IterableDataset"):
        DataLoader(ES(), shuffle=True)
    with pytest.raises(TypeError, match="without __len__"):
        len(DataLoader(ES(), batch_size=2))


# ---- argument errors -----------------------------------------------------------------------
def test_argument_errors():
    ds = TensorDataset(ember.arange(4))
    with pytest.raises(ValueError, match="batch_size=0 must be a positive int"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="batch_size=2.5"):
        DataLoader(ds, batch_size=2.5)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, shuffle=True, sampler=[0, 1])
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0]])
    with pytest.raises(ValueError, match="num_workers=-1"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(TypeError, match="collate_fn"):
        DataLoader(ds, collate_fn=3)
    with pytest.raises(TypeError, match="__getitem__ and __len__"):
        DataLoader(object())
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
