"""Search spaces, written with Ray Tune's helper names.

A search space is a dict from parameter name to a domain (``uniform``, ``loguniform``,
``randint``, ``choice``, ``grid_search``) or to a constant passed through as is.

    >>> from ember import tune
    >>> space = {"lr": tune.loguniform(1e-4, 1e-1), "layers": tune.choice([1, 2, 3]),
    ...          "width": tune.randint(16, 129), "act": "relu"}
    >>> p = tune.sample(space, seed=0)
    >>> sorted(p), 1e-4 <= p["lr"] < 1e-1, p["act"]
    (['act', 'layers', 'lr', 'width'], True, 'relu')

Every domain also maps its values to and from the unit interval (``to_unit`` /
``from_unit``: log scale for ``loguniform``, bins for the discrete ones), which is the
space the Bayesian search's Gaussian process works in.
"""
import math
import numbers

import numpy as np

__all__ = ["Domain", "uniform", "loguniform", "randint", "choice", "grid_search", "sample",
           "check_space", "domains"]


def _real(name, arg, v):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
        raise ValueError(f"tune.{name}: {arg}={v!r} must be a finite real number")
    return float(v)


class Domain:
    """A parameter's set of values: ``sample(rng)``, ``to_unit(v)`` and ``from_unit(u)``."""
    discrete = False

    def grid(self, k):
        """``k`` representative values (all of them for a discrete domain)."""
        return [self.from_unit((i + 0.5) / k) for i in range(k)]


class Uniform(Domain):
    def __init__(self, low, high):
        self.low, self.high = _real("uniform", "low", low), _real("uniform", "high", high)
        if not self.low < self.high:
            raise ValueError(f"tune.uniform: low={low!r} must be below high={high!r}")

    def sample(self, rng):
        return float(rng.uniform(self.low, self.high))

    def to_unit(self, v):
        return (float(v) - self.low) / (self.high - self.low)

    def from_unit(self, u):
        return self.low + float(np.clip(u, 0, 1)) * (self.high - self.low)

    def grid(self, k):
        return [float(v) for v in np.linspace(self.low, self.high, k)]

    def __repr__(self):
        return f"uniform({self.low:g}, {self.high:g})"


class LogUniform(Uniform):
    """Uniform in ``log(value)``: each decade equally likely."""

    def __init__(self, low, high, base=10):
        low, high = _real("loguniform", "low", low), _real("loguniform", "high", high)
        if not 0 < low < high:
            raise ValueError(f"tune.loguniform: need 0 < low < high, got low={low!r}, high={high!r}")
        self.low, self.high, self.base = low, high, base
        self._a, self._b = math.log(low), math.log(high)

    def sample(self, rng):
        return float(math.exp(rng.uniform(self._a, self._b)))

    def to_unit(self, v):
        return (math.log(float(v)) - self._a) / (self._b - self._a)

    def from_unit(self, u):
        return float(math.exp(self._a + float(np.clip(u, 0, 1)) * (self._b - self._a)))

    def grid(self, k):
        return [float(v) for v in np.geomspace(self.low, self.high, k)]

    def __repr__(self):
        return f"loguniform({self.low:g}, {self.high:g})"


class RandInt(Domain):
    """An integer in ``[low, high)`` (Ray Tune's convention: ``high`` excluded)."""
    discrete = True

    def __init__(self, low, high):
        for arg, v in (("low", low), ("high", high)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise ValueError(f"tune.randint: {arg}={v!r} must be an integer")
        if not low < high:
            raise ValueError(f"tune.randint: low={low!r} must be below high={high!r} (high is excluded)")
        self.low, self.high = int(low), int(high)

    def sample(self, rng):
        return int(rng.integers(self.low, self.high))

    def to_unit(self, v):
        return (int(v) - self.low + 0.5) / (self.high - self.low)

    def from_unit(self, u):
        n = self.high - self.low
        return self.low + min(n - 1, int(float(np.clip(u, 0, 1)) * n))

    def grid(self, k):
        n = self.high - self.low
        if n <= k:
            return list(range(self.low, self.high))
        return sorted({int(round(v)) for v in np.linspace(self.low, self.high - 1, k)})

    def __repr__(self):
        return f"randint({self.low}, {self.high})"


class Choice(Domain):
    """One of ``categories``, equally likely."""
    discrete = True
    name = "choice"

    def __init__(self, categories):
        if isinstance(categories, (str, bytes)) or not hasattr(categories, "__len__"):
            raise ValueError(f"tune.{self.name}: expected a list of values, got {categories!r}")
        self.categories = list(categories)
        if not self.categories:
            raise ValueError(f"tune.{self.name}: the list of values is empty: nothing to search")

    def sample(self, rng):
        return self.categories[int(rng.integers(len(self.categories)))]

    def _index(self, v):
        for i, c in enumerate(self.categories):
            if c == v or (isinstance(c, float) and isinstance(v, float) and math.isnan(c) and math.isnan(v)):
                return i
        raise ValueError(f"{v!r} is not one of {self.categories!r}")

    def to_unit(self, v):
        return (self._index(v) + 0.5) / len(self.categories)

    def from_unit(self, u):
        k = len(self.categories)
        return self.categories[min(k - 1, int(float(np.clip(u, 0, 1)) * k))]

    def grid(self, k=None):
        return list(self.categories)

    def __repr__(self):
        return f"{self.name}({self.categories!r})"


class GridSearch(Choice):
    """Values to try exhaustively (a grid search's axis); random and Bayesian searches
    treat it as a ``choice``."""
    name = "grid_search"


def uniform(low, high):
    """A float uniformly distributed in ``[low, high)``."""
    return Uniform(low, high)


def loguniform(low, high, base=10):
    """A float whose logarithm is uniform in ``[log low, log high)`` (e.g. learning rates)."""
    return LogUniform(low, high, base)


def randint(low, high):
    """An integer in ``[low, high)``."""
    return RandInt(low, high)


def choice(categories):
    """One of ``categories``."""
    return Choice(categories)


def grid_search(values):
    """Every one of ``values`` (in a grid search)."""
    return GridSearch(values)


def check_space(space):
    """Raise a clear error for a space that is not a non-empty dict with at least one domain."""
    if not isinstance(space, dict):
        raise TypeError(f"search space must be a dict from parameter name to a domain "
                        f"(tune.uniform, tune.choice, ...), got {type(space).__name__}")
    if not space:
        raise ValueError("search space is empty: give at least one parameter, e.g. "
                         "{'lr': tune.loguniform(1e-4, 1e-1)}")
    for k in space:
        if not isinstance(k, str):
            raise TypeError(f"search space keys must be parameter names (str), got {k!r}")
    if not domains(space):
        raise ValueError(f"search space {space!r} has no domain to search (only constants); "
                         f"use tune.uniform, tune.loguniform, tune.randint, tune.choice or "
                         f"tune.grid_search for at least one parameter")
    return space


def domains(space):
    """The ``(name, domain)`` pairs of ``space``, in its order."""
    return [(k, v) for k, v in space.items() if isinstance(v, Domain)]


def sample(space, seed=None, rng=None):
    """One random configuration of ``space`` (constants kept)."""
    check_space(space)
    rng = np.random.default_rng(seed) if rng is None else rng
    return {k: (v.sample(rng) if isinstance(v, Domain) else v) for k, v in space.items()}
