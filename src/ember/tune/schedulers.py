"""Early stopping of bad trials: an objective that takes a second argument ``report`` calls
``report(value, step)`` as it goes (e.g. once per epoch); a scheduler compares the value
with what earlier trials reported at the same step and, for a bad trial, ``report``
raises :class:`TrialPruned`, which ends the trial (its last value is kept, marked
``"pruned"``).

A trial is judged against the trials of earlier rounds only (a snapshot taken when it
starts), so the decisions, like the proposals, do not depend on which worker finishes
first: the local and Ray backends give the same search for the same seed.
"""
import numpy as np

__all__ = ["TrialPruned", "MedianStopping", "SuccessiveHalving", "Reporter"]


class TrialPruned(Exception):
    """Raised by ``report`` to stop a trial that the scheduler judged bad."""


class MedianStopping:
    """Stop a trial whose value at a step is worse than the median of the earlier trials'
    values at that step (Google Vizier's median stopping rule), once at least
    ``min_samples`` of them reached the step and after ``grace_period`` steps."""

    def __init__(self, grace_period=1, min_samples=3):
        if grace_period < 0 or min_samples < 1:
            raise ValueError(f"MedianStopping: grace_period={grace_period!r} must be >= 0 and "
                             f"min_samples={min_samples!r} >= 1")
        self.grace_period, self.min_samples = grace_period, min_samples

    def should_stop(self, value, step, history):
        if step < self.grace_period:
            return False
        others = [h[step] for h in history if step in h]
        return len(others) >= self.min_samples and value > float(np.median(others))


class SuccessiveHalving:
    """Asynchronous successive halving: at the rungs ``min_resource * eta^k`` a trial goes on
    only if its value is in the best ``1/eta`` of the values earlier trials reported at
    that rung (judged once ``eta`` of them did)."""

    def __init__(self, min_resource=1, eta=3, max_resource=None):
        if min_resource < 1 or eta < 2:
            raise ValueError(f"SuccessiveHalving: min_resource={min_resource!r} must be >= 1 and "
                             f"eta={eta!r} >= 2")
        self.min_resource, self.eta, self.max_resource = min_resource, eta, max_resource

    def rungs(self, upto):
        r, out = self.min_resource, []
        while r <= upto and (self.max_resource is None or r < self.max_resource):
            out.append(r)
            r *= self.eta
        return out

    def should_stop(self, value, step, history):
        if step not in self.rungs(step):
            return False
        others = [h[step] for h in history if step in h]
        if len(others) < self.eta:
            return False
        keep = max(1, len(others) // self.eta)
        return value > sorted(others)[keep - 1]


class Reporter:
    """The ``report(value, step=None)`` handed to an objective: records intermediate values
    (converted to minimisation) and raises :class:`TrialPruned` when the scheduler says so."""

    def __init__(self, scheduler, history, sign):
        self.scheduler, self.history, self.sign = scheduler, history, sign
        self.values = {}

    def __call__(self, value, step=None):
        step = len(self.values) + 1 if step is None else int(step)
        v = self.sign * float(value)
        self.values[step] = v
        if self.scheduler is not None and np.isfinite(v) and self.scheduler.should_stop(v, step, self.history):
            raise TrialPruned(f"stopped at step {step}")
