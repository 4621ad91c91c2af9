"""Regularization claims: dropout on a small training set, L1 vs L2 penalties, early stopping,
and data augmentation.

Every experiment trains ember models on the bundled digits (8x8, 10 classes) with a few
hundred training samples or fewer, so that a wide MLP (or LeNet-5) can memorise them.
"""
import math

import numpy as np

import ember
from ember import nn
import ember.nn.functional as F
from ember.lab.core import Result, claim, verdict

from ._common import (digits, evaluate, figure, fit, lenet5, make_mlp, mean_std, n_params, paired_difference,
                      random_shift, single_thread, stratified_subset, to_tensor)


# -------------------------------------------------------------------------------------------
# dropout
# -------------------------------------------------------------------------------------------

@claim(
    id="dropout-overfitting",
    topic="regularization",
    concepts=("claim.dropout_overfit", "reg.dropout"),
    question="What is dropout, why does it help, and how does it differ between training and test?",
    statement="A net with many parameters trained on little data overfits; randomly silencing "
              "units during training (input keep rate about 0.8, hidden 0.5) makes it generalise "
              "better, and at test time all units are used, scaled so that the expected "
              "activation matches training.",
    source="note 000 Q1.9-1.10, note 001 Q6, note 004 (Dropout)",
    method="Train a wide 64-H-H-10 ReLU MLP on 150 digits to 100% training accuracy with and "
           "without dropout (0.2 on the input, 0.5 on hidden layers), same init, several seeds; "
           "compare the train/test gaps. Train the dropout net once with inverted and once with "
           "classic scaling (same init, same masks) and map inverted weights to the classic "
           "convention (W/(1-p) after each dropout) to compare outputs exactly.",
)
@single_thread()
def dropout_overfitting(seed, fast):
    seeds = [seed, seed + 1] if fast else [seed + k for k in range(5)]
    H, epochs, n_train = (192, 80, 150) if fast else (512, 150, 150)
    Xa, ya, Xta, yta = digits(tensors=False)
    Xt, yt = to_tensor(Xta), to_tensor(yta)
    drops = (0.2, 0.5, 0.5)
    rows = []
    for s in seeds:
        idx = stratified_subset(ya, n_train, np.random.default_rng(s))
        X, y = to_tensor(Xa[idx]), to_tensor(ya[idx])
        res = {}
        for name, dp, scaling in (("plain", (), "inverted"), ("inverted", drops, "inverted"),
                                  ("classic", drops, "classic")):
            if name == "classic" and fast and s != seeds[0]:
                res[name] = dict(test_acc=None, test_loss=None, pred=None)   # fast mode: first seed only
                continue
            model = make_mlp(64, (H, H), 10, seed=s, dropout=dp, dropout_scaling=scaling, dropout_seed=s)
            fit(model, X, y, "sgd", lr=0.05, momentum=0.9, epochs=epochs, batch_size=32, seed=1000 + s)
            tr, te = evaluate(model, X, y), evaluate(model, Xt, yt)
            res[name] = dict(model=model, train_loss=tr.loss, train_acc=tr.accuracy, test_loss=te.loss,
                             test_acc=te.accuracy, pred=te.pred)
        # exact check: the inverted net's weights, rescaled by 1/(1-p) after each dropout, run
        # in the classic convention, give the same outputs (eval mode, and train mode with the
        # same masks)
        inv = res["inverted"]["model"]
        cls = make_mlp(64, (H, H), 10, seed=s, dropout=drops, dropout_scaling="classic", dropout_seed=s + 7)
        inv2 = make_mlp(64, (H, H), 10, seed=s, dropout=drops, dropout_scaling="inverted", dropout_seed=s + 7)
        inv2.load_state_dict({k: np.array(v.array) for k, v in inv.state_dict().items()})
        state = {k: np.array(v.array) for k, v in inv.state_dict().items()}
        p_prev = 0.0
        for i, m in enumerate(inv):
            if isinstance(m, nn.Dropout):
                p_prev = m.p
            elif isinstance(m, nn.Linear):
                if p_prev:
                    state[f"{i}.weight"] = state[f"{i}.weight"] / np.float32(1.0 - p_prev)
                p_prev = 0.0
        cls.load_state_dict(state)
        cls.eval(), inv2.eval()
        with ember.no_grad():
            d_eval = float(np.abs(cls(Xt).array - inv2(Xt).array).max())
        cls.train(), inv2.train()
        with ember.no_grad():
            d_train = float(np.abs(cls(Xt).array - inv2(Xt).array).max())
        rows.append(dict(
            seed=s,
            gap_loss_plain=res["plain"]["test_loss"] - res["plain"]["train_loss"],
            gap_loss_dropout=res["inverted"]["test_loss"] - res["inverted"]["train_loss"],
            gap_acc_plain=res["plain"]["train_acc"] - res["plain"]["test_acc"],
            gap_acc_dropout=res["inverted"]["train_acc"] - res["inverted"]["test_acc"],
            train_acc_plain=res["plain"]["train_acc"], train_acc_dropout=res["inverted"]["train_acc"],
            test_acc_plain=res["plain"]["test_acc"], test_acc_inverted=res["inverted"]["test_acc"],
            test_acc_classic=res["classic"]["test_acc"],
            test_loss_plain=res["plain"]["test_loss"], test_loss_inverted=res["inverted"]["test_loss"],
            test_loss_classic=res["classic"]["test_loss"],
            agree_inv_classic=None if res["classic"]["pred"] is None else
            float((res["inverted"]["pred"] == res["classic"]["pred"]).mean()),
            agree_inv_plain=float((res["inverted"]["pred"] == res["plain"]["pred"]).mean()),
            map_max_abs_diff_eval=d_eval, map_max_abs_diff_train=d_train,
        ))
    num = {"n_train": n_train, "hidden": H, "epochs": epochs, "seeds": seeds, "dropout_p": list(drops)}
    for key in rows[0]:
        if key == "seed":
            continue
        m, sd = mean_std([r[key] for r in rows if r[key] is not None])
        num[key + "_mean"], num[key + "_std"] = m, sd
    num["per_seed"] = rows
    shrink = 1 - num["gap_loss_dropout_mean"] / num["gap_loss_plain_mean"]
    num["loss_gap_shrink"] = shrink
    num["seeds_where_loss_gap_shrinks"] = int(sum(r["gap_loss_dropout"] < r["gap_loss_plain"] for r in rows))
    num["acc_gap_change"] = num["gap_acc_dropout_mean"] - num["gap_acc_plain_mean"]
    paired = [r for r in rows if r["test_acc_classic"] is not None]
    d_acc = abs(float(np.mean([r["test_acc_inverted"] - r["test_acc_classic"] for r in paired])))
    num["abs_test_acc_diff_inverted_classic"] = d_acc
    exact = max(r["map_max_abs_diff_eval"] for r in rows) < 1e-4 and \
        max(r["map_max_abs_diff_train"] for r in rows) < 1e-4
    gap_ok = shrink > 0.1 and num["seeds_where_loss_gap_shrinks"] >= math.ceil(0.8 * len(rows))
    # the verdict on the scaling conventions rests on the exact mapping; two nets trained with the
    # same hyper-parameters under the two conventions are reported only: the conventions are two
    # parameterisations of the same model family, not the same training algorithm (with the same lr
    # the classic net's effective weights, and steps, are (1-p) times smaller)
    scale_ok = exact
    criterion = ("every net reaches 100% training accuracy; dropout shrinks the cross-entropy gap "
                 "(test loss - train loss) by > 10% on average and in >= 80% of seeds; the inverted "
                 "net's weights mapped to the classic convention give the same logits (max |diff| < "
                 "1e-4, eval and train mode). Reported, not judged: test accuracy and prediction agreement "
                 "of two nets trained with the two scalings from the same init, masks and hyper-parameters")
    notes = (f"Loss gap {num['gap_loss_plain_mean']:.3f} -> {num['gap_loss_dropout_mean']:.3f} "
             f"({100 * shrink:.0f}% smaller); accuracy gap {num['gap_acc_plain_mean']:.3f} -> "
             f"{num['gap_acc_dropout_mean']:.3f}. ")
    if num["acc_gap_change"] > -0.01:
        notes += (f"The accuracy gap does NOT shrink ({num['acc_gap_change']:+.3f}): on clean digits dropout "
                  "lowers the test cross-entropy rather than fixing test predictions, so the claim holds for "
                  "the loss gap only. ")
    notes += (f"Inverted vs classic scaling: exact after the W/(1-p) mapping (max diff "
              f"{max(r['map_max_abs_diff_eval'] for r in rows):.1e}); trained independently they agree "
              f"on {100 * num['agree_inv_classic_mean']:.1f}% of test predictions, test accuracy "
              f"{np.mean([r['test_acc_inverted'] for r in paired]):.3f} (inverted) vs "
              f"{num['test_acc_classic_mean']:.3f} (classic): with the "
              "same learning rate the two are different training runs, because the classic net's effective weights "
              "and steps are (1-p) times smaller.")
    ok_all = all(r["train_acc_plain"] == 1.0 for r in rows) and gap_ok and scale_ok
    fig, ax = figure(ncols=2, figsize=(9, 3.5))
    xs = np.arange(len(rows))
    ax[0].bar(xs - 0.2, [r["gap_loss_plain"] for r in rows], 0.4, label="no dropout")
    ax[0].bar(xs + 0.2, [r["gap_loss_dropout"] for r in rows], 0.4, label="dropout")
    ax[0].set(xlabel="seed", ylabel="test loss - train loss", title="cross-entropy gap", xticks=xs,
              xticklabels=[r["seed"] for r in rows])
    ax[0].legend()
    ax[1].bar(xs - 0.27, [r["test_acc_plain"] for r in rows], 0.27, label="no dropout")
    ax[1].bar(xs, [r["test_acc_inverted"] for r in rows], 0.27, label="inverted")
    ax[1].bar(xs + 0.27, [r["test_acc_classic"] or 0.0 for r in rows], 0.27, label="classic")
    ax[1].set(xlabel="seed", ylabel="test accuracy", ylim=(0.8, 1.0), xticks=xs,
              xticklabels=[r["seed"] for r in rows], title="test accuracy (train = 1.0)")
    ax[1].legend(fontsize=7)
    return Result(verdict(ok_all), criterion, num, {"dropout_gap": fig}, notes)


# -------------------------------------------------------------------------------------------
# L1 vs L2
# -------------------------------------------------------------------------------------------

@claim(
    id="l1-vs-l2",
    topic="regularization",
    concepts=("reg.l1", "reg.l2"),
    question="What do L1 and L2 regularization do to the weights?",
    statement="Adding the sum of absolute weights to the objective pushes many weights to exactly "
              "zero (a sparse model that selects features); adding the sum of squared weights "
              "pulls all weights towards zero but leaves them non-zero.",
    source="note 001 Q24, note 002 (L0/L1/L2 norms), note 000 Q1.5",
    method="Softmax regression (64 -> 10) on the 1347 training digits, trained with mini-batch SGD "
           "from the same random init: unregularised, with L1 by the proximal step "
           "(ember.optim.regularization.l1_prox_ after each step), with L1 by subgradient "
           "(l1_penalty in the loss), and with L2 (weight_decay). Count exact zeros and norms.",
)
@single_thread()
def l1_vs_l2(seed, fast):
    from ember.optim.regularization import l1_penalty, l1_prox_
    seeds = [seed] if fast else [seed + k for k in range(3)]
    epochs, lr, lam1, lam2 = (15, 0.1, 3e-3, 2e-2) if fast else (60, 0.1, 3e-3, 2e-2)
    Xa, ya, Xta, yta = digits(tensors=False)
    X, y, Xt, yt = (to_tensor(a) for a in (Xa, ya, Xta, yta))
    kinds = ("none", "l1_prox", "l1_subgradient", "l2")
    per = {k: [] for k in kinds}
    weights = {}
    for s in seeds:
        for kind in kinds:
            model = nn.Linear(64, 10, generator=ember.Generator().manual_seed(s))
            opt = ember.optim.SGD(model.parameters(), lr=lr, weight_decay=lam2 if kind == "l2" else 0.0)

            def loss_fn(out, target, m=model, kind=kind):
                loss = F.cross_entropy(out, target)
                return loss + l1_penalty([m.weight], lam1) if kind == "l1_subgradient" else loss

            def prox(step, m, kind=kind):
                if kind == "l1_prox":
                    l1_prox_([m.weight], lr * lam1)

            fit(model, X, y, opt, epochs=epochs, batch_size=64, seed=100 + s, loss_fn=loss_fn, on_step=prox)
            w = np.array(model.weight.array, dtype=np.float64)
            per[kind].append(dict(zero_frac=float((w == 0).mean()), tiny_frac=float((np.abs(w) < 1e-3).mean()),
                                  l2_norm=float(np.linalg.norm(w)), l1_norm=float(np.abs(w).sum()),
                                  test_acc=evaluate(model, Xt, yt).accuracy))
            if s == seeds[0]:
                weights[kind] = w.ravel()
    num = {"epochs": epochs, "lr": lr, "l1_weight": lam1, "l2_weight_decay": lam2, "seeds": seeds,
           "n_weights": 640}
    for kind in kinds:
        for key in per[kind][0]:
            m, sd = mean_std([r[key] for r in per[kind]])
            num[f"{kind}_{key}_mean"], num[f"{kind}_{key}_std"] = m, sd
    # the digits have pixels that are 0 in every training image: their weights get no data
    # gradient, so L2 shrinks them geometrically and L1 zeroes them; count them separately
    dead = (Xa == 0).all(0)
    num["always_zero_pixels"] = int(dead.sum())
    w1 = weights["l1_prox"].reshape(10, 64)
    num["l1_prox_zero_frac_on_live_pixels"] = float((w1[:, ~dead] == 0).mean())
    ok = (num["l1_prox_zero_frac_mean"] >= 0.2 and num["l1_prox_zero_frac_on_live_pixels"] >= 0.1
          and num["l2_zero_frac_mean"] == 0.0 and num["l2_l2_norm_mean"] < num["none_l2_norm_mean"]
          and num["l2_l2_norm_mean"] <= num["l1_prox_l2_norm_mean"])
    criterion = ("L1 by proximal step leaves >= 20% of the 640 weights exactly 0 (and >= 10% of those on "
                 "pixels that vary in the data); L2 (weight decay, tuned to shrink the L2 norm at least as "
                 "much as L1 does) leaves no exact zero while its norm is below the unregularised one")
    notes = (f"L1-prox: {100 * num['l1_prox_zero_frac_mean']:.1f}% exact zeros, test acc "
             f"{num['l1_prox_test_acc_mean']:.3f}; L2: {100 * num['l2_zero_frac_mean']:.1f}% zeros, norm "
             f"{num['none_l2_norm_mean']:.2f} -> {num['l2_l2_norm_mean']:.2f}, test acc {num['l2_test_acc_mean']:.3f}. "
             f"The L1 subgradient (penalty in the loss) gives {100 * num['l1_subgradient_zero_frac_mean']:.1f}% exact "
             f"zeros but {100 * num['l1_subgradient_tiny_frac_mean']:.1f}% below 1e-3: the weights oscillate around "
             "0 by lr*lambda instead of landing on it; exact sparsity needs the proximal (soft-threshold) step.")
    fig, axes = figure(ncols=4, figsize=(13, 3), sharey=True)
    bins = np.linspace(-1.5, 1.5, 61)
    for ax, kind in zip(axes, kinds):
        w = weights[kind]
        ax.hist(np.clip(w, bins[0], bins[-1]), bins=bins, color="tab:blue")
        ax.set_title(f"{kind}: {100 * (w == 0).mean():.0f}% exact zeros", fontsize=9)
        ax.set_yscale("log")
        ax.set_xlabel("weight")
    axes[0].set_ylabel("count")
    return Result(verdict(ok), criterion, num, {"weight_histograms": fig}, notes)


# -------------------------------------------------------------------------------------------
# early stopping
# -------------------------------------------------------------------------------------------

@claim(
    id="early-stopping",
    topic="regularization",
    concepts=("reg.early_stop",),
    question="Which regularization techniques do neural networks use (early stopping among them)?",
    statement="When a net overfits, the loss on held-out data stops falling and starts to rise while "
              "the training loss keeps going down; stopping at the epoch with the best validation "
              "loss (and keeping those weights) gives a model that does better on new data than the "
              "weights at the end of training.",
    source="note 000 Q1.5, note 001 Q10",
    method="Train a wide 64-H-H-10 MLP with Adam (lr 3e-3) on 100 digits, validating on 300 other training "
           "digits, with ember.train.EarlyStopping(patience, restore_best_weights=True); measure the test "
           "loss (450 held-out digits) of the restored vs the last weights, then continue from the last "
           "weights without early stopping to a fixed epoch count to see the curves go on.",
)
@single_thread()
def early_stopping(seed, fast):
    from ember.data import DataLoader, TensorDataset
    from ember.train import EarlyStopping, Trainer
    from ember.train.callbacks import LambdaCallback
    seeds = [seed] if fast else [seed + k for k in range(3)]
    H, long_epochs, patience = (256, 80, 8) if fast else (512, 150, 10)
    Xa, ya, Xta, yta = digits(tensors=False)
    Xt, yt = to_tensor(Xta), to_tensor(yta)
    rows, curves = [], None
    for s in seeds:
        rng = np.random.default_rng(s)
        tr = stratified_subset(ya, 100, rng)
        va = stratified_subset(ya, 300, rng, exclude=tr)
        model = make_mlp(64, (H, H), 10, seed=s)
        opt = ember.optim.Adam(model.parameters(), lr=3e-3)
        tl = DataLoader(TensorDataset(to_tensor(Xa[tr]), to_tensor(ya[tr])), batch_size=32, shuffle=True,
                        generator=ember.Generator().manual_seed(s))
        vl = DataLoader(TensorDataset(to_tensor(Xa[va]), to_tensor(ya[va])), batch_size=512)
        test_log, last = [], {}

        def log_test(trainer, epoch, logs, m=model, log=test_log, last=last):
            log.append(evaluate(m, Xt, yt).loss)
            last["state"] = {k: np.array(v.array, copy=True) for k, v in m.state_dict().items()}

        es = EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
        trainer = Trainer(model, opt, callbacks=[LambdaCallback(log_test), es], progress=False)
        trainer.fit(tl, vl, epochs=long_epochs)
        stop = es.stopped_epoch if es.stopped_epoch is not None else len(trainer.history)
        restored = evaluate(model, Xt, yt)
        last_loss = float(test_log[-1])
        # then go on from the last weights (same optimizer state and batch order) without early
        # stopping, to see where training would have gone
        model.load_state_dict(last["state"])
        trainer.callbacks = [LambdaCallback(log_test)]
        if long_epochs > len(trainer.history):
            trainer.fit(tl, vl, epochs=long_epochs - len(trainer.history))
        end = evaluate(model, Xt, yt)
        hist = trainer.history
        val = np.array(hist["val_loss"])
        trl = np.array(hist["loss"])
        b = int(val.argmin())
        row = dict(
            seed=s, best_epoch=int(es.best_epoch), stop_epoch=int(stop),
            best_val_loss=float(es.best), val_loss_at_stop=float(val[stop - 1]),
            test_loss_restored=restored.loss, test_acc_restored=restored.accuracy,
            test_loss_last_weights=last_loss,
            test_loss_end_of_long_run=end.loss, test_acc_end_of_long_run=end.accuracy,
            long_run_val_min_epoch=b + 1, long_run_val_min=float(val[b]), long_run_val_end=float(val[-1]),
            long_run_train_loss_at_val_min=float(trl[b]), long_run_train_loss_end=float(trl[-1]),
            restored_equals_logged_best=bool(abs(test_log[es.best_epoch - 1] - restored.loss) < 1e-5),
        )
        rows.append(row)
        if curves is None:
            curves = dict(train=trl, val=val, test=np.array(test_log), best=es.best_epoch, stop=stop)
    num = {"n_train": 100, "n_val": 300, "hidden": H, "patience": patience, "long_epochs": long_epochs,
           "seeds": seeds, "per_seed": rows}
    for key in ("best_epoch", "stop_epoch", "test_loss_restored", "test_loss_last_weights",
                "test_loss_end_of_long_run", "test_acc_restored", "test_acc_end_of_long_run",
                "long_run_val_min", "long_run_val_end"):
        num[key + "_mean"], num[key + "_std"] = mean_std([r[key] for r in rows])
    turns_up = all(r["long_run_val_end"] > 1.05 * r["long_run_val_min"]
                   and r["long_run_train_loss_end"] < 0.5 * r["long_run_train_loss_at_val_min"] for r in rows)
    es_ok = all(r["stop_epoch"] == r["best_epoch"] + patience + 1 for r in rows)
    # the last weights are only `patience` epochs past the best: restored vs last is reported, and
    # the test is against where training would have ended without early stopping
    restore_ok = all(r["test_loss_restored"] < r["test_loss_end_of_long_run"] for r in rows)
    num["seeds_where_restored_beats_last_weights"] = int(sum(r["test_loss_restored"] <= r["test_loss_last_weights"]
                                                              for r in rows))
    num["val_turns_up"], num["stops_patience_after_best"], num["restored_beats_end_of_long_run"] = \
        turns_up, es_ok, restore_ok
    criterion = ("in every seed the long run's final validation loss is > 1.05x its minimum while its "
                 "training loss has more than halved since that minimum; EarlyStopping stops at best "
                 "epoch + patience + 1; the restored weights have a lower test loss than the weights at the "
                 "end of the long run (restored vs the last weights at the stop is reported)")
    notes = (f"best epoch {num['best_epoch_mean']:.1f}, stop epoch {num['stop_epoch_mean']:.1f}; test loss "
             f"restored {num['test_loss_restored_mean']:.3f} vs last weights {num['test_loss_last_weights_mean']:.3f} "
             f"vs end of {long_epochs} epochs {num['test_loss_end_of_long_run_mean']:.3f}; test accuracy restored "
             f"{num['test_acc_restored_mean']:.3f} vs end of long run {num['test_acc_end_of_long_run_mean']:.3f}.")
    worse_acc = sum(r["test_acc_restored"] < r["test_acc_end_of_long_run"] for r in rows)
    num["seeds_where_restored_has_lower_test_accuracy"] = int(worse_acc)
    if worse_acc:
        notes += (f" Caveat, measured: in {worse_acc} of {len(rows)} seeds the restored weights have a LOWER test "
                  "accuracy than the weights at the end of the long run: the validation cross-entropy turns up while "
                  "the accuracy is still creeping up, so stopping on the loss is right for the loss but early for "
                  "the accuracy; the verdict here is about the loss.")
    fig, ax = figure(size=(6, 3.8))
    ep = np.arange(1, len(curves["train"]) + 1)
    ax.plot(ep, curves["train"], label="train loss")
    ax.plot(ep, curves["val"], label="validation loss")
    ax.plot(ep, curves["test"], label="test loss", alpha=0.7)
    ax.axvline(curves["best"], color="g", ls="--", label=f"best epoch {curves['best']}")
    ax.axvline(curves["stop"], color="r", ls=":", label=f"early stop {curves['stop']}")
    ax.set(yscale="log", xlabel="epoch", ylabel="cross-entropy", title=f"seed {seeds[0]}")
    ax.legend(fontsize=8)
    return Result(verdict(turns_up and es_ok and restore_ok), criterion, num, {"curves": fig}, notes)


# -------------------------------------------------------------------------------------------
# data augmentation
# -------------------------------------------------------------------------------------------

_AUG_MARGIN = 0.02      # with a single seed (fast mode) the noise is taken as this margin


@claim(
    id="augmentation",
    topic="regularization",
    concepts=("reg.augment",),
    question="Which regularization techniques do neural networks use, and how does data "
             "augmentation improve a network's accuracy?",
    statement="Making new training images from the existing ones by small geometric changes "
              "(shifting, rotating, flipping, cropping) enlarges the training set, so a network "
              "trained on few images generalises better than the same network trained on the raw "
              "images alone.",
    source="note 000 Q1.5, note 003 (data augmentation: translation, rotation, flips, crops)",
    method="LeNet-5 (8x8 variant) is trained with Adam on a class-balanced subset of 150 training "
           "digits, once on the raw images and once with a fresh random 1-pixel shift per image and "
           "epoch (RandomCrop(8, padding=1) on every mini-batch; in full mode also with an added "
           "+-12 degree bilinear RandomAffine rotation), same init, epochs, batches and optimizer; "
           "test accuracy on the full 450-image test split, paired over seeds.",
)
@single_thread()
def augmentation(seed, fast):
    from ember.data.transforms import Compose
    from ember.data.vision import RandomAffine
    seeds = [seed] if fast else [seed + k for k in range(6)]
    n_train, epochs, lr = (150, 100, 3e-3) if fast else (150, 200, 3e-3)
    eval_every = 20 if fast else 10
    Xa, ya, Xt, yt = digits(images=True, tensors=False)
    rows, curves = [], {"raw": [], "crop": [], "crop_rot": []}
    variants = ("raw", "crop") if fast else ("raw", "crop", "crop_rot")
    for s in seeds:
        idx = stratified_subset(ya, n_train, np.random.default_rng(s))
        X, y = Xa[idx], ya[idx]
        row = {"seed": s}
        for v in variants:
            if v == "raw":
                tf = None
            elif v == "crop":
                tf = random_shift(s)
            else:
                g = ember.Generator().manual_seed(30_000 + s)
                tf = Compose([RandomAffine(12, interpolation="bilinear", generator=g), random_shift(s)])
            net = lenet5(s)
            curve = []

            def log_test(epoch, model, curve=curve):
                if (epoch + 1) % eval_every == 0 or epoch + 1 == epochs:
                    curve.append(evaluate(model, Xt, yt).accuracy)

            fit(net, X, y, "adam", lr=lr, epochs=epochs, batch_size=32, seed=10_000 + s, transform=tf,
                on_epoch=log_test)
            curves[v].append(curve)
            row[f"test_acc_{v}"] = curve[-1]
            row[f"train_acc_{v}"] = evaluate(net, X, y).accuracy
        row["gain_crop"] = row["test_acc_crop"] - row["test_acc_raw"]
        if "test_acc_crop_rot" in row:
            row["gain_crop_rot"] = row["test_acc_crop_rot"] - row["test_acc_raw"]
        rows.append(row)
    num = {"n_train": n_train, "n_test": int(len(yt)), "epochs": epochs, "lr": lr, "seeds": seeds,
           "optimizer": "Adam", "batch_size": 32, "params": n_params(lenet5(0))}
    for v in variants:
        num[f"test_acc_{v}_mean"], num[f"test_acc_{v}_std"] = mean_std([r[f"test_acc_{v}"] for r in rows])
        num[f"train_acc_{v}_mean"] = mean_std([r[f"train_acc_{v}"] for r in rows])[0]
    for key in ("gain_crop", "gain_crop_rot"):
        if key in rows[0]:
            m, sd, se = paired_difference([r[key] for r in rows])
            num[f"{key}_mean"], num[f"{key}_std"], num[f"{key}_se"] = m, sd, se
            num[f"seeds_where_{key}_positive"] = int(sum(r[key] > 0 for r in rows))
    num["per_seed"] = rows
    m, se = num["gain_crop_mean"], num["gain_crop_se"]
    noise = max(2 * se, 0.01) if len(rows) > 1 else _AUG_MARGIN
    num["noise_threshold"] = noise
    holds = m > noise
    fails = m < -noise
    criterion = ("mean paired test-accuracy gain of the shift-augmented net over the raw-image net "
                 "(same init, data, epochs, batches, optimizer) > max(2 standard errors of the paired "
                 "difference, 0.01) over the seeds (fast mode, one seed: > 0.02) -> holds; < minus that "
                 "-> fails (augmentation clearly worse); otherwise inconclusive. The crop+rotation "
                 "variant (full mode) is reported, not judged. The gain varies a lot with the drawn "
                 "150-image subset (about +0.005 to +0.10 per seed), so the one-seed fast mode is a "
                 "smoke test of the full-mode verdict")
    notes = (f"Test accuracy with {n_train} training images, {epochs} epochs: raw "
             f"{num['test_acc_raw_mean']:.3f} +- {num['test_acc_raw_std']:.3f}, shift-augmented "
             f"{num['test_acc_crop_mean']:.3f} +- {num['test_acc_crop_std']:.3f}; paired gain {m:+.3f}")
    if len(rows) > 1:
        notes += f" (SE {se:.3f}, positive in {num['seeds_where_gain_crop_positive']}/{len(rows)} seeds)"
    notes += ". "
    if "gain_crop_rot_mean" in num:
        d_rot = num["test_acc_crop_rot_mean"] - num["test_acc_crop_mean"]
        notes += (f"Adding +-12 degree rotations to the shifts gives {num['test_acc_crop_rot_mean']:.3f} "
                  f"(gain over raw {num['gain_crop_rot_mean']:+.3f}, {d_rot:+.3f} against shifts alone): on "
                  f"8x8 digits the rotations {'add nothing beyond' if d_rot <= 0.005 else 'add to'} the shifts. ")
    # gain along training, from the mean test-accuracy curves
    ep_axis = [e for e in range(eval_every, epochs + 1, eval_every)]
    if ep_axis[-1] != epochs:
        ep_axis.append(epochs)
    gain_curve = (np.mean(curves["crop"], 0) - np.mean(curves["raw"], 0)).tolist()
    num["curve_epochs"] = ep_axis
    num["gain_crop_curve"] = gain_curve
    k_over = next((i for i, g in enumerate(gain_curve) if g > 0), None)
    num["first_epoch_augmented_ahead"] = None if k_over is None else ep_axis[k_over]
    notes += (f"The augmented net learns more slowly: after {ep_axis[0]} epochs the gain is "
              f"{gain_curve[0]:+.3f}, and it is first ahead of the raw net at epoch "
              f"{num['first_epoch_augmented_ahead']}; short schedules understate (or reverse) the benefit.")
    # figures
    fig, ax = figure(size=(5.5, 3.6))
    ep = ep_axis
    for v, label in (("raw", "raw images"), ("crop", "random 1-px shifts"),
                     ("crop_rot", "shifts + rotations")):
        if curves[v]:
            c = np.asarray(curves[v])
            mu = c.mean(0)
            ax.plot(ep, mu, marker="o", ms=3, label=label)
            if len(c) > 1:
                ax.fill_between(ep, mu - c.std(0, ddof=1), mu + c.std(0, ddof=1), alpha=0.2)
    ax.set(xlabel="epoch", ylabel="test accuracy", title=f"LeNet-5, {n_train} training digits",
           ylim=(max(0.0, min(min(x) for x in curves["raw"]) - 0.05), 1.0))
    ax.legend()
    fig2 = _augment_grid(Xa, seed)
    return Result(verdict(holds and not fails, inconclusive=not holds and not fails), criterion, num,
                  {"augmentation_curves": fig, "augmented_samples": fig2}, notes)


def _augment_grid(Xa, seed):
    """Four digits (rows): the original, then five random shifts and five shift+rotation draws."""
    from ember.data.transforms import Compose
    from ember.data.vision import RandomAffine
    imgs = Xa[:4]
    crop = random_shift(seed)
    rot = Compose([RandomAffine(12, interpolation="bilinear", generator=ember.Generator().manual_seed(seed)),
                   random_shift(seed + 1)])
    cols = 11
    fig, axes = figure(ncols=cols, nrows=4, figsize=(cols * 0.8, 4 * 0.85))
    for r in range(4):
        batch = np.repeat(imgs[r:r + 1], 5, axis=0)
        row = [imgs[r]] + list(crop(batch)) + list(rot(batch))
        for c in range(cols):
            axes[r, c].imshow(np.asarray(row[c])[0], cmap="gray_r", vmin=0, vmax=1)
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
    axes[0, 0].set_title("orig", fontsize=7)
    axes[0, 1].set_title("shift", fontsize=7)
    axes[0, 6].set_title("shift+rot", fontsize=7)
    return fig
