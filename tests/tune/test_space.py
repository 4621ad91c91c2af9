"""Search-space sampling by statistics, the unit-cube encoding, and bad spaces."""
import numpy as np
import pytest
from scipy import stats

from ember import tune


def _draws(dom, n=4000, seed=0):
    rng = np.random.default_rng(seed)
    return [dom.sample(rng) for _ in range(n)]


def test_uniform_and_loguniform_have_the_right_distribution():
    x = np.array(_draws(tune.uniform(-2.0, 3.0)))
    assert x.min() >= -2 and x.max() < 3
    assert stats.kstest(x, stats.uniform(-2, 5).cdf).pvalue > 1e-3
    y = np.array(_draws(tune.loguniform(1e-4, 1e-1)))
    assert y.min() >= 1e-4 and y.max() < 1e-1
    # the log is uniform: each of the three decades gets a third of the draws
    assert stats.kstest(np.log10(y), stats.uniform(-4, 3).cdf).pvalue > 1e-3
    counts = np.histogram(np.log10(y), bins=[-4, -3, -2, -1])[0] / len(y)
    np.testing.assert_allclose(counts, 1 / 3, atol=0.03)
    # a plain uniform on the same range puts ~90% in the top decade
    assert np.mean(np.array(_draws(tune.uniform(1e-4, 1e-1))) > 1e-2) > 0.85


def test_randint_and_choice_are_uniform_over_their_values():
    k = np.array(_draws(tune.randint(3, 8)))
    assert set(k.tolist()) == {3, 4, 5, 6, 7}             # high is excluded, as in Ray Tune
    assert stats.chisquare(np.bincount(k)[3:]).pvalue > 1e-3
    c = _draws(tune.choice(["a", "b", "c"]))
    counts = [c.count(v) for v in "abc"]
    assert stats.chisquare(counts).pvalue > 1e-3


@pytest.mark.parametrize("dom,values", [
    (tune.uniform(-1, 3), [-1.0, 0.5, 2.9]), (tune.loguniform(1e-3, 10), [1e-3, 0.02, 9.0]),
    (tune.randint(0, 4), [0, 1, 2, 3]), (tune.choice(["x", 2, None]), ["x", 2, None]),
])
def test_unit_encoding_round_trips(dom, values):
    for v in values:
        u = dom.to_unit(v)
        assert 0 <= u <= 1
        assert dom.from_unit(u) == pytest.approx(v) if isinstance(v, float) else dom.from_unit(u) == v


def test_sample_keeps_constants_and_is_seeded():
    space = {"lr": tune.loguniform(1e-4, 1e-1), "opt": tune.grid_search(["sgd", "adam"]), "epochs": 3}
    a, b = tune.sample(space, seed=1), tune.sample(space, seed=1)
    assert a == b and a["epochs"] == 3 and a["opt"] in ("sgd", "adam")


def test_bad_spaces_are_clear_errors():
    with pytest.raises(ValueError, match="search space is empty"):
        tune.sample({})
    with pytest.raises(ValueError, match="has no domain to search"):
        tune.sample({"lr": 0.1})
    with pytest.raises(TypeError, match="must be a dict"):
        tune.sample([tune.uniform(0, 1)])
    with pytest.raises(ValueError, match=r"low=1 must be below high=0"):
        tune.uniform(1, 0)
    with pytest.raises(ValueError, match="need 0 < low < high, got low=0"):
        tune.loguniform(0, 1)
    with pytest.raises(ValueError, match=r"low=3 must be below high=3 \(high is excluded\)"):
        tune.randint(3, 3)
    with pytest.raises(ValueError, match="tune.choice: the list of values is empty"):
        tune.choice([])
    with pytest.raises(ValueError, match="tune.grid_search: the list of values is empty"):
        tune.grid_search([])
    with pytest.raises(ValueError, match="high=nan must be a finite"):
        tune.uniform(0, float("nan"))
