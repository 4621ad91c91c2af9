"""Side-by-side timing of ember against a reference library (torch CPU, scikit-learn) in
one process: the two are interleaved round by round, with the same thread count, and the
median per-call time of each is reported with their ratio. Never part of the test run.

Ratio convention: ``speed = reference_time / ember_time`` (ember's throughput relative to
the reference; > 1 means ember is faster).
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def set_threads(n):
    """Same BLAS/OpenMP thread count for NumPy and torch."""
    from threadpoolctl import threadpool_limits
    limiter = threadpool_limits(n)
    try:
        import torch
        torch.set_num_threads(n)
    except ImportError:
        pass
    return limiter


def adam_steps(ember_model, torch_model, x, y, lr=1e-3):
    """One training step each (forward, cross-entropy, backward, Adam update) for an ember and
    a torch classifier on the same arrays: the ``(ember_step, torch_step)`` pair to compare."""
    import ember
    import torch
    eo, to = ember.optim.Adam(ember_model.parameters(), lr=lr), torch.optim.Adam(torch_model.parameters(), lr=lr)
    xe, ye, xt, yt = ember.tensor(x), ember.tensor(y), torch.tensor(x), torch.tensor(y)

    def ember_step():
        eo.zero_grad()
        ember.nn.functional.cross_entropy(ember_model(xe), ye).backward()
        eo.step()

    def torch_step():
        to.zero_grad()
        torch.nn.functional.cross_entropy(torch_model(xt), yt).backward()
        to.step()
    return ember_step, torch_step


def _status_kib(field):
    """A field of /proc/self/status (VmRSS: resident now, VmHWM: peak resident) in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _reset_peak():
    """Reset this process's VmHWM to its current RSS (Linux >= 4.0); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def rss_child(lib, threads, steps, load, build):
    """Body of the fresh process ``peak_rss_child`` starts: import only ``lib`` and limit its
    threads, ``load()`` the data, then from the baseline RSS ``build(*data)`` a step and run
    it ``steps`` times; print the peaks as JSON.

    Peak RSS comes from /proc/self/status (VmHWM), never from getrusage: ru_maxrss survives
    fork + exec, so a child started by a (large, torch-and-ember-loaded) benchmark process
    used to report the parent's peak for both libraries (593 MiB each)."""
    if lib == "ember":
        import ember.models  # noqa: F401  (first: threadpoolctl limits only the BLAS already loaded)
        import threadpoolctl
        _limit = threadpoolctl.threadpool_limits(threads)  # noqa: F841 (kept alive)
    else:
        import torch
        torch.set_num_threads(threads)
    data = load()
    base = _status_kib("VmRSS")
    reset = _reset_peak()
    step = build(*data)
    for _ in range(steps):
        step()
    peak = _status_kib("VmHWM")
    print(json.dumps({"lib": lib, "baseline_mib": base / 1024, "peak_mib": peak / 1024,
                      "step_mib": (peak - base) / 1024, "peak_reset": reset,
                      "torch_imported": "torch" in sys.modules}))


def peak_rss_child(script, lib, args):
    """Run ``script --child LIB ARGS`` in a fresh process (which imports only ``lib``) and
    return the JSON dict its last output line holds (its peak RSS and what it imported)."""
    out = subprocess.run([sys.executable, str(script), "--child", lib, *map(str, args)],
                         capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if lib == "ember" and res["torch_imported"]:
        raise RuntimeError("the ember memory child imported torch; its RSS would include torch's")
    return res


def _time_once(fn, inner):
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t0) / inner


def interleave(ember_fn, ref_fn, rounds, inner=1):
    """Median seconds per call of ``ember_fn`` and ``ref_fn`` over ``rounds`` rounds of
    ``inner`` calls each, alternating which goes first so neither always gets the warmer
    cache."""
    te, tr = [], []
    for r in range(rounds):
        if r % 2:
            te.append(_time_once(ember_fn, inner))
            tr.append(_time_once(ref_fn, inner))
        else:
            tr.append(_time_once(ref_fn, inner))
            te.append(_time_once(ember_fn, inner))
    return statistics.median(te), statistics.median(tr)


def compare(name, ember_fn, ref_fn, rounds=15, inner=5, warmup=2, ref_name="torch"):
    """Interleave ``rounds`` rounds of ``inner`` calls each; return a result row."""
    for _ in range(warmup):
        ember_fn()
        ref_fn()
    e, t = interleave(ember_fn, ref_fn, rounds, inner)
    return {"benchmark": name, "ember_ms": e * 1e3, f"{ref_name}_ms": t * 1e3,
            "speed_vs_" + ref_name: t / e}


def report(rows, out_name, threads, extra=None):
    """Print a markdown table and write JSON to benchmarks/results/<out_name>.json."""
    keys = list(rows[0].keys())
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r.values()) + " |")
    RESULTS.mkdir(exist_ok=True)
    meta = {"threads": threads, "python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d")}
    if extra:
        meta.update(extra)
    path = RESULTS / f"{out_name}.json"
    path.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    print(f"wrote {path}")
