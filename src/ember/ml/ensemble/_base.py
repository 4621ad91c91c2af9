"""What the forests and bagging share: parameter checks, seeds and out-of-bag estimates."""
import numbers
import warnings

import numpy as np

_MAX_INT = np.iinfo(np.int32).max


def _check_positive_int(name, value):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an int >= 1; got {value!r}.")


def oob_sums(outputs, n, width, warning):
    """Sum the out-of-bag outputs of an ensemble: ``outputs`` yields ``(mask, values)``, the
    (k, width) outputs of one estimator on the k training samples of ``mask`` it did not
    see.  Returns the per-sample sums (n, width) and counts (n,), with ``warning`` when some
    sample was never out of bag."""
    acc = np.zeros((n, width))
    hits = np.zeros(n)
    for oob, values in outputs:
        acc[oob] += values
        hits[oob] += 1
    if np.any(hits == 0):
        warnings.warn(warning, UserWarning)
    return acc, hits


def safe_divide(num, den):
    """``num / den`` where ``den > 0``, 0 elsewhere."""
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def oob_accuracy(y, proba):
    """Accuracy of the argmax of the out-of-bag class scores (``y`` encoded as indices)."""
    return float(np.mean(np.argmax(proba, axis=1) == y))


def oob_r2(y, pred):
    """R^2 of the out-of-bag predictions."""
    return float(1.0 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))
