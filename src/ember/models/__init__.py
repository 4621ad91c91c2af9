"""The architecture zoo, with torchvision-like constructors, and a name registry for the CLI."""
from .mlp import mlp, MLP  # noqa: F401

_REGISTRY = {"mlp": mlp}


def register(name, constructor):
    """Make a constructor available to ``ember train --model NAME``."""
    _REGISTRY[name] = constructor


def get_model(name, **kwargs):
    """Build a registered model by name; an unknown name lists the valid ones."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; valid models: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name](**kwargs)


def available_models():
    return sorted(_REGISTRY)
