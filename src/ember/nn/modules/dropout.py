"""Dropout: inverted (torch's default) or classic (the notes' test-time scaling)."""
import numbers

from .. import functional as F
from .module import Module


class Dropout(Module):
    """Zero each activation with probability ``p`` in training mode.

    ``scaling="inverted"``: kept values are divided by 1 - p in training; identity in eval.
    ``scaling="classic"``: no scaling in training; eval multiplies by 1 - p (the keep
    probability), as the notes describe. Both keep the expected activation the same.

        >>> import ember
        >>> d = ember.nn.Dropout(0.5).eval()
        >>> d(ember.ones(3)).tolist()
        [1.0, 1.0, 1.0]
    """

    def __init__(self, p=0.5, inplace=False, scaling="inverted", generator=None):
        super().__init__()
        if not isinstance(p, numbers.Real) or p != p or not 0 <= p < 1:
            raise ValueError(f"Dropout: p={p!r} must be a probability in [0, 1)")
        if scaling not in ("inverted", "classic"):
            raise ValueError(f"Dropout: scaling={scaling!r} must be 'inverted' or 'classic'")
        self.p, self.scaling, self.generator = float(p), scaling, generator

    def forward(self, input):
        return F.dropout(input, self.p, self.training, generator=self.generator, scaling=self.scaling)

    def extra_repr(self):
        return f"p={self.p}, scaling={self.scaling}"
