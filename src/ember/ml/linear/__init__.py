"""Linear models: least squares, ridge, lasso, logistic regression and the perceptron.

Names, arguments, defaults and fitted attributes follow scikit-learn. Intercepts are never
penalised: with ``fit_intercept=True`` the (weighted) column means are removed from ``X`` and
``y`` before solving for ``coef_``, and ``intercept_ = mean(y) - mean(X) @ coef_`` (logistic
regression carries the intercept as an unpenalised parameter instead).

The package is laid out as scikit-learn's ``linear_model/``: ``_least_squares.py``
(``LinearRegression``, ``Ridge``: closed forms), ``_coordinate_descent.py`` (``Lasso``),
``_logistic.py`` (``LogisticRegression`` and its loss), ``_perceptron.py`` and ``_base.py``
(parameter checks, centring, the shared ``predict`` / ``decision_function``).

Example
-------
    >>> import numpy as np
    >>> from ember.ml.linear import LinearRegression, LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> reg = LinearRegression().fit(X, 2 * X.ravel() + 1)
    >>> round(float(reg.coef_[0]), 6), round(float(reg.intercept_), 6)
    (2.0, 1.0)
    >>> LogisticRegression().fit(X, [0, 0, 1, 1]).predict([[0.2], [2.8]]).tolist()
    [0, 1]
"""
from ._coordinate_descent import Lasso
from ._least_squares import LinearRegression, Ridge
from ._logistic import LogisticRegression
from ._perceptron import Perceptron

__all__ = ["LinearRegression", "Ridge", "Lasso", "LogisticRegression", "Perceptron"]
