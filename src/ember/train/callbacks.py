"""Trainer callbacks: early stopping (restoring the best weights), checkpoints, and an
optimizer switch (the notes' Adam-then-SGD)."""
import copy
import math
from pathlib import Path

import numpy as np


class Callback:
    """Hooks called by ``Trainer.fit``; ``logs`` holds the epoch's metrics."""

    def on_train_begin(self, trainer):
        pass

    def on_epoch_begin(self, trainer, epoch):
        pass

    def on_epoch_end(self, trainer, epoch, logs):
        pass

    def on_train_end(self, trainer):
        pass

    def state_dict(self):
        """What a resumed run needs to carry on as if uninterrupted (nothing by default)."""
        return {}

    def load_state_dict(self, state):
        pass


def _better(mode, value, best, min_delta):
    if best is None:
        return True
    return value < best - min_delta if mode == "min" else value > best + min_delta


def _check_monitor(monitor, mode, cls):
    if mode not in ("min", "max", "auto"):
        raise ValueError(f"{cls}: mode={mode!r} must be 'min', 'max' or 'auto'")
    if mode == "auto":
        mode = "max" if "acc" in monitor else "min"
    return mode


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs;
    with ``restore_best_weights`` the model ends with the weights of its best epoch."""

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="auto", restore_best_weights=True):
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience={patience} must be >= 0")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode = _check_monitor(monitor, mode, "EarlyStopping")
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, trainer):
        if getattr(self, "_resumed", False):      # load_state_dict came first: keep that state
            self._resumed = False
            return
        self.best, self.best_epoch, self.wait, self.best_state, self.stopped_epoch = None, None, 0, None, None

    def state_dict(self):
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "best_state": self.best_state, "stopped_epoch": self.stopped_epoch}

    def load_state_dict(self, state):
        self.best, self.best_epoch, self.wait = state["best"], state["best_epoch"], state["wait"]
        self.best_state, self.stopped_epoch = state["best_state"], state["stopped_epoch"]
        self._resumed = True

    def on_epoch_end(self, trainer, epoch, logs):
        value = logs.get(self.monitor)
        if value is None:
            raise ValueError(f"EarlyStopping: monitor={self.monitor!r} is not among the logged metrics "
                           f"{sorted(logs)}; pass validation data or monitor another metric")
        if not math.isfinite(value):
            self.wait += 1
        elif _better(self.mode, value, self.best, self.min_delta):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_state = {k: np.array(v.array, copy=True) for k, v in trainer.model.state_dict().items()}
            return
        else:
            self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            trainer.stop_training = True

    def on_train_end(self, trainer):
        if self.restore_best_weights and self.best_state is not None:
            trainer.model.load_state_dict(self.best_state)
            trainer.best_epoch = self.best_epoch


class ModelCheckpoint(Callback):
    """Save the model (safetensors) after each epoch, or only when ``monitor`` improves.
    With ``save_weights_only=False`` the file holds the whole training state (optimizer,
    scheduler, epoch, history, generators: :func:`ember.train.checkpoint.training_state`),
    from which :func:`ember.train.resume` continues."""

    def __init__(self, path, monitor="val_loss", mode="auto", save_best_only=True, save_weights_only=True):
        self.path, self.monitor, self.save_best_only = Path(path), monitor, save_best_only
        self.save_weights_only = save_weights_only
        self.mode = _check_monitor(monitor, mode, "ModelCheckpoint")
        self.best = None
        self.saved_epochs = []

    def state_dict(self):
        return {"best": self.best, "saved_epochs": list(self.saved_epochs)}

    def load_state_dict(self, state):
        self.best, self.saved_epochs = state["best"], list(state["saved_epochs"])

    def on_epoch_end(self, trainer, epoch, logs):
        from ..serialization import save
        value = logs.get(self.monitor)
        if self.save_best_only:
            if value is None:
                raise ValueError(f"ModelCheckpoint: monitor={self.monitor!r} is not among the logged "
                                 f"metrics {sorted(logs)}; pass validation data or monitor another metric")
            if not math.isfinite(value) or not _better(self.mode, value, self.best, 0.0):
                return
            self.best = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.saved_epochs.append(epoch)
        if self.save_weights_only:
            save(trainer.model.state_dict(), str(self.path))
        else:
            from .checkpoint import training_state
            save(training_state(trainer), str(self.path))


class SwitchOptimizer(Callback):
    """At the start of epoch ``epoch`` replace the optimizer with ``make_optimizer(params)``
    (e.g. Adam early for speed, then SGD for the final epochs, as the notes suggest)."""

    def __init__(self, epoch, make_optimizer):
        self.epoch, self.make_optimizer = epoch, make_optimizer

    def on_epoch_begin(self, trainer, epoch):
        if epoch == self.epoch:
            trainer.optimizer = self.make_optimizer(trainer.model.parameters())
            if trainer.scheduler is not None:
                trainer.scheduler.optimizer = trainer.optimizer


class LambdaCallback(Callback):
    def __init__(self, on_epoch_end=None):
        self._end = on_epoch_end

    def on_epoch_end(self, trainer, epoch, logs):
        if self._end:
            self._end(trainer, epoch, logs)


def snapshot(model):
    """A deep copy of a model's state (for ensembles of snapshots)."""
    return copy.deepcopy({k: np.array(v.array) for k, v in model.state_dict().items()})
