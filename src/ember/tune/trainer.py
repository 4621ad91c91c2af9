"""Searching the hyper-parameters of an :class:`ember.train.Trainer` run."""

__all__ = ["trainer_objective"]


class _Report:
    """A Trainer callback handing the epoch's ``metric`` to the search's ``report`` (which
    may stop the trial)."""

    def __init__(self, report, metric):
        self.report, self.metric = report, metric

    def on_train_begin(self, trainer):
        pass

    def on_epoch_begin(self, trainer, epoch):
        pass

    def on_epoch_end(self, trainer, epoch, logs):
        if logs.get(self.metric) is not None:
            self.report(logs[self.metric], epoch)

    def on_train_end(self, trainer):
        pass


def trainer_objective(build, metric="val_loss", epochs=10, reduce="last"):
    """An objective ``(params, report) -> float`` that trains what ``build(params)`` returns,
    ``(trainer, train_loader, val_loader)``, for ``params.get("epochs", epochs)`` epochs,
    reports ``metric`` after each epoch (so a scheduler can stop it early) and returns its
    last (``reduce="last"``) or best (``"min"``/``"max"``) value.

        >>> import ember
        >>> from ember import tune
        >>> from ember.data import DataLoader
        >>> from ember.data.datasets import load_digits
        >>> def build(p):
        ...     ember.manual_seed(0)
        ...     model = ember.models.mlp(64, (16,), 10)
        ...     t = ember.train.Trainer(model, ember.optim.Adam(model.parameters(), lr=p["lr"]), progress=False)
        ...     return t, DataLoader(load_digits("train"), batch_size=128), DataLoader(load_digits("test"), batch_size=256)
        >>> r = tune.GridSearch(tune.trainer_objective(build, epochs=1), {"lr": tune.grid_search([1e-3, 1e-2])},
        ...                     backend="serial").run()
        >>> r.best_params
        {'lr': 0.01}
    """
    if reduce not in ("last", "min", "max"):
        raise ValueError(f"trainer_objective: reduce={reduce!r}; expected 'last', 'min' or 'max'")

    def objective(params, report):
        trainer, train_loader, val_loader = build(params)
        trainer.callbacks = list(trainer.callbacks) + [_Report(report, metric)]
        hist = trainer.fit(train_loader, val_loader, epochs=int(params.get("epochs", epochs)))
        if metric not in hist:
            raise KeyError(f"trainer_objective: metric {metric!r} is not in the history "
                           f"({', '.join(hist.keys())}); pass val_loader or another metric")
        vals = [v for v in hist[metric] if v is not None]
        return vals[-1] if reduce == "last" else (min(vals) if reduce == "min" else max(vals))
    return objective
