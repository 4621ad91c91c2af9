"""Fuzzing ``ember.load`` with mutated checkpoints (flipped, dropped and inserted bytes,
truncation, rewritten metadata) and the estimators with odd inputs (NaN, inf, empty, one
sample or class, wrong dimensions, strings). ``load`` either returns the saved values or
raises ValueError; estimators raise clear errors (scikit-learn's own validation counts)."""
import io
import json
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import ember
from ._common import call


def _checkpoint():
    buf = io.BytesIO()
    ember.save({"model": {"w": ember.ones(2, 3), "b": ember.zeros(3)}, "step": 7, "lr": 1e-3,
                "opt": {"state": {0: {"m": ember.ones(3)}}, "groups": [{"lr": 0.1, "params": [0]}]}}, buf)
    return buf.getvalue()


RAW = _checkpoint()
N_HEADER = struct.unpack("<Q", RAW[:8])[0]


@st.composite
def mutations(draw):
    data = bytearray(RAW)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "drop", "insert", "truncate", "header"]))
        where = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "header" and data:   # aim at the JSON header, where the ember metadata lives
            where = draw(st.integers(0, min(8 + N_HEADER, len(data)) - 1))   # (earlier edits may have cut it)
        if kind in ("flip", "header") and data:
            data[where] ^= draw(st.integers(1, 255))
        elif kind == "drop" and data:
            del data[where:where + draw(st.integers(1, 8))]
        elif kind == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "truncate":
            del data[where:]
    return bytes(data)


@st.composite
def metadata_edits(draw):
    """A well-formed file whose ember metadata (not covered by the digests) is rewritten."""
    from safetensors.numpy import save as st_save
    leaf = st.one_of(st.none(), st.integers(), st.text(max_size=3), st.floats(allow_nan=False),
                     st.sampled_from([{"tensor": "w"}, {"tensor": "zz"}, {"ndarray": "w"}, {"dtype": "<f4"},
                                      {"dtype": "bogus"}, {"float": "nan"}, {"float": "x"}]))
    tree = draw(st.recursive(leaf, lambda c: st.one_of(
        st.lists(c, max_size=3), st.dictionaries(st.sampled_from(["dict", "list", "tuple", "v", "tensor", "x"]),
                                                 c, max_size=2)), max_leaves=8))
    meta = {"ember.format": draw(st.sampled_from(["ember-checkpoint/1", "other"])),
            "ember.structure": json.dumps(tree),
            "ember.sha256": draw(st.sampled_from(['{}', '[]', '"x"', json.dumps({"w": "0" * 64})]))}
    return st_save({"w": np.ones(2, dtype=np.float32)}, metadata=meta)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(raw=st.one_of(mutations(), metadata_edits()), verify=st.booleans())
def test_load_of_mutated_checkpoints(raw, verify):
    try:
        out = ember.load(io.BytesIO(raw), verify=verify)
    except ValueError as e:
        assert "load:" in str(e), e
        return
    assert isinstance(out, (dict, list, tuple, int, float, str, type(None), ember.Tensor, np.ndarray, np.dtype))


def test_load_of_an_intact_checkpoint_round_trips():
    back = ember.load(io.BytesIO(RAW))
    assert back["step"] == 7 and back["model"]["w"].tolist() == [[1.0] * 3] * 2


def _estimators():
    from ember.ml import (DecisionTreeClassifier, GaussianNB, GradientBoostingClassifier, KMeans,
                          KNeighborsClassifier, LinearRegression, LogisticRegression, PCA, RandomForestClassifier,
                          Ridge, SVC)
    return {"LogisticRegression": LogisticRegression(max_iter=20), "LinearRegression": LinearRegression(),
            "SVC": SVC(max_iter=200), "DecisionTreeClassifier": DecisionTreeClassifier(max_depth=3),
            "RandomForestClassifier": RandomForestClassifier(n_estimators=3, random_state=0),
            "GaussianNB": GaussianNB(), "KNeighborsClassifier": KNeighborsClassifier(n_neighbors=3),
            "KMeans": KMeans(n_clusters=2, n_init=1, random_state=0), "PCA": PCA(n_components=1),
            "Ridge": Ridge(), "GradientBoostingClassifier": GradientBoostingClassifier(n_estimators=3)}


ESTIMATORS = sorted(_estimators())


@st.composite
def odd_data(draw):
    kind = draw(st.sampled_from(["ok", "nan", "inf", "empty", "one_sample", "one_class", "1d", "3d", "strings",
                                 "huge", "constant", "y_short"]))
    rng = np.random.default_rng(draw(st.integers(0, 9)))
    X, y = rng.standard_normal((12, 3)), np.array([0, 1] * 6)
    if kind == "nan":
        X[draw(st.integers(0, 11)), 0] = np.nan
    elif kind == "inf":
        X[0, 0] = np.inf
    elif kind == "empty":
        X, y = X[:0], y[:0]
    elif kind == "one_sample":
        X, y = X[:1], y[:1]
    elif kind == "one_class":
        y = np.zeros(12, dtype=int)
    elif kind == "1d":
        X = X[:, 0]
    elif kind == "3d":
        X = X.reshape(12, 3, 1)
    elif kind == "strings":
        X = X.astype(str).astype(object)
        X[0, 0] = "a"
    elif kind == "huge":
        X = X * 1e300
    elif kind == "constant":
        X = np.ones_like(X)
    elif kind == "y_short":
        y = y[:5]
    return kind, X, y


@pytest.mark.parametrize("name", ESTIMATORS)
@settings(max_examples=12, deadline=None)
@given(data=odd_data())
def test_estimators_on_odd_inputs(name, data):
    kind, X, y = data
    est = _estimators()[name]
    with np.errstate(all="ignore"):
        fitted = call(est.fit, X, y, allow=("sklearn",))
        if fitted is None:
            return
        for method in ("predict", "transform"):
            if hasattr(fitted, method):
                out = call(getattr(fitted, method), X, allow=("sklearn",))
                if out is not None and kind in ("ok", "one_class", "constant"):
                    assert np.isfinite(np.asarray(out, dtype=float)).all(), f"{name}.{method} gave non-finite values"
