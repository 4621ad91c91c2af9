"""``ember lab ...``: list the claims, run one or all of them, build the HTML report.

    ember lab list
    ember lab run vanishing-gradients --fast
    ember lab run all --fast --jobs 2 --out lab-out
    ember lab report --out lab-report
"""
import json
import sys

__all__ = ["add_parser"]


def _known():
    from .core import load_all
    return sorted(load_all())


def _unknown(claim_id):
    print(f"ember lab: unknown claim {claim_id!r}; valid claims: {', '.join(_known())} (or 'all')", file=sys.stderr)
    return 2


def _list(args):
    from .core import load_all
    from .runner import last_verdicts
    reg = load_all()
    last = last_verdicts()
    rows = [(cid, reg[cid].topic, last.get(cid, {}).get("verdict", "-"),
             ("fast" if last[cid].get("fast") else "full") if cid in last else "") for cid in sorted(reg)]
    w_id = max([len("claim")] + [len(r[0]) for r in rows])
    w_topic = max([len("topic")] + [len(r[1]) for r in rows])
    print(f"{'claim':<{w_id}}  {'topic':<{w_topic}}  last verdict")
    for cid, topic, verdict, mode in rows:
        print(f"{cid:<{w_id}}  {topic:<{w_topic}}  {verdict}{f' ({mode})' if mode else ''}")
    print(f"{len(rows)} claims")
    return 0


def _fmt_value(v):
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt_value(x) for x in v) + "]"
    return json.dumps(v) if isinstance(v, str) else str(v)


def _print_result(cid, verdict, criterion, numbers, notes, seconds, files=(), out=None):
    print(f"{cid}: {verdict}  ({seconds:.2f} s)")
    if criterion:
        print(f"  criterion: {criterion}")
    for k, v in (numbers or {}).items():
        print(f"  {k} = {_fmt_value(v)}")
    if notes:
        print(f"  notes: {notes}")
    for f in files or ():
        print(f"  figure: {out}/{cid}/{f}")


def _run(args):
    from .core import get
    from .runner import use_agg
    use_agg()                 # the command line writes figures to files, it never shows them
    if args.claim == "all":
        from .runner import run_all
        results = run_all(None, seed=args.seed, fast=args.fast, out=args.out, jobs=args.jobs,
                          backend=args.backend)
        w = max(len(c) for c in results)
        errors = 0
        for cid, e in results.items():
            print(f"{cid:<{w}}  {e['verdict']:<12}  {e['seconds']:7.2f} s" +
                  (f"  {e.get('error', '')}" if e["verdict"] == "error" else ""))
            errors += e["verdict"] == "error"
        counts = {}
        for e in results.values():
            counts[e["verdict"]] = counts.get(e["verdict"], 0) + 1
        print(", ".join(f"{n} {v}" for v, n in sorted(counts.items())))
        if args.out:
            print(f"results in {args.out}/<claim>/result.json")
        return 1 if errors else 0
    try:
        get(args.claim)
    except KeyError:
        return _unknown(args.claim)
    from .runner import run_claim
    r = run_claim(args.claim, seed=args.seed, fast=args.fast, out=args.out)
    from .runner import _jsonable
    _print_result(args.claim, r.verdict, r.criterion, _jsonable(r.numbers), r.notes, r.seconds, r.files, args.out)
    if args.out is None:
        import matplotlib.pyplot as plt
        for fig in (r.figures or {}).values():
            plt.close(fig)
    return 0


def _report(args):
    from .report import build_report
    from .runner import use_agg
    use_agg()
    path = build_report(args.out, seed=args.seed, fast=args.fast, jobs=args.jobs, progress=not args.no_progress)
    print(f"wrote {path}")
    return 0


def add_parser(subparsers):
    """Add ``lab`` and its sub-commands to an ``argparse`` sub-parser collection."""
    lab = subparsers.add_parser("lab", help="the notes' claims as experiments: list, run, report",
                                description="Each claim of the interview notes as an experiment with a measured verdict.")
    sub = lab.add_subparsers(dest="lab_command", metavar="LAB_COMMAND")

    def _help(args):
        lab.print_help()
        return 0
    lab.set_defaults(func=_help)

    ls = sub.add_parser("list", help="list the claims with their last verdict")
    ls.set_defaults(func=_list)

    run = sub.add_parser("run", help="run one claim (or 'all', in parallel) and print its verdict and numbers")
    run.add_argument("claim", metavar="ID|all", help="claim id (see `ember lab list`) or 'all'")
    run.add_argument("--fast", action="store_true", help="the quick version (seconds) instead of the full experiment")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--out", default=None, help="write result.json and figures under DIR/<claim>/")
    run.add_argument("--jobs", type=int, default=None, help="parallel processes for 'all' (default: all cores)")
    run.add_argument("--backend", default="local", choices=("local", "ray"),
                     help="where 'all' runs: local processes (default) or Ray ($RAY_ADDRESS or a local Ray)")
    run.set_defaults(func=_run)

    rep = sub.add_parser("report", help="run every claim and write a static HTML report")
    rep.add_argument("--out", required=True, help="output folder (index.html and the figures)")
    rep.add_argument("--fast", action="store_true", help="fast mode for every claim")
    rep.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    rep.add_argument("--jobs", type=int, default=None, help="parallel processes (default: all cores)")
    rep.add_argument("--no-progress", action="store_true", help="no progress bar")
    rep.set_defaults(func=_report)
    return lab
