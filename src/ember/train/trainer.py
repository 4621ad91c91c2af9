"""``Trainer``: the training loop with validation, history, callbacks, schedulers,
gradient clipping, anomaly detection and a progress bar.

    >>> import ember
    >>> from ember.data import DataLoader
    >>> from ember.data.datasets import load_digits
    >>> model = ember.models.mlp(64, (32,), 10)
    >>> opt = ember.optim.Adam(model.parameters(), lr=1e-2)
    >>> trainer = ember.train.Trainer(model, opt, progress=False)
    >>> hist = trainer.fit(DataLoader(load_digits("train"), batch_size=64, shuffle=True), epochs=2)
    >>> len(hist["loss"])
    2
"""
import signal
import sys
import threading
import time

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from .anomaly import detect_anomaly as _detect_anomaly, check_loss
from .history import History


def _grad_norm(params):
    total = 0.0
    for p in params:
        if p.grad is not None:
            g = p.grad.array
            total += float(np.dot(g.reshape(-1), g.reshape(-1)))
    return total ** 0.5


class Trainer:
    """Train ``model`` with ``optimizer`` on ``loss_fn`` (cross-entropy by default).

    Args:
        scheduler: an ``ember.optim.lr_scheduler`` scheduler, stepped once per epoch
            (``ReduceLROnPlateau`` receives the validation loss, or the training loss).
        callbacks: ``EarlyStopping``, ``ModelCheckpoint``, ``SwitchOptimizer``...
        clip_grad_norm: clip the total gradient norm to this value before each step.
        detect_anomaly: stop at the first NaN/inf loss, activation or gradient, or a
            gradient norm above ``max_grad_norm``, naming the module or parameter.
        progress: show a tqdm bar (default: only when stderr is a terminal).
        accuracy: compute accuracy for classification outputs.
        train_transform: applied to each training batch's inputs (data augmentation, e.g.
            ``ember.data.transforms.RandomCrop``, which transforms a whole batch at once).
    """

    def __init__(self, model, optimizer, loss_fn=None, scheduler=None, callbacks=(), clip_grad_norm=None,
                 detect_anomaly=False, max_grad_norm=1e6, progress=None, accuracy=True, train_transform=None):
        if not isinstance(model, nn.Module):
            raise TypeError(f"Trainer: model must be an ember.nn.Module, got {type(model).__name__}")
        self.model, self.optimizer = model, optimizer
        self.loss_fn = loss_fn if loss_fn is not None else nn.CrossEntropyLoss()
        self.scheduler, self.callbacks = scheduler, list(callbacks)
        if clip_grad_norm is not None and not clip_grad_norm > 0:
            raise ValueError(f"Trainer: clip_grad_norm={clip_grad_norm} must be positive")
        self.clip_grad_norm, self.detect_anomaly, self.max_grad_norm = clip_grad_norm, detect_anomaly, max_grad_norm
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.accuracy = accuracy
        self.train_transform = train_transform
        self.history = History()
        self.stop_training = False
        self.interrupted = False
        self.best_epoch = None
        self.step_count = 0

    # ---- one step ------------------------------------------------------------------------
    def train_step(self, x, y):
        out = self.model(x)
        loss = self.loss_fn(out, y)
        if self.detect_anomaly:
            check_loss(loss, self.step_count)
        self.optimizer.zero_grad()
        loss.backward()
        gnorm = _grad_norm(self.model.parameters())
        if self.clip_grad_norm is not None:
            from ..nn.utils import clip_grad_norm_
            clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
        self.optimizer.step()
        self.step_count += 1
        return loss, out, gnorm

    def _correct(self, out, y):
        if not self.accuracy or out.ndim != 2 or not isinstance(y, Tensor) or y.dtype.kind not in "iu":
            return None
        return int((out.array.argmax(1) == y.array).sum())

    # ---- loops ---------------------------------------------------------------------------
    def fit(self, train_loader, val_loader=None, epochs=10):
        """Train for ``epochs`` epochs (fewer if a callback stops it); returns the History."""
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"Trainer.fit: epochs={epochs!r} must be a positive int")
        if val_loader is None:      # fail now, not with a KeyError (or silently) epochs later
            for cb in self.callbacks:
                monitor = getattr(cb, "monitor", None)
                if isinstance(monitor, str) and monitor.startswith("val_"):
                    raise ValueError(f"Trainer.fit: {type(cb).__name__} monitors {monitor!r}, which needs "
                                     f"validation data: pass val_loader, or monitor 'loss'/'accuracy'")
        from tqdm.auto import tqdm
        self.stop_training = self.interrupted = False
        for cb in self.callbacks:
            cb.on_train_begin(self)
        start_epoch = len(self.history) + 1
        guard = _detect_anomaly(self.model, self.max_grad_norm) if self.detect_anomaly else None
        sigint = _StopOnInterrupt(self)
        try:
            sigint.__enter__()
            if guard:
                guard.__enter__()
            for epoch in range(start_epoch, start_epoch + epochs):
                for cb in self.callbacks:
                    cb.on_epoch_begin(self, epoch)
                t0 = time.perf_counter()
                self.model.train()
                total, n, correct, counted, gnorms = 0.0, 0, 0, 0, []
                bar = tqdm(train_loader, desc=f"epoch {epoch}", leave=False, disable=not self.progress,
                           dynamic_ncols=True)
                for x, y in bar:
                    if self.train_transform is not None:
                        x = self.train_transform(x)
                    loss, out, gnorm = self.train_step(x, y)
                    b = x.shape[0]
                    total += float(loss.array) * b
                    n += b
                    gnorms.append(gnorm)
                    c = self._correct(out, y)
                    if c is not None:
                        correct += c
                        counted += b
                    bar.set_postfix(loss=f"{total / n:.4f}")
                    if self.interrupted:        # Ctrl-C: stop at this step boundary
                        break
                if self.interrupted:            # the epoch is incomplete: not logged
                    break
                logs = {"epoch": epoch, "loss": total / max(n, 1),
                        "lr": float(self.optimizer.param_groups[0]["lr"]),
                        "grad_norm": float(np.mean(gnorms)) if gnorms else None}
                if counted:
                    logs["accuracy"] = correct / counted
                if val_loader is not None:
                    val = self.evaluate(val_loader)
                    logs["val_loss"] = val["loss"]
                    if "accuracy" in val:
                        logs["val_accuracy"] = val["accuracy"]
                logs["time"] = time.perf_counter() - t0
                self._step_scheduler(logs)
                self.history.append(logs)
                if self.progress:
                    shown = {k: v for k, v in logs.items() if k not in ("epoch", "time") and v is not None}
                    tqdm.write(f"epoch {epoch}: " + "  ".join(f"{k} {v:.4g}" for k, v in shown.items()))
                for cb in self.callbacks:
                    cb.on_epoch_end(self, epoch, logs)
                if self.stop_training:
                    break
        finally:
            if guard:
                guard.__exit__(None, None, None)
            sigint.__exit__()
        if self.interrupted:    # no on_train_end: the model keeps its weights (e.g. no best-weight restore)
            return self.history
        for cb in self.callbacks:
            cb.on_train_end(self)
        return self.history

    def _step_scheduler(self, logs):
        s = self.scheduler
        if s is None:
            return
        from ..optim.lr_scheduler import ReduceLROnPlateau
        if isinstance(s, ReduceLROnPlateau):
            s.step(logs.get("val_loss", logs["loss"]))
        else:
            s.step()

    def evaluate(self, loader):
        """Mean loss (and accuracy for classification) over a loader, in eval mode."""
        self.model.eval()
        total, n, correct, counted = 0.0, 0, 0, 0
        with no_grad():
            for x, y in loader:
                out = self.model(x)
                b = x.shape[0]
                total += float(self.loss_fn(out, y).array) * b
                n += b
                c = self._correct(out, y)
                if c is not None:
                    correct += c
                    counted += b
        res = {"loss": total / max(n, 1)}
        if counted:
            res["accuracy"] = correct / counted
        return res

    def predict(self, x, batch_size=256):
        """Model outputs for a tensor (in eval mode, batched, no graph)."""
        from ..ops.shape import cat
        self.model.eval()
        with no_grad():
            outs = [self.model(x[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)]
        return cat(outs, 0)


class _StopOnInterrupt:
    """While ``fit`` runs (in the main thread), the first Ctrl-C sets ``trainer.interrupted``
    so that training stops after the current step, with weights and optimizer state
    consistent; a second Ctrl-C interrupts at once, as usual."""

    def __init__(self, trainer):
        self.trainer, self.old = trainer, None

    def _handle(self, signum, frame):
        if self.trainer.interrupted:
            raise KeyboardInterrupt
        self.trainer.interrupted = True
        print("\ninterrupted: stopping after this step (Ctrl-C again to stop at once)", file=sys.stderr)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.old = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        if self.old is not None:
            signal.signal(signal.SIGINT, self.old)
            self.old = None


def fit(model, optimizer, train_loader, val_loader=None, epochs=10, **kwargs):
    """Shortcut for ``Trainer(model, optimizer, **kwargs).fit(...)``."""
    return Trainer(model, optimizer, **kwargs).fit(train_loader, val_loader, epochs)
