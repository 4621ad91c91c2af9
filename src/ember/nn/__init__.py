"""``ember.nn``: modules, parameters, initialisation, utilities and the functional API, with
PyTorch's names."""
from .parameter import Parameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from . import functional, init, utils, parallel  # noqa: F401
from .parallel import DataParallel  # noqa: F401
