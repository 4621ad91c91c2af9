"""``ember.utils``: where PyTorch users look for ``utils.data``."""
from . import data  # noqa: F401
