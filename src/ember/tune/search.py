"""Grid, random and Bayesian search, run on local worker processes, in this process, or on
a Ray cluster.

    >>> from ember import tune
    >>> def objective(p):
    ...     return (p["x"] - 0.3) ** 2 + (0.1 if p["kind"] == "b" else 0.0)
    >>> space = {"x": tune.uniform(-1, 1), "kind": tune.choice(["a", "b"])}
    >>> r = tune.BayesianSearch(objective, space, n_trials=15, seed=0, backend="serial").run()
    >>> r.best_params["kind"], round(r.best_params["x"], 1), len(r.trials)
    ('a', 0.3, 15)

A search proceeds in rounds of ``batch_size`` trials (default: the number of workers):
the proposals of a round depend only on the finished trials of earlier rounds, and the
early-stopping decisions on the trials of earlier rounds too, so a search is the same for
a given seed and batch size whichever backend runs it and whichever trial ends first.
Each trial is appended to ``results_path`` (JSON lines) as it finishes; with
``resume=True`` the trials found there are taken as they are and only the rest run.
"""
import inspect
import itertools
import json
import math
import os
import pickle
import time

import numpy as np

from .gp import GaussianProcess, confidence_bound, expected_improvement
from .results import Result
from .schedulers import Reporter, TrialPruned
from .space import Domain, check_space, domains, sample

__all__ = ["Search", "GridSearch", "RandomSearch", "BayesianSearch", "BACKENDS"]

BACKENDS = ("local", "serial", "ray")


def _scalar(out):
    """The objective's return value as a float, or a clear TypeError."""
    arr = getattr(out, "array", out)
    try:
        a = np.asarray(arr, dtype=float)
    except (TypeError, ValueError):
        a = None
    if a is None or a.size != 1:
        shape = "" if a is None else f" of shape {a.shape}"
        raise TypeError(f"the objective must return a scalar (a number or a one-element tensor), "
                        f"got {type(out).__name__}{shape}: {out!r:.80}")
    return float(a.reshape(()))


def _takes_report(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    ps = [p for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return "report" in sig.parameters or len(ps) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values())


def run_trial(fn, trial_id, params, history, scheduler, sign):
    """Run one trial; never raises for the objective's own errors (they are recorded)."""
    rep = Reporter(scheduler, history, sign)
    t0 = time.perf_counter()
    rec = {"trial_id": trial_id, "params": params, "status": "ok", "error": None}
    try:
        out = fn(params, rep) if _takes_report(fn) else fn(params)
        try:
            rec["value"] = _scalar(out)
        except TypeError as e:
            rec.update(value=math.nan, status="invalid", error=str(e))
    except TrialPruned:
        last = rep.values[max(rep.values)] if rep.values else math.nan
        rec.update(value=sign * last, status="pruned")
    except Exception as e:      # noqa: BLE001  (a failed trial must not stop the search)
        rec.update(value=math.nan, status="error", error=f"{type(e).__name__}: {e}")
    rec["reports"] = {str(k): sign * v for k, v in rep.values.items()}
    rec["seconds"] = time.perf_counter() - t0
    return rec


def _run_pickled(blob, *args):      # in a worker process
    return run_trial(pickle.loads(blob), *args)


def _dumps(fn):
    try:
        import cloudpickle
        return cloudpickle.dumps(fn)
    except ImportError:         # pragma: no cover
        return pickle.dumps(fn)


def _key(params):
    return json.dumps(params, sort_keys=True, default=repr)


class Search:
    """The search loop; subclasses propose parameters (``_propose``).

    Args:
        objective: ``objective(params) -> float`` or ``objective(params, report)`` (which may
            call ``report(value, step)`` for early stopping); it must be picklable (e.g.
            with cloudpickle) for the ``local`` and ``ray`` backends.
        space: a dict of domains (``tune.uniform`` ...) and constants.
        n_trials: the number of trials. seed: the seed of the proposals.
        mode: ``"min"`` or ``"max"``.
        scheduler: ``MedianStopping`` or ``SuccessiveHalving`` (or None).
        backend: ``"local"`` (worker processes, default), ``"serial"`` (this process) or
            ``"ray"`` (``ray.init(address=ray_address)``, or a local Ray with ``n_workers`` CPUs).
        n_workers: parallel trials (default: the available cores, at most 4).
        batch_size: trials per round (default ``n_workers``).
        results_path: a JSON-lines file each finished trial is appended to.
        resume: take the trials already in ``results_path`` instead of running them again.
        progress: show a progress bar.
    """

    def __init__(self, objective, space, n_trials=None, seed=0, mode="min", scheduler=None,
                 backend="local", n_workers=None, batch_size=None, results_path=None, resume=False,
                 ray_address=None, progress=False):
        name = type(self).__name__
        if not callable(objective):
            raise TypeError(f"{name}: objective must be callable (params -> float), got {objective!r}")
        self.space = check_space(space)
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode={mode!r}; expected 'min' or 'max'")
        if backend not in BACKENDS:
            raise ValueError(f"{name}: backend={backend!r}; expected one of {BACKENDS}")
        if resume and results_path is None:
            raise ValueError(f"{name}: resume=True needs results_path= (where the trials were written)")
        if n_workers is None:
            n_workers = 1 if backend == "serial" else min(4, len(os.sched_getaffinity(0)))
        for arg, v in (("n_workers", n_workers), ("batch_size", batch_size), ("n_trials", n_trials)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise ValueError(f"{name}: {arg}={v!r} must be a positive integer")
        self.objective, self.seed, self.mode, self.scheduler = objective, seed, mode, scheduler
        self.backend, self.n_workers = backend, n_workers
        self.batch_size = batch_size or n_workers
        self.results_path, self.resume, self.ray_address, self.progress = results_path, resume, ray_address, progress
        self.sign = 1.0 if mode == "min" else -1.0
        self.n_trials = self._default_trials() if n_trials is None else n_trials

    def _default_trials(self):
        raise ValueError(f"{type(self).__name__}: n_trials is required")

    def _propose(self, k, history, rng):  # pragma: no cover - abstract
        raise NotImplementedError

    # ---- the loop ------------------------------------------------------------------------------
    def _saved(self):
        saved = {}
        if self.resume and os.path.exists(self.results_path):
            with open(self.results_path) as f:
                for line in f:
                    line = line.strip()
                    if line:
                        try:
                            rec = json.loads(line)
                        except json.JSONDecodeError:    # a line cut short by the interruption
                            continue
                        saved[rec["trial_id"]] = rec
        return saved

    def run(self):
        """Run the search; returns a :class:`Result`."""
        from tqdm.auto import tqdm
        rng = np.random.default_rng(self.seed)
        saved = self._saved()
        out = None
        if self.results_path is not None:
            out = open(self.results_path, "a" if self.resume else "w")
        history, tid = [], 0
        bar = tqdm(total=self.n_trials, disable=not self.progress, desc=type(self).__name__, dynamic_ncols=True)
        runner = self._runner()
        try:
            while tid < self.n_trials:
                proposals = self._propose(min(self.batch_size, self.n_trials - tid), history, rng)
                if not proposals:
                    break
                snapshot = [{int(s): self.sign * v for s, v in t["reports"].items()} for t in history]
                batch, todo = {}, []
                for p in proposals:
                    rec = saved.get(tid)
                    if rec is not None and _key(rec["params"]) == _key(p):
                        rec["params"] = p
                        batch[tid] = rec
                        bar.update(1)
                    else:
                        todo.append((tid, p))
                    tid += 1
                for rec in runner(todo, snapshot):
                    if rec["status"] == "invalid":
                        raise TypeError(f"{type(self).__name__}: trial {rec['trial_id']}: {rec['error']}")
                    batch[rec["trial_id"]] = rec
                    if out is not None:
                        out.write(json.dumps(rec, default=repr) + "\n")
                        out.flush()
                    bar.update(1)
                    best = Result(history + list(batch.values()), self.space, self.mode).best_value
                    bar.set_postfix(best=f"{best:.4g}" if best is not None else "-")
                history.extend(batch[i] for i in sorted(batch))
        finally:
            bar.close()
            if out is not None:
                out.close()
            close = getattr(runner, "close", None)
            if close is not None:
                close()
        return Result(history, self.space, self.mode)

    # ---- backends ------------------------------------------------------------------------------
    def _runner(self):
        args = (self.scheduler, self.sign)
        fn = self.objective
        if self.backend == "serial":
            return lambda todo, snap: (run_trial(fn, i, p, snap, *args) for i, p in todo)
        if self.backend == "ray":
            return _RayRunner(fn, self.n_workers, self.ray_address, args)
        return _PoolRunner(fn, self.n_workers, args)


class _PoolRunner:
    def __init__(self, fn, n_workers, args):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        self.blob, self.args = _dumps(fn), args
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx)

    def __call__(self, todo, snapshot):
        from concurrent.futures import as_completed
        futures = [self.pool.submit(_run_pickled, self.blob, i, p, snapshot, *self.args) for i, p in todo]
        for f in as_completed(futures):
            yield f.result()

    def close(self):
        self.pool.shutdown(cancel_futures=True)


class _RayRunner:
    def __init__(self, fn, n_workers, address, args):
        try:
            import ray
        except ImportError as e:
            raise ImportError("backend='ray' needs Ray: pip install 'ember[ray]'") from e
        self.ray = ray
        if not ray.is_initialized():
            kw = dict(address=address) if address else dict(num_cpus=n_workers)
            ray.init(include_dashboard=False, log_to_driver=False, **kw)
        self.remote = ray.remote(num_cpus=1)(run_trial)
        self.fn = ray.put(fn)
        self.args = args

    def __call__(self, todo, snapshot):
        ray = self.ray
        pending = [self.remote.remote(self.fn, i, p, snapshot, *self.args) for i, p in todo]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])


# ---- the strategies -------------------------------------------------------------------------------

class RandomSearch(Search):
    """Independent random configurations (``grid_search`` axes are sampled like ``choice``)."""

    def _propose(self, k, history, rng):
        return [sample(self.space, rng=rng) for _ in range(k)]


class GridSearch(Search):
    """Every combination of the ``grid_search`` and ``choice`` values, with numeric domains
    cut into ``points_per_dim`` values (linear, or geometric for ``loguniform``), in order;
    ``n_trials`` defaults to the size of the grid."""

    def __init__(self, objective, space, n_trials=None, points_per_dim=5, **kw):
        check_space(space)
        axes = [(name, dom.grid(points_per_dim)) for name, dom in domains(space)]
        self.grid = [dict(zip([a for a, _ in axes], combo)) for combo in itertools.product(*[v for _, v in axes])]
        super().__init__(objective, space, n_trials, **kw)

    def _default_trials(self):
        return len(self.grid)

    def _propose(self, k, history, rng):
        start = len(history)
        return [{name: (g[name] if name in g else v) for name, v in self.space.items()}
                for g in self.grid[start:start + k]]


class BayesianSearch(Search):
    """Bayesian optimisation: ``n_initial`` random trials, then each trial maximises an
    acquisition function of a Gaussian process (Matern 5/2, fit by maximum marginal
    likelihood) on the trials so far, in the unit cube of the space's encoding.

    Args:
        acquisition: ``"ei"`` (expected improvement, with the margin ``xi`` in the objective's
            units, as scikit-optimize's) or ``"ucb"`` (confidence bound, with ``kappa``).
        n_initial: random trials first (default ``max(5, dims + 2)``).
        n_candidates: random points scored per proposal (then refined around the best).
        Within a round of several trials, each proposal is added to the data with the
        GP's mean as its value (the "kriging believer") before the next is chosen.
    """

    def __init__(self, objective, space, n_trials=None, acquisition="ei", n_initial=None, xi=0.01,
                 kappa=2.0, n_candidates=1000, **kw):
        super().__init__(objective, space, n_trials, **kw)
        if acquisition not in ("ei", "ucb"):
            raise ValueError(f"BayesianSearch: acquisition={acquisition!r}; expected 'ei' or 'ucb'")
        self.acquisition, self.xi, self.kappa, self.n_candidates = acquisition, xi, kappa, n_candidates
        self.dims = domains(self.space)
        self.n_initial = max(5, len(self.dims) + 2) if n_initial is None else n_initial

    def _encode(self, params):
        return np.array([dom.to_unit(params[name]) for name, dom in self.dims])

    def _decode(self, u):
        p = {name: dom.from_unit(x) for (name, dom), x in zip(self.dims, u)}
        return {k: (p[k] if isinstance(v, Domain) else v) for k, v in self.space.items()}

    def _score(self, gp, U, best):
        mean, std = gp.predict(U, return_std=True)
        if self.acquisition == "ei":
            return expected_improvement(mean, std, best, self.xi)
        return confidence_bound(mean, std, self.kappa)

    def _propose(self, k, history, rng):
        from threadpoolctl import threadpool_limits
        with threadpool_limits(1):      # (small matrices: one BLAS thread is fastest)
            return self._propose_gp(k, history, rng)

    def _propose_gp(self, k, history, rng):
        data = [t for t in history if t["status"] in ("ok", "pruned") and math.isfinite(t["value"])]
        if len(data) < self.n_initial:
            return [sample(self.space, rng=rng) for _ in range(k)]
        X = np.array([self._encode(t["params"]) for t in data])
        y = np.array([self.sign * t["value"] for t in data])
        gp = GaussianProcess(length_scale=0.3, seed=int(rng.integers(2 ** 31))).fit(X, y)
        out = []
        d = X.shape[1]
        for j in range(k):
            best = float(y.min())
            U = rng.random((self.n_candidates, d))
            top = X[np.argsort(y)[:5]]
            near = np.clip(top[rng.integers(len(top), size=self.n_candidates // 2)]
                           + 0.05 * rng.standard_normal((self.n_candidates // 2, d)), 0, 1)
            U = np.vstack([U, near])
            s = self._score(gp, U, best)
            for scale in (0.02, 0.005):     # refine around the best candidates
                lead = U[np.argsort(-s)[:5]]
                V = np.clip(np.repeat(lead, 40, 0) + scale * rng.standard_normal((200, d)), 0, 1)
                U, s = np.vstack([U, V]), np.concatenate([s, self._score(gp, V, best)])
            params = self._decode(U[int(np.argmax(s))])
            out.append(params)
            if j + 1 < k:       # kriging believer: pretend the GP's mean was observed there
                x = self._encode(params)
                X = np.vstack([X, x])
                y = np.append(y, gp.predict(x[None])[0])
                gp = GaussianProcess(*np.exp(gp.theta_[[0]]), length_scale=np.exp(gp.theta_[1:-1]),
                                     noise=float(np.exp(gp.theta_[-1])), optimize=False).fit(X, y)
        return out
