"""Claims about recurrent networks: long-range memory (gated versus vanilla RNNs and the
gradient through time), exploding gradients and clipping, GRU against LSTM, and what a
bidirectional RNN sees that a one-directional one cannot."""
import time

import numpy as np

import ember
import ember.nn.functional as F
from ember import nn
from ember.lab.core import Result, claim, verdict

from ._common import figure, finite, mean_std, n_params, single_thread

K, NOISE = 4, 4          # memory task: K classes to remember, NOISE distractor symbols


def _memory_batch(rng, batch, T):
    """The copy-first-symbol task: step 0 shows one of K class symbols, steps 1..T-1 show
    random distractor symbols (one-hot over K + NOISE channels); the target is the class."""
    y = rng.integers(0, K, batch)
    x = np.zeros((T, batch, K + NOISE), np.float32)
    x[0, np.arange(batch), y] = 1
    x[np.arange(1, T)[:, None], np.arange(batch)[None, :], rng.integers(K, K + NOISE, (T - 1, batch))] = 1
    return ember.tensor(x), ember.tensor(y)


class _LastStep(nn.Module):
    """A recurrent layer (RNN/LSTM/GRU) whose last output feeds a linear classifier."""

    def __init__(self, kind, inputs, hidden, classes, keep_bias=0.0, nonlinearity="tanh"):
        super().__init__()
        kw = {"nonlinearity": nonlinearity} if kind == "RNN" else {}
        self.rnn = getattr(nn, kind)(inputs, hidden, **kw)
        self.fc = nn.Linear(hidden, classes)
        if keep_bias and kind in ("LSTM", "GRU"):
            # the forget gate (LSTM) / update gate (GRU) rows H..2H start at sigmoid(keep_bias):
            # the unit begins by keeping its memory
            with ember.no_grad():
                self.rnn.bias_ih_l0.array[hidden:2 * hidden] = keep_bias
                self.rnn.bias_hh_l0.array[hidden:2 * hidden] = 0.0

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[-1])


def _train(net, batches, steps, lr, clip=None, opt="adam"):
    """Train on ``batches(step)`` with cross-entropy; returns losses and pre-clip grad norms."""
    params = list(net.parameters())
    o = ember.optim.Adam(params, lr=lr) if opt == "adam" else ember.optim.SGD(params, lr=lr)
    losses, norms = [], []
    for s in range(steps):
        x, y = batches(s)
        loss = F.cross_entropy(net(x), y)
        o.zero_grad()
        loss.backward()
        norms.append(float(nn.utils.clip_grad_norm_(params, clip if clip else float("inf"))))
        losses.append(loss.item())
        if not (np.isfinite(losses[-1]) and np.isfinite(norms[-1])):
            break
        o.step()
    return losses, norms


def _accuracy(net, x, y):
    with ember.no_grad():
        out = net(x)
    return float((out.argmax(-1) == y).float().mean().item())


def _grad_through_time(net, x, y):
    """||dL/dx_t|| for every step t (averaged over the batch), relative to the last step's."""
    x = x.detach().requires_grad_()
    F.cross_entropy(net(x), y).backward()
    g = np.sqrt((x.grad.array.astype(np.float64) ** 2).sum(-1)).mean(1)
    return g / g[-1]


# --------------------------------------------------------------------------------------
@claim(
    id="lstm-memory",
    topic="sequence",
    concepts=("rnn.rnn", "rnn.lstm", "rnn.gru"),
    question="Why does a vanilla RNN forget, and how do LSTM and GRU remember over long gaps?",
    statement="Backpropagation through a vanilla RNN multiplies the gradient by the recurrent Jacobian at "
              "every step, so the signal from an early input shrinks exponentially with the gap and the RNN "
              "cannot learn to carry it; the gated cells keep an additive path (the LSTM cell, the GRU's "
              "z * h) whose gate can hold near 1, so the gradient survives the gap and they learn the task.",
    source="note 005 (RNN, LSTM, GRU: why vanilla RNNs forget; the gates)",
    method="The copy-first-symbol task: one of 4 symbols at step 0, then T-1 random distractor symbols; "
           "classify the first symbol from the last hidden state. RNN (tanh), LSTM and GRU of 32 units, "
           "the gated ones with the forget (LSTM) / update (GRU) gate bias at 3 so they start by keeping "
           "(the usual remedy for their own 0.5^T decay at zero bias), trained with Adam (clip 1). We "
           "measure the gradient norm of the loss with respect to each step's input at initialisation "
           "(relative to the last step's) and the test accuracy after training.",
)
@single_thread()
def lstm_memory(seed, fast):
    T, steps, hidden = (40, 200, 32) if fast else (80, 600, 32)
    seeds = [seed] if fast else [seed + i for i in range(3)]
    kinds = ("RNN", "LSTM", "GRU")
    acc = {k: [] for k in kinds}
    first = {k: [] for k in kinds}
    curves = {}
    for s in seeds:
        rng = np.random.default_rng(s)
        xt, yt = _memory_batch(np.random.default_rng(10_000 + s), 500, T)
        for kind in kinds:
            ember.manual_seed(s)
            net = _LastStep(kind, K + NOISE, hidden, K, keep_bias=3.0)
            g = _grad_through_time(net, *_memory_batch(np.random.default_rng(s), 64, T))
            curves.setdefault(kind, g)
            first[kind].append(float(g[0]))
            _train(net, lambda _: _memory_batch(rng, 32, T), steps, 1e-2, clip=1.0)
            acc[kind].append(_accuracy(net, xt, yt))
    numbers = {"gap_T": T, "train_steps": steps, "seeds": len(seeds), "chance": 1 / K}
    for kind in kinds:
        numbers[f"test_accuracy_{kind}"] = mean_std(acc[kind])
        numbers[f"grad_first_over_last_step_{kind}"] = float(np.exp(np.mean(np.log(first[kind]))))
    gated_grad = min(numbers["grad_first_over_last_step_LSTM"], numbers["grad_first_over_last_step_GRU"])
    ok = (gated_grad >= 100 * numbers["grad_first_over_last_step_RNN"]
          and numbers["test_accuracy_RNN"][0] <= 0.5
          and max(numbers["test_accuracy_LSTM"][0], numbers["test_accuracy_GRU"][0]) >= 0.9)
    fig, (a1, a2) = figure(ncols=2)
    for kind, style in zip(kinds, ("o-", "s-", "^-")):
        a1.semilogy(np.arange(T), curves[kind], style, markersize=3, label=kind)
    a1.set(xlabel="input step t (the symbol is at t = 0)", ylabel="||dL/dx_t|| / ||dL/dx_T||",
           title=f"gradient through time at init, T={T}")
    a1.legend()
    a1.grid(True, which="both", alpha=0.3)
    a2.bar(kinds, [numbers[f"test_accuracy_{k}"][0] for k in kinds])
    a2.axhline(1 / K, color="gray", linestyle="--", label="chance")
    a2.set(ylabel="test accuracy", title=f"after {steps} Adam steps", ylim=(0, 1.05))
    a2.legend()
    notes = (f"The gradient that reaches the symbol's step is {numbers['grad_first_over_last_step_RNN']:.1e} of the "
             f"last step's in the RNN, {numbers['grad_first_over_last_step_LSTM']:.1e} in the LSTM and "
             f"{numbers['grad_first_over_last_step_GRU']:.1e} in the GRU. Accuracy: RNN "
             f"{numbers['test_accuracy_RNN'][0]:.2f}, LSTM {numbers['test_accuracy_LSTM'][0]:.2f}, GRU "
             f"{numbers['test_accuracy_GRU'][0]:.2f} (chance {1 / K:.2f}). In our runs the GRU learns the gap within "
             f"the budget more readily than the LSTM, whose cell also adds every distractor's write (input gate "
             f"about 0.5 at init) to the memory it has to keep.")
    return Result(verdict(ok),
                  "the gradient reaching the first step (relative to the last) is >= 100x larger in both gated "
                  "nets than in the RNN, the RNN stays <= 0.5 accurate, and a gated net reaches >= 0.9",
                  numbers, {"memory": fig}, notes)


# --------------------------------------------------------------------------------------
@claim(
    id="rnn-exploding-clipping",
    topic="sequence",
    concepts=("rnn.rnn",),
    question="Why do RNN gradients explode, and what does gradient clipping do about it?",
    statement="When the recurrent weights amplify the state (spectral radius above 1), backpropagation "
              "through time multiplies the gradient by them at every step, so its norm grows exponentially "
              "with the sequence length and a plain gradient step throws the weights far away; clipping the "
              "gradient norm bounds each step, and training proceeds.",
    source="note 005 (RNN gradient explosion; gradient clipping)",
    method="A ReLU RNN of 32 units whose recurrent matrix is 1.5 times a random orthogonal matrix, on the "
           "copy-first-symbol task (T=30), trained with plain SGD (lr 0.05) from the same initial weights "
           "with and without clip_grad_norm_(max_norm=1). We record the gradient norm before clipping and the loss.",
)
@single_thread()
def rnn_exploding_clipping(seed, fast):
    T, steps, hidden = (30, 40, 32) if fast else (30, 200, 32)
    runs = {}
    for clip in (None, 1.0):
        ember.manual_seed(seed)
        net = _LastStep("RNN", K + NOISE, hidden, K, nonlinearity="relu")
        q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((hidden, hidden)))
        with ember.no_grad():
            net.rnn.weight_hh_l0.array[...] = 1.5 * q
        rng = np.random.default_rng(seed)
        with np.errstate(over="ignore", invalid="ignore"):      # the unclipped run overflows, as claimed
            losses, norms = _train(net, lambda _: _memory_batch(rng, 32, T), steps, 0.05, clip=clip, opt="sgd")
        runs["clipped" if clip else "unclipped"] = (losses, norms, finite(net.rnn.weight_hh_l0))
    lu, nu, fu = runs["unclipped"]
    lc, nc, fc = runs["clipped"]
    numbers = {
        "T": T, "steps": steps, "recurrent_spectral_radius": 1.5,
        "grad_norm_at_init": nu[0],
        "max_grad_norm_unclipped": float(np.nanmax(np.where(np.isfinite(nu), nu, np.nan))) if nu else float("nan"),
        "unclipped_steps_until_nonfinite": len(lu) if not (np.isfinite(lu[-1]) and fu) else None,
        "unclipped_final_loss": lu[-1], "unclipped_weights_finite": bool(fu),
        "clipped_initial_loss": lc[0], "clipped_final_loss": float(np.mean(lc[-5:])),
        "clipped_weights_finite": bool(fc),
    }
    blew_up = (not fu) or (not np.isfinite(lu[-1])) or lu[-1] > 2 * lu[0]
    ok = nu[0] > 100 and blew_up and fc and numbers["clipped_final_loss"] < lc[0]
    fig, (a1, a2) = figure(ncols=2)
    a1.semilogy(nu, label="without clipping")
    a1.semilogy(nc, label="with clipping (pre-clip norm)")
    a1.set(xlabel="SGD step", ylabel="gradient norm", title="gradient norm")
    a2.plot(np.where(np.isfinite(lu), lu, np.nan), label="without clipping")
    a2.plot(lc, label="with clipping")
    a2.set(xlabel="SGD step", ylabel="training loss", title="loss", yscale="log")
    for a in (a1, a2):
        a.legend()
        a.grid(True, alpha=0.3)
    notes = (f"At initialisation the gradient norm is already {nu[0]:.3g} (a 1.5x-amplifying recurrence over "
             f"{T} steps). Without clipping the loss goes to {lu[-1]:.3g} "
             f"(weights finite: {bool(fu)}); with the norm clipped to 1 it goes from {lc[0]:.3f} to "
             f"{numbers['clipped_final_loss']:.3f}.")
    return Result(verdict(ok),
                  "the initial gradient norm exceeds 100, unclipped SGD diverges (non-finite, or loss above twice "
                  "its start), and the clipped run stays finite with its loss below the start",
                  numbers, {"clipping": fig}, notes)


def _step_ms(seed, rounds=7):
    """Milliseconds of forward + backward of an LSTM and a GRU layer at benchmark size (T=32,
    batch 64, 64 inputs, 128 units): the two alternate round by round (so a loaded machine
    slows both alike) and each gets its median."""
    ember.manual_seed(seed)
    layers = {k: getattr(nn, k)(64, 128) for k in ("LSTM", "GRU")}
    x = ember.randn(32, 64, 64)
    times = {k: [] for k in layers}
    for r in range(rounds):
        for kind in (("LSTM", "GRU") if r % 2 else ("GRU", "LSTM")):
            t0 = time.perf_counter()
            out, _ = layers[kind](x)
            out[-1].sum().backward()
            times[kind].append(time.perf_counter() - t0)
    return {k: 1e3 * float(np.median(v)) for k, v in times.items()}


# --------------------------------------------------------------------------------------
@claim(
    id="gru-vs-lstm",
    topic="sequence",
    concepts=("rnn.gru", "rnn.lstm"),
    question="How does a GRU compare with an LSTM?",
    statement="The GRU merges the LSTM's forget and input gates into one update gate and drops the separate "
              "cell, so it has three gate blocks instead of four: 3/4 of the parameters and less work per "
              "step, with accuracy comparable to the LSTM's on typical tasks.",
    source="note 005 (GRU versus LSTM)",
    method="LSTM and GRU of the same width on the copy-first-symbol task (T=20), the same Adam budget and "
           "keep-initialised gates; we count parameters, measure test accuracy, and time forward + backward "
           "of each layer at benchmark size (T=32, batch 64, 64 inputs, 128 units; 7 alternating rounds, "
           "medians, one thread).",
)
@single_thread()
def gru_vs_lstm(seed, fast):
    T, steps, hidden = (20, 150, 32) if fast else (40, 500, 64)
    seeds = [seed] if fast else [seed + i for i in range(3)]
    res = {k: {"acc": [], "ms": []} for k in ("LSTM", "GRU")}
    params = {}
    for s in seeds:
        xt, yt = _memory_batch(np.random.default_rng(10_000 + s), 500, T)
        for kind in ("LSTM", "GRU"):
            ember.manual_seed(s)
            net = _LastStep(kind, K + NOISE, hidden, K, keep_bias=3.0)
            params[kind] = n_params(net.rnn)
            rng = np.random.default_rng(s)
            _train(net, lambda _: _memory_batch(rng, 32, T), steps, 1e-2, clip=1.0)
            res[kind]["acc"].append(_accuracy(net, xt, yt))
        for kind, ms in _step_ms(s).items():
            res[kind]["ms"].append(ms)
    numbers = {"T": T, "hidden": hidden, "steps": steps, "seeds": len(seeds),
               "params_LSTM": params["LSTM"], "params_GRU": params["GRU"],
               "param_ratio_GRU_over_LSTM": params["GRU"] / params["LSTM"]}
    for kind in res:
        numbers[f"test_accuracy_{kind}"] = mean_std(res[kind]["acc"])
        numbers[f"step_ms_{kind}"] = mean_std(res[kind]["ms"])
    numbers["time_ratio_GRU_over_LSTM"] = numbers["step_ms_GRU"][0] / numbers["step_ms_LSTM"][0]
    ok = (abs(numbers["param_ratio_GRU_over_LSTM"] - 0.75) < 1e-12
          and numbers["time_ratio_GRU_over_LSTM"] < 1.0
          and numbers["test_accuracy_GRU"][0] >= numbers["test_accuracy_LSTM"][0] - 0.05)
    fig, (a1, a2, a3) = figure(ncols=3, size=(3.6, 3.2))
    for a, key, title in ((a1, "params", "parameters"), (a2, "step_ms", "ms per forward+backward"),
                          (a3, "test_accuracy", "test accuracy")):
        vals = [numbers[f"{key}_{k}"] for k in ("LSTM", "GRU")]
        a.bar(["LSTM", "GRU"], [v[0] if isinstance(v, tuple) else v for v in vals])
        a.set(title=title)
    notes = (f"GRU/LSTM: parameters {numbers['param_ratio_GRU_over_LSTM']:.2f}, time per step "
             f"{numbers['time_ratio_GRU_over_LSTM']:.2f}, accuracy {numbers['test_accuracy_GRU'][0]:.2f} vs "
             f"{numbers['test_accuracy_LSTM'][0]:.2f}.")
    return Result(verdict(ok),
                  "the GRU has exactly 3/4 of the LSTM's parameters, a faster training step, and accuracy "
                  "no more than 5 points below the LSTM's",
                  numbers, {"gru_vs_lstm": fig}, notes)


# --------------------------------------------------------------------------------------
class _Tagger(nn.Module):
    def __init__(self, vocab, hidden, bidirectional):
        super().__init__()
        self.embed = nn.Embedding(vocab, 16)
        self.rnn = nn.GRU(16, hidden, bidirectional=bidirectional)
        self.fc = nn.Linear(hidden * (2 if bidirectional else 1), vocab)

    def forward(self, x):
        out, _ = self.rnn(self.embed(x))
        return self.fc(out)


@claim(
    id="bidirectional-context",
    topic="sequence",
    concepts=("rnn.bidirectional",),
    question="What does a bidirectional RNN add?",
    statement="A one-directional RNN's output at step t summarises only the inputs up to t; a bidirectional "
              "RNN joins a second RNN run from the end, so its output at t also sees what comes after. On a "
              "task whose answer at t depends on the future, only the bidirectional one can beat chance.",
    source="note 005 (bidirectional RNN)",
    method="Tag every position of a random sequence of 6 symbols with the symbol that comes next (the last "
           "position with its own). One-directional and bidirectional GRUs of the same width, trained with Adam "
           "on the same batches; per-position test accuracy.",
)
@single_thread()
def bidirectional_context(seed, fast):
    V, T, steps = 6, 10, (120 if fast else 400)
    rng_test = np.random.default_rng(10_000 + seed)

    def make(rng, n):
        x = rng.integers(0, V, (T, n))
        y = np.concatenate([x[1:], x[-1:]])
        return ember.tensor(x), ember.tensor(y)

    class _Flat(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x):
            return self.m(x).reshape(-1, V)
    acc = {}
    for bi in (False, True):
        ember.manual_seed(seed)
        net = _Tagger(V, 32, bi)
        rng = np.random.default_rng(seed)

        def batches(_):
            x, y = make(rng, 32)
            return x, y.reshape(-1)
        _train(_Flat(net), batches, steps, 1e-2, clip=1.0)
        xt, yt = make(rng_test, 500)
        with ember.no_grad():
            pred = net(xt).argmax(-1).array
        acc["bidirectional" if bi else "one_directional"] = float((pred[:-1] == yt.array[:-1]).mean())
    numbers = {"vocab": V, "T": T, "steps": steps, "chance": 1 / V,
               "test_accuracy_one_directional": acc["one_directional"],
               "test_accuracy_bidirectional": acc["bidirectional"]}
    ok = acc["bidirectional"] >= 0.9 and acc["one_directional"] <= 1 / V + 0.1
    fig, ax = figure()
    ax.bar(["one-directional", "bidirectional"], [acc["one_directional"], acc["bidirectional"]])
    ax.axhline(1 / V, color="gray", linestyle="--", label="chance")
    ax.set(ylabel="accuracy (predict the next symbol)", ylim=(0, 1.05))
    ax.legend()
    return Result(verdict(ok),
                  "the bidirectional GRU tags >= 90% of positions right, the one-directional one stays within "
                  "10 points of chance (1/6)",
                  numbers, {"bidirectional": fig},
                  f"one-directional {acc['one_directional']:.3f} (chance {1 / V:.3f}), bidirectional "
                  f"{acc['bidirectional']:.3f}")


# --------------------------------------------------------------------------------------
_ACTS = {"sigmoid": lambda a: a.sigmoid(), "tanh": lambda a: a.tanh(), "relu": lambda a: a.relu()}
_VARIANTS = {"sigmoid gates, tanh candidate (LSTM)": ("sigmoid", "tanh"),
             "tanh gates": ("tanh", "tanh"),
             "relu candidate": ("sigmoid", "relu")}


class _CustomLSTM(nn.Module):
    """An LSTM written step by step with ember ops whose gate and candidate activations can be
    swapped; c' = f c + i g, h' = o tanh(c') as the LSTM, forget-gate bias 3 (keep)."""

    def __init__(self, inputs, hidden, classes, gate, cand):
        super().__init__()
        self.H, self.gate, self.cand = hidden, _ACTS[gate], _ACTS[cand]
        self.cell = nn.Linear(inputs + hidden, 4 * hidden)
        with ember.no_grad():
            self.cell.bias.array[hidden:2 * hidden] = 3.0
        self.fc = nn.Linear(hidden, classes)

    def run(self, x):
        T, B, H = x.shape[0], x.shape[1], self.H
        h = c = ember.zeros(B, H, dtype=x.dtype)
        cmax = []
        for t in range(T):
            a = self.cell(ember.cat([x[t], h], 1))
            i, f, o = self.gate(a[:, :H]), self.gate(a[:, H:2 * H]), self.gate(a[:, 3 * H:])
            c = f * c + i * self.cand(a[:, 2 * H:3 * H])
            h = o * c.tanh()
            cmax.append(float(np.abs(c.array).max()))
        return h, cmax

    def forward(self, x):
        return self.fc(self.run(x)[0])


@claim(
    id="lstm-activations",
    topic="sequence",
    concepts=("rnn.lstm",),
    question="Why does the LSTM use sigmoid for its gates and tanh for the candidate?",
    statement="A gate multiplies a signal, so it must lie in [0, 1]: sigmoid lets it close (0) or pass (1); a "
              "tanh gate can be negative and flip the memory's sign. The candidate is added to the cell at every "
              "step, so it must be bounded and centred: tanh keeps the cell's increments in [-1, 1], while an "
              "unbounded ReLU candidate lets the cell grow without limit over long sequences.",
    source="note 005 (LSTM: why sigmoid gates and a tanh candidate)",
    method="The same LSTM written with ember ops, with (gates, candidate) = (sigmoid, tanh), (tanh, tanh) and "
           "(sigmoid, relu), forget bias 3, trained with Adam on the copy-first-symbol task (T=12); we measure "
           "test accuracy and the largest |cell| when the trained cell runs over sequences 10x longer.",
)
@single_thread()
def lstm_activations(seed, fast):
    T, steps, hidden = (12, 120, 16) if fast else (20, 400, 32)
    numbers = {"T": T, "steps": steps, "hidden": hidden, "chance": 1 / K}
    acc, cmax = {}, {}
    xt, yt = _memory_batch(np.random.default_rng(10_000 + seed), 300, T)
    xl, _ = _memory_batch(np.random.default_rng(20_000 + seed), 50, 10 * T)
    for name, (gate, cand) in _VARIANTS.items():
        ember.manual_seed(seed)
        net = _CustomLSTM(K + NOISE, hidden, K, gate, cand)
        rng = np.random.default_rng(seed)
        losses, _ = _train(net, lambda _: _memory_batch(rng, 32, T), steps, 1e-2, clip=1.0)
        acc[name] = _accuracy(net, xt, yt) if np.isfinite(losses[-1]) else 0.0
        with ember.no_grad():
            cmax[name] = net.run(xl)[1]
        numbers[f"test_accuracy[{name}]"] = acc[name]
        numbers[f"max_abs_cell_over_{10 * T}_steps[{name}]"] = float(np.max(cmax[name]))
    std = "sigmoid gates, tanh candidate (LSTM)"
    best_other = max(acc[n] for n in acc if n != std)
    growth = numbers[f"max_abs_cell_over_{10 * T}_steps[relu candidate]"] / numbers[f"max_abs_cell_over_{10 * T}_steps[{std}]"]
    numbers["relu_over_tanh_cell_magnitude"] = growth
    ok = acc[std] >= 0.9 and acc[std] >= best_other and growth >= 2
    fig, (a1, a2) = figure(ncols=2)
    a1.bar(range(len(acc)), list(acc.values()))
    a1.set_xticks(range(len(acc)), ["sigmoid/tanh", "tanh/tanh", "sigmoid/relu"])
    a1.axhline(1 / K, color="gray", linestyle="--")
    a1.set(ylabel="test accuracy", title=f"copy-first, T={T}", ylim=(0, 1.05))
    for name in cmax:
        a2.semilogy(cmax[name], label=name)
    a2.set(xlabel="step", ylabel="max |c_t|", title=f"cell magnitude over {10 * T} steps")
    a2.legend(fontsize=7)
    notes = "; ".join(f"{n}: accuracy {acc[n]:.2f}, max |c| {np.max(cmax[n]):.3g}" for n in acc) + "."
    if acc[std] == best_other:
        notes += (" At this gap every variant learns the task, so accuracy does not separate them here; the "
                  "difference shows in how large the cell grows on longer inputs.")
    return Result(verdict(ok),
                  "the standard LSTM reaches >= 0.9 and is at least as accurate as each swapped variant, and the "
                  "ReLU candidate's cell grows >= 2x larger than the tanh candidate's over 10x longer inputs",
                  numbers, {"activations": fig}, notes)
