"""KBinsDiscretizer against scikit-learn: bin edges, encodings, inverse transform."""
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import KBinsDiscretizer as SkKBins

from ember.ml.preprocessing import KBinsDiscretizer

SEEDS = [0, 1, 2]


def _data(seed, n=57):
    rng = np.random.default_rng(seed)
    X = np.c_[rng.normal(size=n), rng.exponential(size=n), np.round(rng.normal(size=n)),
              rng.integers(0, 3, n)]
    return X


def _dense(a):
    return a.toarray() if sp.issparse(a) else a


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("strategy,quantile_method", [
    ("uniform", "linear"), ("quantile", "averaged_inverted_cdf"), ("quantile", "linear"),
    ("quantile", "inverted_cdf")])
@pytest.mark.parametrize("encode", ["onehot", "onehot-dense", "ordinal"])
@pytest.mark.parametrize("n_bins", [3, 5])
def test_kbins_matches_sklearn(seed, strategy, quantile_method, encode, n_bins):
    X = _data(seed)
    kw = dict(n_bins=n_bins, encode=encode, strategy=strategy, quantile_method=quantile_method)
    with pytest.warns(UserWarning) if strategy == "quantile" else _nullcontext():
        ours = KBinsDiscretizer(**kw).fit(X)       # column 3 has 3 values: narrow bins merge
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SkKBins(**kw).fit(X)
    np.testing.assert_array_equal(ours.n_bins_, ref.n_bins_)
    for a, b in zip(ours.bin_edges_, ref.bin_edges_):
        np.testing.assert_array_equal(a, b)
    Xt, Rt = ours.transform(X), ref.transform(X)
    assert sp.issparse(Xt) == sp.issparse(Rt)
    np.testing.assert_array_equal(_dense(Xt), _dense(Rt))
    assert Xt.dtype == Rt.dtype
    np.testing.assert_array_equal(ours.inverse_transform(Xt), ref.inverse_transform(Rt))
    np.testing.assert_array_equal(ours.get_feature_names_out(), ref.get_feature_names_out())
    Xnew = _data(seed + 10)[:9] * 1.5                          # values outside the fitted range
    np.testing.assert_array_equal(_dense(ours.transform(Xnew)), _dense(ref.transform(Xnew)))


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_kbins_default_quantile_method_is_sklearn_19s():
    X = _data(0)[:, :2]
    ours, ref = KBinsDiscretizer().fit(X), SkKBins().fit(X)
    for a, b in zip(ours.bin_edges_, ref.bin_edges_):
        np.testing.assert_array_equal(a, b)


def test_kbins_equal_frequency_and_constant_feature():
    rng = np.random.default_rng(0)
    x = rng.permutation(100).astype(float)[:, None]
    Xt = KBinsDiscretizer(4, encode="ordinal").fit_transform(x)
    np.testing.assert_array_equal(np.bincount(Xt[:, 0].astype(int)), [25, 25, 25, 25])
    with pytest.warns(UserWarning, match="constant"):
        est = KBinsDiscretizer(3, encode="ordinal").fit(np.c_[x, np.ones(100)])
    assert est.n_bins_[1] == 1 and np.all(est.transform(np.c_[x, np.ones(100)])[:, 1] == 0)
    est = KBinsDiscretizer([2, 4], encode="ordinal", strategy="uniform").fit(np.c_[x, x])
    assert list(est.n_bins_) == [2, 4]


def test_kbins_bad_input():
    X = _data(0)
    with pytest.raises(ValueError, match="'n_bins'"):
        KBinsDiscretizer(n_bins=1).fit(X)
    with pytest.raises(ValueError, match="'strategy'"):
        KBinsDiscretizer(strategy="kmeanz").fit(X)
    with pytest.raises(ValueError, match="'encode'"):
        KBinsDiscretizer(encode="onehot-sparse").fit(X)
    with pytest.raises(ValueError, match="n_bins must be a scalar"):
        KBinsDiscretizer(n_bins=[2, 3]).fit(X)
    with pytest.raises(ValueError, match="invalid number of bins"):
        KBinsDiscretizer(n_bins=[2, 3, 1, 4]).fit(X)
    with pytest.raises(NotFittedError):
        KBinsDiscretizer().transform(X)
    with pytest.raises(ValueError, match="features"):
        KBinsDiscretizer(strategy="uniform").fit(X).transform(X[:, :2])
