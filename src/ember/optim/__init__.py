"""``ember.optim``: optimizers with PyTorch's names, defaults and update rules, learning-rate
schedulers (:mod:`ember.optim.lr_scheduler`) and weight penalties
(:mod:`ember.optim.regularization`).

    >>> import ember, ember.optim
    >>> w = ember.randn(3, requires_grad=True)
    >>> opt = ember.optim.Adam([w], lr=0.1)
    >>> for _ in range(100):
    ...     opt.zero_grad()
    ...     loss = ((w - 1.0) ** 2).sum()
    ...     loss.backward()
    ...     opt.step()
    >>> bool(((w - 1.0).abs() < 0.1).all())
    True
"""
from .optimizer import Optimizer, required  # noqa: F401
from .sgd import SGD  # noqa: F401
from .adaptive import Adagrad, Adadelta, RMSprop, Adam, AdamW, NAdam  # noqa: F401
from .lbfgs import LBFGS  # noqa: F401
from .second_order import BFGS, ConjugateGradient, Newton  # noqa: F401
from . import lr_scheduler, regularization  # noqa: F401

__all__ = ["Optimizer", "SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "NAdam", "LBFGS", "BFGS",
           "ConjugateGradient", "Newton",
           "lr_scheduler", "regularization"]
