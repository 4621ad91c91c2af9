"""``ember tune CONFIG.json``: run a search described by a JSON file.

    {"objective": "ember.tune.examples:branin",
     "search": "bayes",                          # grid | random | bayes
     "space": {"x": {"uniform": [-5, 10]}, "y": {"uniform": [0, 15]},
               "lr": {"loguniform": [1e-4, 0.1]}, "k": {"randint": [1, 5]},
               "act": {"choice": ["relu", "tanh"]}, "bs": {"grid_search": [32, 64]}, "epochs": 5},
     "n_trials": 30, "seed": 0, "mode": "min", "backend": "local", "n_workers": 2,
     "scheduler": {"median": {"grace_period": 1}},    # or {"halving": {"eta": 3}}
     "options": {"acquisition": "ei"}}               # passed to the search class

With ``--out DIR`` the trials go to ``DIR/trials.jsonl`` as they finish (``--resume``
continues from there), and the table (``results.csv``, ``results.json``) and the plots
(``best_so_far.png``, ``importance.png``) are written at the end.
"""
import importlib
import json
from pathlib import Path

SEARCHES = {"grid": "GridSearch", "random": "RandomSearch", "bayes": "BayesianSearch"}
DOMAINS = ("uniform", "loguniform", "randint", "choice", "grid_search")


def parse_space(spec):
    """A JSON search space (``{"name": {"loguniform": [low, high]}, "c": 3}``) as domains."""
    from . import space as S
    if not isinstance(spec, dict):
        raise ValueError(f"'space' must be an object from parameter name to a domain, got {spec!r}")
    out = {}
    for name, v in spec.items():
        if isinstance(v, dict) and len(v) == 1 and next(iter(v)) in DOMAINS:
            kind, args = next(iter(v.items()))
            out[name] = getattr(S, kind)(args) if kind in ("choice", "grid_search") else getattr(S, kind)(*args)
        elif isinstance(v, dict):
            raise ValueError(f"space[{name!r}] = {v!r}: expected one key among {', '.join(DOMAINS)}")
        else:
            out[name] = v
    return out


def load_objective(ref):
    if not isinstance(ref, str) or ":" not in ref:
        raise ValueError(f"'objective' must be 'module:function', got {ref!r}")
    module, fn = ref.split(":", 1)
    return getattr(importlib.import_module(module), fn)


def build_search(cfg, out=None, resume=False, backend=None, n_trials=None, progress=True):
    from . import search as S, schedulers
    kind = cfg.get("search", "bayes")
    if kind not in SEARCHES:
        raise ValueError(f"'search' = {kind!r}; expected one of {', '.join(SEARCHES)}")
    scheduler = None
    if cfg.get("scheduler"):
        (name, kw), = cfg["scheduler"].items()
        cls = {"median": schedulers.MedianStopping, "halving": schedulers.SuccessiveHalving}.get(name)
        if cls is None:
            raise ValueError(f"'scheduler' = {name!r}; expected 'median' or 'halving'")
        scheduler = cls(**kw)
    kw = dict(seed=cfg.get("seed", 0), mode=cfg.get("mode", "min"), scheduler=scheduler,
              backend=backend or cfg.get("backend", "local"), n_workers=cfg.get("n_workers"),
              results_path=None if out is None else str(Path(out) / "trials.jsonl"),
              resume=resume, progress=progress, **cfg.get("options", {}))
    n = n_trials or cfg.get("n_trials")
    return getattr(S, SEARCHES[kind])(load_objective(cfg.get("objective")), parse_space(cfg.get("space")),
                                      n_trials=n, **kw)


def _run(args):
    with open(args.config) as f:
        cfg = json.load(f)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
    result = build_search(cfg, args.out, args.resume, args.backend, args.n_trials, not args.no_progress).run()
    print(f"{len(result.trials)} trials; best value {result.best_value!r} with {result.best_params!r}")
    if args.out:
        import matplotlib
        matplotlib.use("Agg")       # (the command line only writes figure files)
        import matplotlib.pyplot as plt
        out = Path(args.out)
        result.to_csv(out / "results.csv")
        result.to_json(out / "results.json")
        for name, fig in (("best_so_far", result.plot_best_so_far()), ("importance", result.plot_importance())):
            fig.savefig(out / f"{name}.png", dpi=100, bbox_inches="tight")
            plt.close(fig)
        print(f"results in {out}/results.csv, results.json, best_so_far.png, importance.png")
    return 0 if result.best_value is not None else 1


def add_parser(subparsers):
    """Add ``tune`` to an ``argparse`` sub-parser collection."""
    p = subparsers.add_parser("tune", help="hyper-parameter search from a JSON config",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("config", help="the JSON file describing the search")
    p.add_argument("--out", default=None, help="folder for trials.jsonl, results.csv/json and plots")
    p.add_argument("--resume", action="store_true", help="continue the search in --out")
    p.add_argument("--backend", default=None, choices=("local", "serial", "ray"), help="override the config's backend")
    p.add_argument("--n-trials", type=int, default=None, help="override the config's n_trials")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)
