"""``ember.tune``: hyper-parameter search. Search spaces with Ray Tune's helper names
(``uniform``, ``loguniform``, ``randint``, ``choice``, ``grid_search``); ``GridSearch``,
``RandomSearch`` and ``BayesianSearch`` (a Gaussian process written here); early stopping
of bad trials (``MedianStopping``, ``SuccessiveHalving``); trials on local worker
processes, in this process or on Ray; results as CSV/JSON and plots.

    >>> from ember import tune
    >>> r = tune.RandomSearch(lambda p: (p["x"] - 2) ** 2, {"x": tune.uniform(0, 4)},
    ...                       n_trials=20, seed=0, backend="serial").run()
    >>> bool(abs(r.best_params["x"] - 2) < 0.5), len(r.trials)
    (True, 20)
"""
from .space import uniform, loguniform, randint, choice, grid_search, sample, Domain  # noqa: F401
from .schedulers import MedianStopping, SuccessiveHalving, TrialPruned  # noqa: F401
from .search import GridSearch, RandomSearch, BayesianSearch, BACKENDS  # noqa: F401
from .results import Result, parameter_importance  # noqa: F401
from .gp import GaussianProcess  # noqa: F401
from .trainer import trainer_objective  # noqa: F401

__all__ = ["uniform", "loguniform", "randint", "choice", "grid_search", "sample", "GridSearch",
           "RandomSearch", "BayesianSearch", "MedianStopping", "SuccessiveHalving", "TrialPruned",
           "Result", "parameter_importance", "GaussianProcess", "trainer_objective"]
