"""Run lab claims: one at a time (:func:`run_claim`) or all of them in parallel processes
(:func:`run_all`), saving figures and a ``result.json`` per claim and remembering the last
verdict of every claim for ``ember lab list``.

    >>> from ember.lab.runner import run_claim
    >>> r = run_claim("softmax-ce-gradient", fast=True, out="lab-out")   # doctest: +SKIP
    >>> r.verdict, r.seconds                                            # doctest: +SKIP
    ('holds', 0.12)

Output layout for ``out=DIR``::

    DIR/<claim-id>/result.json      id, topic, concepts, question, statement, source, method,
                                    verdict, criterion, numbers, notes, seed, fast, seconds, figures
    DIR/<claim-id>/<figure>.png     one PNG per figure of the Result

The record of last verdicts lives in ``$EMBER_LAB_HOME/last.json`` (default
``~/.cache/ember/lab/last.json``).

Matplotlib's backend is chosen here, not by the claims: the spawned worker processes of
:func:`run_all` and the ``ember lab`` command line (which only write files) switch to the
non-interactive Agg backend with :func:`use_agg`; :func:`run_claim` called from Python
keeps whatever backend the caller has, so a notebook can show the returned figures.
"""
import json
import math
import os
import re
import tempfile
import time
import traceback
from pathlib import Path

__all__ = ["run_claim", "run_all", "last_verdicts", "lab_home", "claim_ids", "use_agg"]


def lab_home():
    """Folder holding the lab's state (``$EMBER_LAB_HOME`` or ``~/.cache/ember/lab``)."""
    env = os.environ.get("EMBER_LAB_HOME")
    return Path(env) if env else Path.home() / ".cache" / "ember" / "lab"


def use_agg():
    """Switch matplotlib to the non-interactive Agg backend (for processes that only write
    figure files: the workers of :func:`run_all` and the command line)."""
    import matplotlib
    matplotlib.use("Agg")


def claim_ids():
    """Sorted ids of every registered claim."""
    from .core import load_all
    return sorted(load_all())


def _jsonable(x):
    """Numbers and containers as plain JSON values (numpy scalars/arrays, tuples; NaN/inf as strings)."""
    try:
        import numpy as np
    except ImportError:          # pragma: no cover
        np = None
    if np is not None:
        if isinstance(x, np.ndarray):
            return _jsonable(x.tolist())
        if isinstance(x, np.generic):
            return _jsonable(x.item())
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else str(x)       # "nan", "inf": JSON has no NaN
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set)):
        return [_jsonable(v) for v in x]
    return str(x)


def _safe_name(name):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._") or "figure"


def _atomic_write(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def last_verdicts():
    """``{claim_id: {"verdict", "seconds", "seed", "fast", "when"}}`` from the last runs (``{}`` if none)."""
    path = lab_home() / "last.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _record(entries):
    """Merge ``{id: record}`` into last.json under a lock (several processes may record at once)."""
    home = lab_home()
    try:
        home.mkdir(parents=True, exist_ok=True)
        lock = open(home / ".last.lock", "w")
    except OSError:
        return                                   # an unwritable cache must not break a run
    try:
        try:
            import fcntl
            fcntl.flock(lock, fcntl.LOCK_EX)
        except (ImportError, OSError):           # pragma: no cover  (Windows)
            pass
        data = last_verdicts()
        data.update(entries)
        _atomic_write(home / "last.json", json.dumps(_jsonable(data), indent=1, sort_keys=True))
    except OSError:
        pass
    finally:
        lock.close()


def _meta(c):
    return {"id": c.id, "topic": c.topic, "concepts": list(c.concepts), "question": c.question,
            "statement": c.statement, "source": c.source, "method": c.method}


def _save(claim, result, out, seed, fast, seconds):
    """Write the figures and result.json of one claim under ``out/<id>/``; return the figure file names."""
    folder = Path(out) / claim.id
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, fig in (result.figures or {}).items():
        fname = _safe_name(name) + ".png"
        fig.savefig(folder / fname, dpi=110)
        files.append(fname)
    payload = {**_meta(claim), "verdict": result.verdict, "criterion": result.criterion,
               "numbers": result.numbers, "notes": result.notes, "seed": seed, "fast": fast,
               "seconds": round(seconds, 3), "figures": files}
    _atomic_write(folder / "result.json", json.dumps(_jsonable(payload), indent=2))
    return files


def _close(result):
    try:
        import matplotlib.pyplot as plt
    except ImportError:          # pragma: no cover
        return
    for fig in (result.figures or {}).values():
        plt.close(fig)


def run_claim(claim_id, seed=0, fast=False, out=None, record=True):
    """Run one claim and return its :class:`~ember.lab.core.Result`, with ``.seconds`` (wall
    time of ``run``) and ``.files`` (figure file names written, ``[]`` without ``out``).

    With ``out``, saves ``out/<claim_id>/<figure>.png`` and ``out/<claim_id>/result.json`` and
    closes the figures; without it the figures stay open for the caller. BLAS is limited to
    one thread while the claim runs (the lab's matrices are small). ``record`` stores the
    verdict in the last-verdict record that ``ember lab list`` shows.
    Raises ``KeyError`` (listing the valid ids) for an unknown id.
    """
    from .core import get
    claim = get(claim_id)
    try:
        from threadpoolctl import threadpool_limits
        limit = threadpool_limits(limits=1)
    except ImportError:          # pragma: no cover
        limit = None
    try:
        t0 = time.perf_counter()
        result = claim(seed=seed, fast=fast)
        seconds = time.perf_counter() - t0
    finally:
        if limit is not None:
            limit.restore_original_limits()
    result.seconds = seconds
    result.files = []
    if out is not None:
        try:
            result.files = _save(claim, result, out, seed, fast, seconds)
        finally:
            _close(result)
    if record:
        _record({claim.id: {"verdict": result.verdict, "seconds": round(seconds, 3), "seed": seed, "fast": fast,
                            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}})
    return result


def _error_entry(claim_id, exc_text, seconds, seed, fast, out):
    entry = {"id": claim_id, "verdict": "error", "error": exc_text.strip().splitlines()[-1] if exc_text.strip() else "error",
             "traceback": exc_text, "seconds": round(seconds, 3), "seed": seed, "fast": fast, "figures": []}
    if out is not None:
        try:
            from .core import get
            entry = {**_meta(get(claim_id)), **entry}
        except Exception:        # noqa: BLE001  (unknown id: keep the bare entry)
            pass
        try:
            _atomic_write(Path(out) / _safe_name(claim_id) / "result.json", json.dumps(_jsonable(entry), indent=2))
        except OSError:
            pass
    return entry


def _entry(claim_id, seed, fast, out):
    """Run one claim and return a picklable summary dict (never raises)."""
    t0 = time.perf_counter()
    try:
        r = run_claim(claim_id, seed=seed, fast=fast, out=out, record=False)
    except Exception:            # noqa: BLE001  (one broken claim must not stop the others)
        return _error_entry(claim_id, traceback.format_exc(), time.perf_counter() - t0, seed, fast, out)
    if out is None:
        _close(r)
    return {"id": claim_id, "verdict": r.verdict, "criterion": r.criterion, "numbers": _jsonable(r.numbers),
            "notes": r.notes, "seconds": round(r.seconds, 3), "seed": seed, "fast": fast, "figures": r.files}


def _worker(claim_id, seed, fast, out):     # runs in a spawned process
    use_agg()
    return _entry(claim_id, seed, fast, out)


def _default_jobs():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:       # pragma: no cover
        return max(1, os.cpu_count() or 1)


def _run_on_ray(ids, seed, fast, out, jobs, done, address=None):
    """Each claim as a Ray task (one CPU), on the cluster at ``address`` (or $RAY_ADDRESS),
    or on a local Ray with ``jobs`` CPUs started here; entries arrive as tasks finish."""
    try:
        import ray
    except ImportError as e:
        raise ImportError("--backend ray needs Ray: pip install 'ember[ray]'") from e
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS")
        ray.init(include_dashboard=False, log_to_driver=False,
                 **(dict(address=address) if address else dict(num_cpus=jobs)))
    task = ray.remote(num_cpus=1)(_worker)
    t0 = time.perf_counter()
    refs = {task.remote(cid, seed, fast, out): cid for cid in ids}
    pending = list(refs)
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        cid = refs[ready[0]]
        try:
            done(ray.get(ready[0]))
        except Exception as exc:         # noqa: BLE001  (the task or its worker failed)
            done(_error_entry(cid, f"{type(exc).__name__}: {exc}\n(the Ray task running this claim failed)\n",
                              time.perf_counter() - t0, seed, fast, out))


def run_all(ids=None, seed=0, fast=False, out=None, jobs=None, on_done=None, backend="local"):
    """Run several claims (default: all) and return ``{claim_id: entry}`` in the order of ``ids``.

    Each entry is a dict with ``id, verdict, criterion, numbers, notes, seconds, seed, fast,
    figures``; a claim that raises becomes ``{"verdict": "error", "error", "traceback", ...}``
    instead of stopping the run. With ``jobs > 1`` (default: the available cores) each claim
    runs in its own spawned process (``ProcessPoolExecutor``, one task per child); ``jobs=1``
    runs them one after another in this process. ``on_done(entry)`` is called as each claim
    finishes (e.g. to advance a progress bar). Verdicts are recorded for ``ember lab list``.
    Workers are spawned, so a script calling this with ``jobs > 1`` needs the usual
    ``if __name__ == "__main__":`` guard (code piped to ``python -`` cannot be re-imported:
    every claim then comes back as an error entry). If a worker dies, the claims it took
    down are rerun one at a time so only the culprit ends up as an error.
    ``backend="ray"`` runs each claim as a Ray task instead (``$RAY_ADDRESS``'s cluster,
    or a local Ray with ``jobs`` CPUs).
    """
    if backend not in ("local", "ray"):
        raise ValueError(f"run_all: backend={backend!r}; expected 'local' or 'ray'")
    from .core import load_all
    reg = load_all()
    ids = sorted(reg) if ids is None else list(dict.fromkeys(ids))
    unknown = [i for i in ids if i not in reg]
    if unknown:
        raise KeyError(f"unknown claim(s) {', '.join(map(repr, unknown))}; known claims: {', '.join(sorted(reg))}")
    jobs = _default_jobs() if jobs is None else max(1, int(jobs))
    jobs = min(jobs, max(1, len(ids)))
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        out = str(Path(out).resolve())
    results = {}

    def done(entry):
        results[entry["id"]] = entry
        if on_done is not None:
            on_done(entry)

    if backend == "ray":
        _run_on_ray(ids, seed, fast, out, jobs, done)
    elif jobs == 1:
        for cid in ids:
            done(_entry(cid, seed, fast, out))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool
        ctx = multiprocessing.get_context("spawn")
        t_start, broken = {}, []

        def failed(cid, exc):
            text = "".join(traceback.format_exception_only(type(exc), exc))
            return _error_entry(cid, f"{text}(the worker process running this claim failed)\n",
                                time.perf_counter() - t_start[cid], seed, fast, out)

        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, max_tasks_per_child=1) as pool:
            futures = {}
            for cid in ids:
                t_start[cid] = time.perf_counter()
                futures[pool.submit(_worker, cid, seed, fast, out)] = cid
            for fut in as_completed(futures):
                cid = futures[fut]
                try:
                    entry = fut.result()
                except BrokenProcessPool:        # a worker died: which claim did it is unknown yet
                    broken.append(cid)
                    continue
                except BaseException as exc:     # noqa: BLE001
                    entry = failed(cid, exc)
                done(entry)
        for cid in ids:                          # rerun the casualties of a dead worker, each alone
            if cid not in broken:
                continue
            t_start[cid] = time.perf_counter()
            with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
                try:
                    entry = pool.submit(_worker, cid, seed, fast, out).result()
                except BaseException as exc:     # noqa: BLE001
                    entry = failed(cid, exc)
            done(entry)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    _record({cid: {"verdict": e["verdict"], "seconds": e["seconds"], "seed": seed, "fast": fast, "when": stamp}
             for cid, e in results.items()})
    return {cid: results[cid] for cid in ids}
