"""Resumable training: everything a run needs to carry on from an epoch boundary as if it had
never stopped -- model, optimizer, scheduler, epoch, history, callback states and the state
of every random generator involved -- in one checkpoint written atomically each epoch.

    >>> trainer = ember.train.Trainer(model, opt, callbacks=[                 # doctest: +SKIP
    ...     ember.train.TrainingCheckpoint("run/last.safetensors", generators={"loader": g})])
    >>> ...                                     # later, after a crash or Ctrl-C:
    >>> resume(trainer, "run/last.safetensors", generators={"loader": g})    # doctest: +SKIP
    >>> trainer.fit(loader, val, epochs=total - len(trainer.history))         # doctest: +SKIP

Resuming restores the weights, the optimizer's moments, the scheduler, the history and the
generators (shuffling order, dropout masks, augmentation), so an interrupted and resumed run
ends with weights identical to an uninterrupted one, bit for bit.
"""
from pathlib import Path

from ..random import default_generator
from ..serialization import load, save
from .callbacks import Callback

FORMAT = "ember-training-state/1"


def training_state(trainer, generators=None, extra=None):
    """A dict with the trainer's complete state at an epoch boundary (see the module docstring)."""
    gens = {"default": default_generator, **(generators or {})}
    state = {
        "format": FORMAT,
        "epoch": len(trainer.history),
        "step_count": trainer.step_count,
        "model": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict(),
        "scheduler": None if trainer.scheduler is None else trainer.scheduler.state_dict(),
        "history": trainer.history.records,
        "callbacks": [cb.state_dict() for cb in trainer.callbacks],
        "generators": {k: g.get_state() for k, g in gens.items() if g is not None},
    }
    if extra:
        state.update(extra)
    return state


def restore_training_state(trainer, state, generators=None):
    """Put ``state`` (from :func:`training_state`) back into ``trainer`` and the generators."""
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"resume: not a training checkpoint (format {state.get('format') if isinstance(state, dict) else None!r}, "
                         f"expected {FORMAT!r})")
    trainer.model.load_state_dict(state["model"])
    trainer.optimizer.load_state_dict(state["optimizer"])
    if (state["scheduler"] is None) != (trainer.scheduler is None):
        raise ValueError("resume: the checkpoint and the trainer disagree on having a learning-rate scheduler")
    if trainer.scheduler is not None:
        trainer.scheduler.load_state_dict(state["scheduler"])
    saved_cbs = state["callbacks"]
    if len(saved_cbs) != len(trainer.callbacks):
        raise ValueError(f"resume: the checkpoint has {len(saved_cbs)} callback states, the trainer "
                         f"{len(trainer.callbacks)} callbacks")
    for cb, s in zip(trainer.callbacks, saved_cbs):
        if s:
            cb.load_state_dict(s)
    trainer.history.records = {k: list(v) for k, v in state["history"].items()}
    trainer.step_count = state["step_count"]
    gens = {"default": default_generator, **(generators or {})}
    missing = [k for k, g in gens.items() if g is not None and k not in state["generators"]]
    if missing:
        raise ValueError(f"resume: the checkpoint holds no state for generators {missing}")
    for k, g in gens.items():
        if g is not None:
            g.set_state(state["generators"][k])


def resume(trainer, path, generators=None):
    """Load the checkpoint at ``path`` into ``trainer`` (and the generators); returns its dict."""
    state = load(path)
    restore_training_state(trainer, state, generators)
    return state


class TrainingCheckpoint(Callback):
    """Write :func:`training_state` to ``path`` (atomically) at the end of every epoch; a run
    that dies loses at most the epoch in progress. ``extra`` (e.g. the run's config) is
    stored beside it."""

    def __init__(self, path, generators=None, extra=None):
        self.path, self.generators, self.extra = Path(path), generators, extra

    def on_epoch_end(self, trainer, epoch, logs):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # the history is appended before the callbacks run, so len(history) == epoch here
        save(training_state(trainer, self.generators, self.extra), str(self.path))
