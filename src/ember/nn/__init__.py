"""``ember.nn``: modules, parameters, initialisation and the functional API, with PyTorch's names."""
from .parameter import Parameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from . import functional, init  # noqa: F401


def __getattr__(name):
    if name == "utils":
        import importlib
        return importlib.import_module("ember.nn.utils")
    raise AttributeError(f"module 'ember.nn' has no attribute {name!r}")
