"""Command-line entries of the text models.

    ember train --model seq2seq-attn --data dates [--epochs 30] [--out runs/dates]
    ember translate --checkpoint runs/seq2seq-attn-dates/model.safetensors "march 3rd, 1997" [--beam 5]
    ember train --model textcnn [--epochs 10]

``ember train`` reaches :func:`train_seq2seq_task` and :func:`train_textcnn_task` through
``TASK_MODELS``; ``translate`` is added by :func:`add_parser` (``COMMAND_MODULES``).
An epoch is one pass over the generated training set (``--batch-size`` pairs a step).
"""
import json
import sys
import time
from pathlib import Path

__all__ = ["add_parser", "train_seq2seq_task", "train_textcnn_task", "load_seq2seq"]

TRAIN_SIZE = 2000


def _out(args, name):
    out = Path(args.out) if args.out else Path("runs") / name
    out.mkdir(parents=True, exist_ok=True)
    return out


def train_seq2seq_task(args):
    """``ember train --model seq2seq-attn --data reversal|addition|dates``."""
    from ..serialization import save_checkpoint
    from .tasks import TASKS
    from .train import exact_match, train_seq2seq
    task = args.data if args.data in TASKS else None
    if task is None:
        print(f"ember: --model seq2seq-attn trains on a generated task; --data must be one of "
              f"{', '.join(sorted(TASKS))}, got {args.data!r}", file=sys.stderr)
        return 2
    pairs = TASKS[task](TRAIN_SIZE, seed=args.seed + 1)
    steps = max(1, args.epochs * TRAIN_SIZE // args.batch_size)
    print(f"training seq2seq-attn on {task}: {TRAIN_SIZE} generated pairs, {steps} steps")
    t0 = time.perf_counter()
    model, sv, tv = train_seq2seq(task, pairs=pairs, steps=steps, batch_size=args.batch_size, lr=args.lr,
                                  seed=args.seed, log=None if args.no_progress else print)
    test = TASKS[task](500, seed=args.seed + 10_000)
    acc = exact_match(model, test, sv, tv)
    out = _out(args, f"seq2seq-attn-{task}")
    config = {"model": "seq2seq-attn", "task": task, "model_config": model.config}
    save_checkpoint(out / "model.safetensors", model.state_dict(), config=config)
    metrics = {"exact_match": acc, "train_seconds": time.perf_counter() - t0, "steps": steps}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(f"exact match on 500 new {task} pairs: {acc:.3f}; wrote {out / 'model.safetensors'}")
    return 0


def load_seq2seq(path):
    """(model, source vocab, target vocab, task) from a checkpoint of ``train_seq2seq_task``."""
    from ..serialization import load_checkpoint
    from .seq2seq import Seq2Seq
    from .tasks import task_vocabs
    ckpt = load_checkpoint(path)
    cfg = ckpt.get("config", {})
    if cfg.get("model") != "seq2seq-attn":
        raise ValueError(f"load_seq2seq: {path} is not a seq2seq-attn checkpoint (config {cfg})")
    model = Seq2Seq(**cfg["model_config"])
    model.load_state_dict(ckpt["model"])
    model.eval()
    sv, tv = task_vocabs(cfg["task"])
    return model, sv, tv, cfg["task"]


def _translate(args):
    from .seq2seq import beam_search, greedy_decode
    model, sv, tv, task = load_seq2seq(args.checkpoint)
    texts = [t.lower() if task == "dates" else t for t in args.text]
    try:
        src, lengths = sv.batch(texts)
    except ValueError as e:
        print(f"ember translate: {e}", file=sys.stderr)
        return 2
    if args.beam > 1:
        outs = [(h[0].tokens, h[0].log_prob) for h in beam_search(model, src, lengths, args.beam, max_len=args.max_len)]
    else:
        seqs, logp = greedy_decode(model, src, lengths, args.max_len)
        outs = list(zip(seqs, logp))
    for text, (toks, lp) in zip(args.text, outs):
        print(f"{text}\t{tv.decode(toks)}\t(log p = {lp:.3f})")
    return 0


def add_parser(subparsers):
    t = subparsers.add_parser("translate", help="decode text with a seq2seq checkpoint (e.g. dates -> ISO)")
    t.add_argument("text", nargs="+", help="source strings, e.g. \"march 3rd, 1997\"")
    t.add_argument("--checkpoint", required=True, help="model.safetensors written by `ember train --model seq2seq-attn`")
    t.add_argument("--beam", type=int, default=1, help="beam width (default 1: greedy)")
    t.add_argument("--max-len", type=int, default=20, help="longest output (default 20)")
    t.set_defaults(func=_translate)


def train_textcnn_task(args):
    """``ember train --model textcnn``: the generated n-gram task (label = which trigram
    occurs in order; every class has the same bag of words)."""
    from ..serialization import save_checkpoint
    from .tasks import ngram_task
    from .train import accuracy, train_textcnn
    X, y = ngram_task(TRAIN_SIZE, seed=args.seed + 1)
    Xt, yt = ngram_task(1000, seed=args.seed + 10_000)
    steps = max(1, args.epochs * TRAIN_SIZE // args.batch_size)
    model = train_textcnn(X, y, 3, 12, steps=steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed)
    acc = accuracy(model, Xt, yt)
    out = _out(args, "textcnn-ngrams")
    save_checkpoint(out / "model.safetensors", model.state_dict(), config={"model": "textcnn"})
    (out / "metrics.json").write_text(json.dumps({"test_accuracy": acc, "steps": steps}, indent=2))
    print(f"textcnn on the n-gram task: test accuracy {acc:.3f} ({steps} steps); wrote {out / 'model.safetensors'}")
    return 0
