"""The outcome of a search: its trials, the best one, a CSV/JSON table, the best-so-far
curve, parameter importances and their plots."""
import csv
import json
import math

import numpy as np

from .space import Domain

__all__ = ["Result", "parameter_importance"]


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


def parameter_importance(trials, space):
    """For each searched parameter, the share of the variance of the values explained by it
    alone: the values are grouped by the parameter (its categories, or quantile bins of a
    numeric parameter) and the variance of the group means is divided by the total
    variance (a one-way analysis of variance; 0 = no effect, 1 = determines the value)."""
    done = [t for t in trials if t["status"] == "ok" and math.isfinite(t["value"])]
    out = {}
    if len(done) < 3:
        return out
    y = np.array([t["value"] for t in done])
    total = y.var()
    for name, dom in space.items():
        if not isinstance(dom, Domain):
            continue
        x = [t["params"][name] for t in done]
        if dom.discrete:
            keys = [repr(v) for v in x]
        else:
            u = np.array([dom.to_unit(v) for v in x])
            k = max(2, min(5, len(done) // 3))
            edges = np.quantile(u, np.linspace(0, 1, k + 1)[1:-1])
            keys = list(np.searchsorted(edges, u))
        groups = {}
        for key, v in zip(keys, y):
            groups.setdefault(key, []).append(v)
        between = sum(len(g) * (np.mean(g) - y.mean()) ** 2 for g in groups.values()) / len(y)
        out[name] = float(between / total) if total > 0 else 0.0
    return out


class Result:
    """``trials`` (dicts with ``trial_id, params, value, status, reports, seconds``, in trial
    order), ``best_params``, ``best_value``, ``best_trial`` (among the completed trials, by
    ``mode``)."""

    def __init__(self, trials, space, mode):
        self.trials, self.space, self.mode = list(trials), space, mode
        ok = [t for t in self.trials if t["status"] == "ok" and not math.isnan(t["value"])]
        if ok:
            pick = min if mode == "min" else max
            self.best_trial = pick(ok, key=lambda t: t["value"])
            self.best_params, self.best_value = dict(self.best_trial["params"]), self.best_trial["value"]
        else:
            self.best_trial, self.best_params, self.best_value = None, None, None

    def __repr__(self):
        return (f"Result({len(self.trials)} trials, best_value={self.best_value!r}, "
                f"best_params={self.best_params!r})")

    def best_so_far(self):
        """The best value among the first ``i + 1`` trials, for each ``i`` (NaN before the
        first completed trial)."""
        out, best = [], math.nan
        better = (lambda a, b: a < b) if self.mode == "min" else (lambda a, b: a > b)
        for t in self.trials:
            v = t["value"]
            if t["status"] == "ok" and not math.isnan(v) and (math.isnan(best) or better(v, best)):
                best = v
            out.append(best)
        return out

    def importance(self):
        return parameter_importance(self.trials, self.space)

    # ---- tables --------------------------------------------------------------------------------
    def rows(self):
        names = list(self.space)
        return [dict(trial_id=t["trial_id"], value=t["value"], status=t["status"], seconds=t["seconds"],
                     **{f"param_{k}": _plain(t["params"].get(k)) for k in names}) for t in self.trials]

    def to_csv(self, path):
        rows = self.rows()
        fields = list(rows[0]) if rows else ["trial_id", "value", "status", "seconds"]
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
        return path

    def to_json(self, path=None):
        doc = {"mode": self.mode, "best_value": self.best_value,
               "best_params": None if self.best_params is None else {k: _plain(v) for k, v in self.best_params.items()},
               "trials": [{**t, "params": {k: _plain(v) for k, v in t["params"].items()}} for t in self.trials]}
        text = json.dumps(doc, indent=1, default=str)
        if path is not None:
            with open(path, "w") as f:
                f.write(text)
        return text

    # ---- figures -------------------------------------------------------------------------------
    def plot_best_so_far(self, ax=None, label=None):
        """The values of the trials (dots) and the best so far (a step line)."""
        import matplotlib.pyplot as plt
        fig, ax = (plt.subplots(figsize=(5, 3.5)) if ax is None else (ax.figure, ax))
        vals = [t["value"] if t["status"] == "ok" else math.nan for t in self.trials]
        ax.plot(range(1, len(vals) + 1), vals, ".", color="0.6", label="trial")
        ax.step(range(1, len(vals) + 1), self.best_so_far(), where="post", label=label or "best so far")
        ax.set_xlabel("trial")
        ax.set_ylabel("objective")
        ax.legend()
        return fig

    def plot_importance(self, ax=None):
        """A bar per parameter: the share of the variance of the objective it explains."""
        import matplotlib.pyplot as plt
        imp = self.importance()
        fig, ax = (plt.subplots(figsize=(5, 3.5)) if ax is None else (ax.figure, ax))
        names = sorted(imp, key=imp.get)
        ax.barh(names, [imp[n] for n in names])
        ax.set_xlabel("share of variance explained")
        ax.set_xlim(0, 1)
        return fig
