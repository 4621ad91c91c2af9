"""The ``ember`` command line (also ``python -m ember``).

    ember train           train a model (default: an MLP on scikit-learn's digits)
    ember eval            evaluate a saved checkpoint
    ember demo            a small network on the digits with nothing but raw autograd
    ember --version
"""
import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

DATASETS = ("digits", "xor", "spirals", "moons", "circles", "mnist", "fashion-mnist")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "nadam")


def _demo(args):
    """A two-layer network on the 8x8 digits written with nothing but tensors and autograd:
    the forward pass, softmax cross-entropy and a plain gradient-descent update."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    import ember

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X / 16.0, y, test_size=0.25, random_state=args.seed, stratify=y)
    g = ember.Generator().manual_seed(args.seed)
    Xtr, Xte = ember.tensor(Xtr, dtype=ember.float32), ember.tensor(Xte, dtype=ember.float32)
    ytr, yte = ember.tensor(ytr), ember.tensor(yte)
    hidden = args.hidden
    W1 = (ember.randn(64, hidden, generator=g) * np.sqrt(2 / 64)).requires_grad_()
    b1 = ember.zeros(hidden, requires_grad=True)
    W2 = (ember.randn(hidden, 10, generator=g) * np.sqrt(1 / hidden)).requires_grad_()
    b2 = ember.zeros(10, requires_grad=True)
    params = [W1, b1, W2, b2]

    def forward(x):
        return (x @ W1 + b1).relu() @ W2 + b2

    t0 = time.perf_counter()
    n = Xtr.shape[0]
    for step in range(1, args.steps + 1):
        logits = forward(Xtr)
        loss = -logits.log_softmax(1)[ember.arange(n), ytr].mean()
        for p in params:
            p.grad = None
        loss.backward()
        with ember.no_grad():
            for p in params:
                p -= args.lr * p.grad
        if step % max(args.steps // 5, 1) == 0 or step == 1:
            print(f"step {step:4d}  loss {loss.item():.4f}")
    with ember.no_grad():
        acc = (forward(Xte).argmax(1) == yte).float().mean().item()
    print(f"test accuracy {acc:.4f}  ({time.perf_counter() - t0:.1f} s, {args.steps} full-batch steps)")
    return 0


def load_data(name, data_dir=None, seed=0, images=False):
    """(train, test, input_shape, num_classes) as TensorDatasets for a dataset name."""
    import numpy as np
    import ember
    from ember.data import TensorDataset, datasets

    if name == "digits":
        tr = datasets.load_digits("train", random_state=seed, as_images=images)
        te = datasets.load_digits("test", random_state=seed, as_images=images)
        return tr, te, tuple(tr.tensors[0].shape[1:]), 10
    if name in ("xor", "spirals", "moons", "circles"):
        make = {"xor": lambda n, g: datasets.make_xor(n, noise=0.3, generator=g),
                "spirals": lambda n, g: datasets.make_spirals(n, noise=0.2, generator=g),
                "moons": lambda n, g: datasets.make_moons(n, noise=0.2, generator=g),
                "circles": lambda n, g: datasets.make_circles(n, noise=0.1, factor=0.5, generator=g)}[name]
        tr = TensorDataset(*make(800, ember.Generator().manual_seed(seed)))
        te = TensorDataset(*make(400, ember.Generator().manual_seed(seed + 10_000)))
        return tr, te, (2,), int(tr.tensors[1].max().item()) + 1
    if name in ("mnist", "fashion-mnist"):
        if not data_dir:
            raise SystemExit(f"ember: --data {name} needs --data-dir DIR holding the official IDX files "
                             f"(train-images-idx3-ubyte[.gz], ...)")
        cls = ember.data.MNIST if name == "mnist" else ember.data.FashionMNIST
        out = []
        for train in (True, False):
            ds = cls(data_dir, train=train)
            x = np.asarray(ds.data, dtype=np.float32) / 255.0
            x = x.reshape(len(x), 1, 28, 28) if images else x.reshape(len(x), -1)
            out.append(TensorDataset(ember.tensor(x), ember.tensor(np.asarray(ds.targets, dtype=np.int64))))
        return out[0], out[1], tuple(out[0].tensors[0].shape[1:]), 10
    raise SystemExit(f"ember: unknown dataset {name!r}; valid datasets: {', '.join(DATASETS)}")


def make_optimizer(name, params, lr, weight_decay=0.0, momentum=0.9):
    import ember.optim as optim
    table = {
        "sgd": lambda: optim.SGD(params, lr=lr, weight_decay=weight_decay),
        "momentum": lambda: optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay),
        "nesterov": lambda: optim.SGD(params, lr=lr, momentum=momentum, nesterov=True, weight_decay=weight_decay),
        "adagrad": lambda: optim.Adagrad(params, lr=lr, weight_decay=weight_decay),
        "adadelta": lambda: optim.Adadelta(params, lr=lr, weight_decay=weight_decay),
        "rmsprop": lambda: optim.RMSprop(params, lr=lr, weight_decay=weight_decay),
        "adam": lambda: optim.Adam(params, lr=lr, weight_decay=weight_decay),
        "adamw": lambda: optim.AdamW(params, lr=lr, weight_decay=weight_decay),
        "nadam": lambda: optim.NAdam(params, lr=lr, weight_decay=weight_decay),
    }
    if name not in table:
        raise SystemExit(f"ember: unknown optimizer {name!r}; valid optimizers: {', '.join(OPTIMIZERS)}")
    return table[name]()


def _build_model(name, input_shape, num_classes, args_cfg):
    import inspect
    import numpy as np
    import ember.models as models
    cfg = dict(args_cfg)
    if name == "mlp":
        cfg.setdefault("in_features", int(np.prod(input_shape)))
        cfg["num_classes"] = num_classes
    else:
        if name not in models.available_models():
            raise SystemExit(f"ember: unknown model {name!r}; valid models: {', '.join(models.available_models())}")
        accepted = inspect.signature(models._REGISTRY[name]).parameters
        offered = {"num_classes": num_classes, "in_channels": input_shape[0] if len(input_shape) == 3 else 1,
                   "input_size": input_shape[-1]}
        cfg = {k: v for k, v in {**offered, **cfg}.items() if k in accepted}
    try:
        return models.get_model(name, **cfg), cfg
    except ValueError as e:
        raise SystemExit(f"ember: {e}")


# Models whose training is a task of its own (sequences, detection, generative models):
# name -> "module:function"; the function takes the parsed `ember train` arguments and does
# the whole run (its own data, checkpoint and metrics). One line here per model.
TASK_MODELS = {
    "char-lstm": "ember.models.char_lstm:train_task",
    "seq2seq-attn": "ember.text.cli:train_seq2seq_task",
    "textcnn": "ember.text.cli:train_textcnn_task",
    "dcgan": "ember.models.tasks:run_dcgan",
    "unet": "ember.models.tasks:run_unet",
    "fasterrcnn-mini": "ember.detection.training:train_fasterrcnn",
    "ssd-mini": "ember.detection.training:train_ssd",
}

# Commands that live beside their code: each module has ``add_parser(subparsers)``.
COMMAND_MODULES = ["ember.lab.cli", "ember.models.char_lstm", "ember.tune.cli", "ember.text.cli",
                   "ember.detection.cli"]


def _task(name):
    import importlib
    module, func = TASK_MODELS[name].split(":")
    return getattr(importlib.import_module(module), func)


RUN_FILES = ("last.safetensors", "model.safetensors", "metrics.json", "config.json", "history.json")


def _run_folder(args):
    """The output folder, checked before any training: writable, and not holding an earlier
    run unless --overwrite (replace it) or --resume (continue it) says what to do with it."""
    out = Path(args.out) if args.out else Path("runs") / f"{args.model}-{args.data}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".ember-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise SystemExit(f"ember: --out {str(out)!r} is not a writable folder ({e.strerror or e}); "
                         f"nothing was trained")
    earlier = [f for f in RUN_FILES if (out / f).exists()]
    if args.resume:
        if not (out / "last.safetensors").exists():
            raise SystemExit(f"ember: --resume: no checkpoint {out / 'last.safetensors'} to resume from")
    elif earlier and not args.overwrite:
        raise SystemExit(f"ember: {out} already holds a run ({', '.join(earlier)}); pass --overwrite to "
                         f"replace it, --resume to continue it, or choose another --out")
    return out


def _split_validation(train, fraction, seed):
    """(train, val): a seeded random ``fraction`` of the training set held out for validation
    (early stopping, best epoch), so the test set is only used once, at the end."""
    import numpy as np
    from ember.data import TensorDataset
    n = len(train)
    n_val = int(round(n * fraction))
    if not n_val:
        return train, None
    if n - n_val < 1:
        raise SystemExit(f"ember: --val-fraction {fraction} leaves no training data ({n} samples)")
    perm = np.random.default_rng(seed + 7919).permutation(n)
    X, y = train.tensors
    pick = lambda idx: TensorDataset(X[np.sort(idx)], y[np.sort(idx)])  # noqa: E731
    return pick(perm[n_val:]), pick(perm[:n_val])


def _finite(d):
    """JSON has no NaN or inf: they become null."""
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def _train(args):
    import ember
    from ember.data import DataLoader

    if args.model in TASK_MODELS:
        return _task(args.model)(args)
    if args.model not in ember.models.available_models():
        raise SystemExit(f"ember: unknown model {args.model!r}; valid models: {', '.join(ember.models.available_models())}")
    if args.data not in DATASETS:
        raise SystemExit(f"ember: unknown dataset {args.data!r}; valid datasets: {', '.join(DATASETS)}")
    out = _run_folder(args)
    ember.manual_seed(args.seed)
    images = args.model != "mlp"
    train, test, input_shape, num_classes = load_data(args.data, args.data_dir, args.seed, images=images)
    train, val = _split_validation(train, args.val_fraction, args.seed)
    mean = std = None
    if not args.no_standardize:   # one mean and std from the training split, applied to all
        X = train.tensors[0]
        mean, std = float(X.mean()), float(X.std())
        train, test = _standardized(train, mean, std), _standardized(test, mean, std)
        val = val and _standardized(val, mean, std)
    model_cfg = {"hidden": args.hidden} if args.model == "mlp" else {}
    if args.model == "mlp" and args.dropout:
        model_cfg["dropout"] = args.dropout
    model, model_cfg = _build_model(args.model, input_shape, num_classes, model_cfg)
    if args.finetune:
        from ember.train.finetune import finetune_from_args
        print(finetune_from_args(model, args.finetune, args.freeze))
    opt = make_optimizer(args.optimizer, model.parameters(), args.lr, args.weight_decay)
    g = ember.Generator().manual_seed(args.seed)
    train_loader = DataLoader(train, batch_size=args.batch_size, shuffle=True, generator=g)
    val_loader = val and DataLoader(val, batch_size=512)
    test_loader = DataLoader(test, batch_size=512)
    augment = None
    generators = {"loader": g}
    if args.augment and images:   # random shifts: pad by 1 pixel per 8 of size, crop back
        from ember.data.transforms import RandomCrop
        side = input_shape[-1]
        generators["augment"] = ember.Generator().manual_seed(args.seed + 1)
        augment = RandomCrop(side, padding=max(1, side // 8), generator=generators["augment"])
    config = {"model": args.model, "model_config": model_cfg, "data": args.data, "input_shape": list(input_shape),
              "num_classes": num_classes, "optimizer": args.optimizer, "lr": args.lr, "batch_size": args.batch_size,
              "epochs": args.epochs, "seed": args.seed, "weight_decay": args.weight_decay,
              "schedule": args.schedule, "standardize": None if mean is None else [mean, std],
              "augment": bool(args.augment), "val_fraction": args.val_fraction, "patience": args.patience}
    callbacks = []
    if args.patience:
        if val_loader is None:
            raise SystemExit("ember: --patience needs validation data; set --val-fraction above 0")
        callbacks.append(ember.train.EarlyStopping("val_loss", patience=args.patience))
    last = out / "last.safetensors"
    callbacks.append(ember.train.TrainingCheckpoint(last, generators, extra={"config": config}))
    progress = None if not args.no_progress else False
    sched = ember.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs) if args.schedule == "cosine" else None
    trainer = ember.train.Trainer(model, opt, scheduler=sched, callbacks=callbacks, progress=progress,
                                  clip_grad_norm=args.clip_grad_norm, detect_anomaly=args.detect_anomaly,
                                  train_transform=augment)
    if args.resume:
        state = ember.serialization.load(last)
        saved = state.get("config") if isinstance(state, dict) else None
        if saved != config:
            diff = sorted(k for k in set(config) | set(saved or {}) if (saved or {}).get(k) != config.get(k))
            raise SystemExit(f"ember: --resume: {last} was written with other settings ({', '.join(diff)}); "
                             f"resume with the same arguments")
        ember.train.restore_training_state(trainer, state, generators)
        print(f"resuming from {last} after epoch {len(trainer.history)}")
    print(f"training {args.model} on {args.data}: {len(train)} train / {len(val) if val else 0} validation / "
          f"{len(test)} test samples, {sum(p.numel() for p in model.parameters()):,} parameters")
    t0 = time.perf_counter()
    remaining = args.epochs - len(trainer.history)
    stopped = any(getattr(cb, "stopped_epoch", None) for cb in callbacks)
    hist = trainer.fit(train_loader, val_loader, epochs=remaining) if remaining > 0 and not stopped else trainer.history
    elapsed = time.perf_counter() - t0
    if trainer.interrupted:
        done = len(hist)
        print(f"ember: interrupted during epoch {done + 1}; "
              + (f"{last} holds epoch {done}. Continue with the same arguments plus --resume."
                 if done else "no epoch was complete, so there is nothing to resume."), file=sys.stderr)
        return 130
    final = trainer.evaluate(test_loader)          # the test set, once
    metrics = {"test_accuracy": final.get("accuracy"), "test_loss": final["loss"],
               "train_loss": hist.last("loss"), "val_loss": hist.last("val_loss"),
               "best_epoch": trainer.best_epoch, "epochs_run": len(hist), "train_seconds": round(elapsed, 3)}
    ember.serialization.save_checkpoint(str(out / "model.safetensors"), model.state_dict(), config=config)
    (out / "config.json").write_text(json.dumps(config, indent=2))
    (out / "metrics.json").write_text(json.dumps(_finite(metrics), indent=2, allow_nan=False))
    hist.save_json(out / "history.json")
    hist.plot(out / "curves.png", title=f"{args.model} on {args.data}")
    print(f"test accuracy {metrics['test_accuracy']:.4f}  test loss {metrics['test_loss']:.4f}  "
          f"({elapsed:.1f} s, {len(hist)} epochs)")
    print(f"wrote {out}/: model.safetensors, last.safetensors, config.json, metrics.json, history.json, curves.png")
    if not math.isfinite(hist.last("loss", float("nan"))):
        print("ember: training diverged (the training loss is not finite); lower --lr or set "
              "--clip-grad-norm", file=sys.stderr)
        return 1
    return 0


def _eval(args):
    import ember
    from ember.data import DataLoader
    try:
        ckpt = ember.serialization.load_checkpoint(args.checkpoint)
    except (OSError, ValueError) as e:
        raise SystemExit(f"ember: cannot load checkpoint: {e}")
    cfg = ckpt.get("config") or {}
    if "model" not in cfg:
        raise SystemExit(f"ember: checkpoint {args.checkpoint} has no model config; was it written by `ember train`?")
    data = args.data or cfg.get("data", "digits")
    images = cfg["model"] != "mlp"
    _, test, input_shape, num_classes = load_data(data, args.data_dir, cfg.get("seed", 0), images=images)
    if cfg.get("standardize"):
        test = _standardized(test, *cfg["standardize"])
    model, _ = _build_model(cfg["model"], input_shape, num_classes, cfg.get("model_config", {}))
    try:
        model.load_state_dict(ckpt["model"])
    except RuntimeError as e:
        raise SystemExit(f"ember: checkpoint does not fit the model: {e}")
    res = ember.train.Trainer(model, _NoOpt(), progress=False).evaluate(DataLoader(test, batch_size=512))
    print(json.dumps({"data": data, "test_accuracy": res.get("accuracy"), "test_loss": res["loss"]}))
    return 0


def _standardized(ds, mean, std):
    from ember.data import TensorDataset
    X, y = ds.tensors
    return TensorDataset((X - mean) / std, y)


class _NoOpt:
    param_groups = [{"lr": 0.0}]


def _checked(kind, test, what):
    """An argparse type: ``kind(text)`` that must pass ``test``; else argparse's clear usage
    error naming the option (before anything is trained or written)."""
    def convert(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}") from None
        if not test(v):
            raise argparse.ArgumentTypeError(f"{text} is not {what}")
        return v
    convert.__name__ = kind.__name__
    return convert


_POS_INT = _checked(int, lambda v: v >= 1, "a positive integer")
_NONNEG_INT = _checked(int, lambda v: v >= 0, "a non-negative integer")
_POS_FLOAT = _checked(float, lambda v: math.isfinite(v) and v > 0, "a positive finite number")
_NONNEG_FLOAT = _checked(float, lambda v: math.isfinite(v) and v >= 0, "a non-negative finite number")
_FRACTION = _checked(float, lambda v: 0 <= v < 1, "in [0, 1)")


def _hidden_sizes(text):
    try:
        sizes = [int(h) for h in text.split(",") if h.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of integers") from None
    if any(h < 1 for h in sizes):
        raise argparse.ArgumentTypeError(f"{text!r}: hidden sizes must be positive")
    return sizes


def build_parser():
    import ember
    p = argparse.ArgumentParser(prog="ember", description="ember: deep learning and machine "
                                "learning from first principles on NumPy.")
    p.add_argument("--version", action="version", version=f"ember {ember.__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    d = sub.add_parser("demo", help="train a small network on the digits with raw autograd",
                       description=_demo.__doc__)
    d.add_argument("--steps", type=_POS_INT, default=300, help="gradient-descent steps (default 300)")
    d.add_argument("--lr", type=_POS_FLOAT, default=0.5, help="learning rate (default 0.5)")
    d.add_argument("--hidden", type=_POS_INT, default=64, help="hidden units (default 64)")
    d.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    d.set_defaults(func=_demo)

    import ember.models
    t = sub.add_parser("train", help="train a model and save checkpoint, metrics, history and curves",
                       description="Train a model. With no options: an MLP on scikit-learn's digits "
                                   "(>= 97% test accuracy in seconds).")
    t.add_argument("--model", default="mlp", help=f"model name (default mlp): {', '.join(ember.models.available_models() + sorted(TASK_MODELS))}")
    t.add_argument("--data", default="digits", help=f"dataset (default digits): {', '.join(DATASETS)}")
    t.add_argument("--data-dir", default=None, help="folder with the MNIST/FashionMNIST IDX files")
    t.add_argument("--text", default=None, help="char-lstm: a UTF-8 text file to learn (default: a text shipped with ember)")
    t.add_argument("--epochs", type=_POS_INT, default=30, help="epochs (default 30)")
    t.add_argument("--optimizer", default="adam", help=f"optimizer (default adam): {', '.join(OPTIMIZERS)}")
    t.add_argument("--lr", type=_POS_FLOAT, default=3e-3, help="learning rate (default 3e-3)")
    t.add_argument("--augment", action="store_true",
                   help="random shifts of image inputs during training (pad and crop back)")
    t.add_argument("--weight-decay", type=_NONNEG_FLOAT, default=0.0, help="L2 weight decay (default 0)")
    t.add_argument("--batch-size", type=_POS_INT, default=64, help="mini-batch size (default 64)")
    t.add_argument("--schedule", default="cosine", choices=("cosine", "none"),
                   help="learning-rate schedule (default cosine annealing to 0 over the epochs)")
    t.add_argument("--no-standardize", action="store_true",
                   help="do not standardise inputs with the training split's mean and std")
    t.add_argument("--hidden", type=_hidden_sizes, default="256", help="MLP hidden sizes, comma-separated (default 256)")
    t.add_argument("--dropout", type=_FRACTION, default=0.0, help="MLP dropout probability (default 0)")
    t.add_argument("--patience", type=_NONNEG_INT, default=0,
                   help="early-stopping patience on the validation loss (0: off)")
    t.add_argument("--val-fraction", type=_FRACTION, default=0.1,
                   help="fraction of the training data held out for validation (default 0.1); the "
                        "test set is evaluated once, at the end")
    t.add_argument("--clip-grad-norm", type=_POS_FLOAT, default=None, help="clip the gradient norm to this value")
    t.add_argument("--detect-anomaly", action="store_true", help="stop at the first NaN/inf and name the layer")
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    t.add_argument("--finetune", default=None, metavar="CHECKPOINT",
                   help="start from these weights (a head of another size is re-initialised)")
    t.add_argument("--freeze", default=None, help="with --finetune: comma-separated parameter-name globs to freeze")
    t.add_argument("--out", default=None, help="output folder (default runs/MODEL-DATA); a checkpoint "
                   "last.safetensors is written there after every epoch")
    t.add_argument("--overwrite", action="store_true", help="replace an earlier run in --out")
    t.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its last checkpoint (same arguments)")
    t.add_argument("--no-progress", action="store_true", help="no progress bar")
    t.set_defaults(func=_train)

    e = sub.add_parser("eval", help="evaluate a checkpoint written by `ember train`")
    e.add_argument("--checkpoint", required=True, help="path to model.safetensors")
    e.add_argument("--data", default=None, help="dataset (default: the one it was trained on)")
    e.add_argument("--data-dir", default=None, help="folder with the MNIST/FashionMNIST IDX files")
    e.set_defaults(func=_eval)

    import importlib
    for module in COMMAND_MODULES:
        importlib.import_module(module).add_parser(sub)
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
