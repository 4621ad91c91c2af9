"""Hidden Markov models with hmmlearn's API: ``CategoricalHMM`` (symbols), ``GaussianHMM``
(Gaussian emissions, covariance "diag", "full", "spherical" or "tied") and ``GMMHMM``
(Gaussian-mixture emissions).

Model: hidden states ``z_t in {0..K-1}``, ``P(z_1 = i) = pi_i``,
``P(z_t = j | z_{t-1} = i) = A_ij``, and an emission density ``b_j(x_t) = P(x_t | z_t = j)``.
All recursions run in log space (``_kernels.py``), so long sequences do not underflow:

* forward:   ``log alpha_1 = log pi + log b_1``,
  ``log alpha_t(j) = log b_t(j) + logsumexp_i(log alpha_{t-1}(i) + log A_ij)``;
  ``log P(x) = logsumexp_j log alpha_T(j)``  (``score``)
* backward:  ``log beta_T = 0``, ``log beta_t(i) = logsumexp_j(log A_ij + log b_{t+1}(j) + log beta_{t+1}(j))``
* posteriors ``gamma_t(i) = exp(log alpha_t(i) + log beta_t(i) - log P(x))``  (``predict_proba``)
* Viterbi:   ``delta_t(j) = log b_t(j) + max_i(delta_{t-1}(i) + log A_ij)`` with back-pointers
  (``decode`` / ``predict``)
* Baum-Welch (``fit``): E-step expected counts ``gamma_1``, ``sum_t xi_t(i, j)`` with
  ``xi_t(i,j) = alpha_t(i) A_ij b_{t+1}(j) beta_{t+1}(j) / P(x)`` and the emission's
  posterior-weighted statistics; M-step ``p = max(prior - 1 + counts, 0)`` normalised (MAP
  with Dirichlet priors; ``prior = 1`` is maximum likelihood).  Entries of ``startprob_`` /
  ``transmat_`` that are exactly 0 stay 0, as in hmmlearn.

These are scikit-learn ``BaseEstimator`` s that follow hmmlearn's API (``fit(X, lengths)``,
unsupervised, ``X`` a column of symbols or a matrix of observations), not classifiers: they
are not run through scikit-learn's ``check_estimator`` (hmmlearn's are not either).

    >>> import numpy as np
    >>> from ember.ml.hmm import CategoricalHMM
    >>> m = CategoricalHMM(n_components=2)
    >>> m.startprob_ = np.array([0.6, 0.4])
    >>> m.transmat_ = np.array([[0.7, 0.3], [0.4, 0.6]])
    >>> m.emissionprob_ = np.array([[0.1, 0.4, 0.5], [0.6, 0.3, 0.1]])
    >>> X = np.array([[0], [1], [2]])
    >>> round(float(m.score(X)), 6), m.predict(X).tolist()
    (-3.392872, [1, 0, 0])
"""
from ._base import ConvergenceMonitor
from ._categorical import CategoricalHMM
from ._gaussian import GaussianHMM
from ._gmm import GMMHMM

__all__ = ["CategoricalHMM", "ConvergenceMonitor", "GMMHMM", "GaussianHMM"]
