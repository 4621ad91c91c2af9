"""Rosenblatt's perceptron, one-vs-rest."""
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ._base import _LinearClassifierMixin, _check_bool, _check_int, _check_real


class Perceptron(_LinearClassifierMixin, ClassifierMixin, BaseEstimator):
    """Rosenblatt's perceptron, one-vs-rest for more than two classes.

    With targets ``t_i in {-1, +1}``, for each sample in turn (shuffled each epoch when
    ``shuffle``)::

        if t_i (w . x_i + b) <= 0:   w <- w + eta0 t_i x_i,   b <- b + eta0 t_i

    An epoch's loss is ``sum_i max(0, -t_i (w . x_i + b))`` (taken before each update). Training
    stops after ``max_iter`` epochs, or -- with ``tol`` not None -- once the loss has failed to
    drop below ``best_loss - tol * n_samples`` for ``n_iter_no_change`` epochs in a row
    (scikit-learn's rule, so with ``shuffle=False`` the weights equal scikit-learn's).

    Parameters
    ----------
    fit_intercept : bool, default True.
    max_iter : int, default 1000.
    tol : float or None, default 1e-3.
    shuffle : bool, default True.
    eta0 : float > 0, default 1.0.
    random_state : int, RandomState or None, default 0.
    n_iter_no_change : int, default 5.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> Perceptron(shuffle=False).fit(X, [0, 0, 0, 1]).predict(X).tolist()   # logical AND
    [0, 0, 0, 1]
    """

    def __init__(self, *, fit_intercept=True, max_iter=1000, tol=1e-3, shuffle=True, eta0=1.0,
                 random_state=0, n_iter_no_change=5):
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.eta0 = eta0
        self.random_state = random_state
        self.n_iter_no_change = n_iter_no_change

    def fit(self, X, y):
        _check_bool("fit_intercept", self.fit_intercept)
        _check_bool("shuffle", self.shuffle)
        _check_int("max_iter", self.max_iter, 1)
        _check_int("n_iter_no_change", self.n_iter_no_change, 1)
        _check_real("eta0", self.eta0, low=0, low_open=True)
        if self.tol is not None:
            _check_real("tol", self.tol)
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                "The number of classes has to be greater than one; got 1 class "
                f"({self.classes_[0]!r})")
        n, p = X.shape
        K = 1 if len(self.classes_) == 2 else len(self.classes_)
        if K == 1:
            T = np.where(y_idx == 1, 1.0, -1.0)[:, None]
        else:
            T = np.where(y_idx[:, None] == np.arange(K)[None, :], 1.0, -1.0)
        rng = check_random_state(self.random_state)
        # one independent binary problem per class, each with its own shuffling seed
        seeds = rng.randint(np.iinfo(np.int32).max, size=K)
        W = np.zeros((K, p))
        b = np.zeros(K)
        n_iter = np.zeros(K, dtype=int)
        converged = True
        for k in range(K):
            W[k], b[k], n_iter[k], ok = self._fit_binary(X, T[:, k], seeds[k])
            converged &= ok
        if not converged:
            warnings.warn(
                "Maximum number of iteration reached before convergence. Consider increasing "
                "max_iter to improve the fit.", ConvergenceWarning)
        self.coef_ = W
        self.intercept_ = b
        self.n_iter_ = int(n_iter.max())
        self.t_ = float(self.n_iter_ * n + 1)
        return self

    def _fit_binary(self, X, t, seed):
        """Perceptron epochs on targets ``t`` in {-1, +1}; returns (w, b, n_iter, converged)."""
        n, p = X.shape
        w = np.zeros(p)
        b = 0.0
        eta = float(self.eta0)
        tol = -np.inf if self.tol is None else float(self.tol)
        rng = np.random.RandomState(seed)
        order = np.arange(n)
        best, no_improve = np.inf, 0
        for epoch in range(self.max_iter):
            if self.shuffle:
                rng.shuffle(order)
            sumloss = 0.0
            for i in order:
                x = X[i]
                margin = t[i] * (x @ w + b)
                if margin <= 0.0:
                    sumloss -= margin
                    w += (eta * t[i]) * x
                    if self.fit_intercept:
                        b += eta * t[i]
            no_improve = no_improve + 1 if sumloss > best - tol * n else 0
            best = min(best, sumloss)
            if no_improve >= self.n_iter_no_change:
                return w, b, epoch + 1, True
        return w, b, self.max_iter, self.tol is None
