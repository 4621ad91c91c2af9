"""Naive Bayes classifiers: Gaussian, multinomial and Bernoulli.

All three score a sample by the joint log-likelihood under the "naive" assumption that the
features are independent given the class::

    log P(c | x) = log P(c) + sum_j log P(x_j | c) - log Z(x)

and differ in ``P(x_j | c)``:

* ``GaussianNB``: ``N(x_j; theta_cj, var_cj)`` with the per-class mean and variance, the
  variances enlarged by ``var_smoothing * max_j var(X_j)`` for stability.
* ``MultinomialNB`` (counts, e.g. word counts): ``P(x | c) ~ prod_j theta_cj^{x_j}`` with
  ``theta_cj = (N_cj + alpha) / (N_c + alpha n_features)`` (Lidstone / Laplace smoothing).
* ``BernoulliNB`` (binary occurrence features): ``P(x | c) = prod_j theta_cj^{x_j}
  (1 - theta_cj)^{1 - x_j}`` with ``theta_cj = (N_cj + alpha) / (N_c + 2 alpha)``.

The smoothing ``alpha`` matters: with ``alpha = 0`` a feature (word) never seen with class
``c`` in training gets ``theta_cj = 0``, so any test sample containing it gets
``P(c | x) = 0`` (log-probability ``-inf``) whatever the rest of the evidence says -- the
zero-probability problem. ``alpha = 0`` is allowed but warns.

Example
-------
    >>> import numpy as np
    >>> from ember.ml.naive_bayes import MultinomialNB
    >>> X = np.array([[2, 1, 0], [3, 0, 0], [0, 1, 2], [0, 2, 3]])
    >>> y = np.array([0, 0, 1, 1])
    >>> MultinomialNB().fit(X, y).predict([[1, 0, 0], [0, 0, 1]]).tolist()
    [0, 1]
"""
import numbers
import warnings

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

__all__ = ["GaussianNB", "MultinomialNB", "BernoulliNB"]


class _BaseNB(ClassifierMixin, BaseEstimator):
    def _joint_log_likelihood(self, X):  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_X(self, X):
        return validate_data(self, X, reset=False, dtype=np.float64)

    def predict_joint_log_proba(self, X):
        """``log P(c) + log P(x | c)`` for each class, shape (n_samples, n_classes)."""
        check_is_fitted(self)
        return self._joint_log_likelihood(self._check_X(X))

    def predict_log_proba(self, X):
        """``log P(c | x)``: the joint log-likelihood normalised with log-sum-exp."""
        jll = self.predict_joint_log_proba(X)
        with np.errstate(invalid="ignore"):
            return jll - logsumexp(jll, axis=1, keepdims=True)

    def predict_proba(self, X):
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        jll = self.predict_joint_log_proba(X)
        return self.classes_[np.argmax(jll, axis=1)]

    def _fit_targets(self, X, y, sample_weight):
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
        Y = np.zeros((X.shape[0], len(self.classes_)))
        Y[np.arange(X.shape[0]), y_idx] = 1.0
        return Y * sw[:, None], y_idx, sw


def _check_alpha(est):
    alpha = est.alpha
    if not (isinstance(alpha, numbers.Real) and not isinstance(alpha, bool) and alpha >= 0
            and np.isfinite(alpha)):
        raise ValueError(f"The 'alpha' parameter must be a float >= 0; got {alpha!r}")
    if not isinstance(est.force_alpha, (bool, np.bool_)):
        raise ValueError(f"The 'force_alpha' parameter must be a bool; got {est.force_alpha!r}")
    if alpha < 1e-10:
        if est.force_alpha:
            warnings.warn(
                f"alpha={alpha!r}: without smoothing, a feature never observed with a class in "
                "training gets probability 0 for that class, so any sample containing it gets "
                "P(class | x) = 0 (log-probability -inf) regardless of its other features (the "
                "zero-probability problem). Use alpha > 0 (e.g. alpha=1, Laplace smoothing).",
                UserWarning)
            return float(alpha)
        warnings.warn("alpha too small will result in numeric errors, setting alpha = 1e-10",
                      UserWarning)
        return 1e-10
    return float(alpha)


def _log(a):
    with np.errstate(divide="ignore"):
        return np.log(a)


def _safe_log_dot(A, L):
    """``A @ L.T`` for non-negative ``A`` with the convention ``0 * (-inf) = 0``."""
    neg = np.isneginf(L)
    out = A @ np.where(neg, 0.0, L).T
    if neg.any():
        hit = (A > 0).astype(np.float64) @ neg.T.astype(np.float64)
        out[hit > 0] = -np.inf
    return out


def _class_log_prior(est, class_count):
    n_classes = len(class_count)
    if est.class_prior is not None:
        prior = np.asarray(est.class_prior, dtype=np.float64)
        if prior.shape != (n_classes,):
            raise ValueError("Number of priors must match number of classes.")
        if np.any(prior < 0) or not np.isclose(prior.sum(), 1.0):
            raise ValueError("class_prior must be non-negative and sum to 1")
        return _log(prior)
    if est.fit_prior:
        return _log(class_count) - np.log(class_count.sum())
    return np.full(n_classes, -np.log(n_classes))


class GaussianNB(_BaseNB):
    """Gaussian naive Bayes.

    ``log P(x | c) = -1/2 sum_j [log(2 pi var_cj) + (x_j - theta_cj)^2 / var_cj]`` with
    ``theta_cj``, ``var_cj`` the (weighted) mean and variance of feature ``j`` in class ``c``,
    ``var_cj += epsilon_ = var_smoothing * max_j var(X_j)``; ``P(c)`` = class frequency (or
    ``priors``).

    Parameters
    ----------
    priors : array of shape (n_classes,) or None.
    var_smoothing : float >= 0, default 1e-9.

    Attributes
    ----------
    classes_, class_count_, class_prior_, theta_, var_, epsilon_, n_features_in_.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[-1.0], [-1.2], [1.0], [1.1]])
    >>> GaussianNB().fit(X, [0, 0, 1, 1]).predict([[-0.8], [0.9]]).tolist()
    [0, 1]
    """

    def __init__(self, *, priors=None, var_smoothing=1e-9):
        self.priors = priors
        self.var_smoothing = var_smoothing

    def fit(self, X, y, sample_weight=None):
        vs = self.var_smoothing
        if not (isinstance(vs, numbers.Real) and not isinstance(vs, bool) and vs >= 0):
            raise ValueError(f"The 'var_smoothing' parameter must be a float >= 0; got {vs!r}")
        X, y = validate_data(self, X, y, dtype=np.float64)
        _, y_idx, sw = self._fit_targets(X, y, sample_weight)
        n_classes = len(self.classes_)
        counts = np.zeros(n_classes)
        self.theta_ = np.zeros((n_classes, X.shape[1]))
        self.var_ = np.zeros((n_classes, X.shape[1]))
        unweighted = sample_weight is None
        for k in range(n_classes):
            mask = y_idx == k
            Xk = X[mask]
            if unweighted:
                counts[k] = Xk.shape[0]
                self.theta_[k] = Xk.mean(axis=0)
                self.var_[k] = Xk.var(axis=0)          # two-pass: mean((x - mean)^2)
            else:
                wk = sw[mask]
                counts[k] = wk.sum()
                if counts[k] <= 0:
                    raise ValueError(
                        f"The class {self.classes_[k]!r} has zero total sample weight; every "
                        "class needs a positive total weight")
                self.theta_[k] = (wk @ Xk) / counts[k]
                self.var_[k] = (wk @ (Xk - self.theta_[k]) ** 2) / counts[k]
        if unweighted:
            # variance of all of X from the class moments (law of total variance): one pass less
            mu = counts @ self.theta_ / counts.sum()
            total_var = counts @ (self.var_ + (self.theta_ - mu) ** 2) / counts.sum()
        else:
            total_var = np.var(X, axis=0)
        self.epsilon_ = float(vs * total_var.max())
        self.var_ += self.epsilon_
        self.class_count_ = counts
        if self.priors is not None:
            priors = np.asarray(self.priors, dtype=np.float64)
            if len(priors) != len(self.classes_):
                raise ValueError("Number of priors must match number of classes.")
            if not np.isclose(priors.sum(), 1.0):
                raise ValueError("The sum of the priors should be 1.")
            if (priors < 0).any():
                raise ValueError("Priors must be non-negative.")
            self.class_prior_ = priors
        else:
            self.class_prior_ = counts / counts.sum()
        return self

    def _joint_log_likelihood(self, X):
        log_norm = -0.5 * np.sum(np.log(2.0 * np.pi * self.var_), axis=1)
        quad = np.empty((X.shape[0], len(self.classes_)))
        for k in range(len(self.classes_)):
            d = X - self.theta_[k]
            quad[:, k] = (d * d) @ (1.0 / self.var_[k])
        return _log(self.class_prior_) + log_norm - 0.5 * quad


class MultinomialNB(_BaseNB):
    """Multinomial naive Bayes for count features.

    ``feature_log_prob_[c, j] = log((N_cj + alpha) / (sum_j N_cj + alpha n_features))`` and
    ``log P(c) + log P(x | c) = class_log_prior_[c] + sum_j x_j feature_log_prob_[c, j]``
    (the multinomial coefficient cancels in ``P(c | x)``).

    Parameters
    ----------
    alpha : float >= 0, default 1.0 (``0`` warns: zero-probability problem).
    force_alpha : bool, default True (keep a tiny ``alpha`` as is; False clips it to 1e-10).
    fit_prior : bool, default True (False: uniform prior).
    class_prior : array or None.

    Attributes
    ----------
    classes_, class_count_, feature_count_, class_log_prior_, feature_log_prob_.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[3, 0], [2, 1], [0, 3]])
    >>> np.round(MultinomialNB().fit(X, [0, 0, 1]).feature_log_prob_, 3).tolist()
    [[-0.288, -1.386], [-1.609, -0.223]]
    """

    def __init__(self, *, alpha=1.0, force_alpha=True, fit_prior=True, class_prior=None):
        self.alpha = alpha
        self.force_alpha = force_alpha
        self.fit_prior = fit_prior
        self.class_prior = class_prior

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        # as scikit-learn: count models score poorly on the checks' continuous blobs
        tags.classifier_tags.poor_score = True
        return tags

    @staticmethod
    def _check_non_negative(X):
        if np.any(X < 0):
            raise ValueError("Negative values in data passed to MultinomialNB (input X)")

    def fit(self, X, y, sample_weight=None):
        alpha = _check_alpha(self)
        X, y = validate_data(self, X, y, dtype=np.float64)
        self._check_non_negative(X)
        Yw, _, _ = self._fit_targets(X, y, sample_weight)
        self.feature_count_ = Yw.T @ X
        self.class_count_ = Yw.sum(axis=0)
        smoothed = self.feature_count_ + alpha
        self.feature_log_prob_ = _log(smoothed) - _log(smoothed.sum(axis=1, keepdims=True))
        self.class_log_prior_ = _class_log_prior(self, self.class_count_)
        return self

    def _check_X(self, X):
        X = super()._check_X(X)
        self._check_non_negative(X)
        return X

    def _joint_log_likelihood(self, X):
        return _safe_log_dot(X, self.feature_log_prob_) + self.class_log_prior_


class BernoulliNB(_BaseNB):
    """Bernoulli naive Bayes for binary features (``X > binarize`` is the event "present").

    ``theta_cj = (N_cj + alpha) / (N_c + 2 alpha)``, ``feature_log_prob_ = log theta`` and
    ``log P(c) + log P(x | c) = class_log_prior_[c] + sum_j [x_j log theta_cj +
    (1 - x_j) log(1 - theta_cj)]`` -- an absent feature counts as evidence too.

    Parameters
    ----------
    alpha : float >= 0, default 1.0 (``0`` warns: zero-probability problem).
    force_alpha : bool, default True.
    binarize : float or None, default 0.0 (None: ``X`` is already binary).
    fit_prior : bool, default True.
    class_prior : array or None.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 1], [0, 1, 1]])
    >>> BernoulliNB().fit(X, [0, 0, 1, 1]).predict([[1, 1, 0]]).tolist()
    [0]
    """

    def __init__(self, *, alpha=1.0, force_alpha=True, binarize=0.0, fit_prior=True,
                 class_prior=None):
        self.alpha = alpha
        self.force_alpha = force_alpha
        self.binarize = binarize
        self.fit_prior = fit_prior
        self.class_prior = class_prior

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # as scikit-learn: binarised continuous blobs lose most of the class information
        tags.classifier_tags.poor_score = True
        return tags

    def _binarize(self, X):
        if self.binarize is None:
            return X
        return (X > self.binarize).astype(np.float64)

    def fit(self, X, y, sample_weight=None):
        alpha = _check_alpha(self)
        if self.binarize is not None and not (isinstance(self.binarize, numbers.Real)
                                              and not isinstance(self.binarize, bool)):
            raise ValueError(f"The 'binarize' parameter must be a float or None; got {self.binarize!r}")
        X, y = validate_data(self, X, y, dtype=np.float64)
        X = self._binarize(X)
        Yw, _, _ = self._fit_targets(X, y, sample_weight)
        self.feature_count_ = Yw.T @ X
        self.class_count_ = Yw.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.feature_log_prob_ = _log(self.feature_count_ + alpha) - _log(
                self.class_count_ + 2 * alpha)[:, None]
        self.class_log_prior_ = _class_log_prior(self, self.class_count_)
        return self

    def _check_X(self, X):
        return self._binarize(super()._check_X(X))

    def _joint_log_likelihood(self, X):
        log_p = self.feature_log_prob_
        log_not_p = _log(-np.expm1(log_p))        # log(1 - p), -inf where p = 1
        if self.binarize is None and np.any((X != 0) & (X != 1)):
            # non-binary input with binarize=None: use scikit-learn's linear form
            return X @ (log_p - log_not_p).T + log_not_p.sum(axis=1) + self.class_log_prior_
        return (_safe_log_dot(X, log_p) + _safe_log_dot(1.0 - X, log_not_p)
                + self.class_log_prior_)
