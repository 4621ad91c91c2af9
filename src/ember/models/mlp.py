"""Multi-layer perceptrons."""
from .. import nn

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "leaky_relu": nn.LeakyReLU,
                "elu": nn.ELU, "prelu": nn.PReLU, "identity": nn.Identity}


class MLP(nn.Sequential):
    """Linear layers with an activation (and optional batch norm / dropout) between them:
    in -> hidden[0] -> ... -> hidden[-1] -> num_classes."""

    def __init__(self, in_features=64, hidden=(128,), num_classes=10, activation="relu", dropout=0.0,
                 batch_norm=False):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"MLP: activation={activation!r} must be one of {sorted(_ACTIVATIONS)}")
        layers, prev = [], in_features
        for h in hidden:
            layers.append(nn.Linear(prev, h))
            if batch_norm:
                layers.append(nn.BatchNorm1d(h))
            layers.append(_ACTIVATIONS[activation]())
            if dropout:
                layers.append(nn.Dropout(dropout))
            prev = h
        layers.append(nn.Linear(prev, num_classes))
        super().__init__(*layers)
        self.config = {"in_features": in_features, "hidden": list(hidden), "num_classes": num_classes,
                       "activation": activation, "dropout": dropout, "batch_norm": batch_norm}


def mlp(in_features=64, hidden=(128,), num_classes=10, activation="relu", dropout=0.0, batch_norm=False):
    """Build an :class:`MLP` (``ember train --model mlp``)."""
    return MLP(in_features, tuple(hidden), num_classes, activation, dropout, batch_norm)
