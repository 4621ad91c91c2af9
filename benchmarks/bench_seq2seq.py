"""Decoding throughput of the date-normalisation seq2seq (bidirectional GRU encoder, GRU
decoder with general attention, hidden 64) against the same model in torch CPU holding the
same weights (loaded by name): greedy decoding of a batch of 64 dates, and beam search
(width 5) of 8 dates one at a time, both written the same way in the two libraries.

    python benchmarks/bench_seq2seq.py [--threads 2] [--rounds 11] [--steps 300]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import compare, report, set_threads  # noqa: E402


def torch_model(model):
    """The ember Seq2Seq's twin in torch (same module names), with its weights."""
    import torch
    from torch import nn
    cfg = model.config
    H, E = cfg["hidden"], cfg["emb_dim"]

    class Enc(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(cfg["src_vocab"], E, padding_idx=0)
            self.rnn = nn.GRU(E, H, batch_first=True, bidirectional=True)

    class Att(nn.Module):
        def __init__(self):
            super().__init__()
            self.W = nn.Linear(2 * H, 2 * H, bias=False)

    class Dec(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(cfg["tgt_vocab"], E, padding_idx=0)
            self.bridge = nn.Linear(2 * H, 2 * H)
            self.rnn = nn.GRU(E, 2 * H, batch_first=True)
            self.attention = Att()
            self.combine = nn.Linear(4 * H, 2 * H)
            self.out = nn.Linear(2 * H, cfg["tgt_vocab"])

    class S2S(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = Enc(), Dec()

        def encode(self, src, lengths):
            x = nn.utils.rnn.pack_padded_sequence(self.encoder.embedding(src), torch.as_tensor(lengths),
                                                  batch_first=True, enforce_sorted=False)
            out, h = self.encoder.rnn(x)
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
            state = torch.tanh(self.decoder.bridge(torch.cat([h[-2], h[-1]], -1))).unsqueeze(0)
            return out, state, src == 0

        def step(self, inp, state, enc, mask):
            d = self.decoder
            h, state = d.rnn(d.embedding(inp), state)
            s = (h @ d.attention.W(enc).mT).masked_fill(mask[:, None], float("-inf"))
            ctx = torch.softmax(s, -1) @ enc
            logits = d.out(torch.tanh(d.combine(torch.cat([h, ctx], -1))))
            lp = torch.log_softmax(logits[:, -1], -1)
            lp[:, :2] = float("-inf")
            return lp, state

    tm = S2S()
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    return tm.eval()


def torch_greedy(tm, src, lengths, max_len):
    import torch
    with torch.no_grad():
        enc, state, mask = tm.encode(src, lengths)
        inp, out = torch.full((src.shape[0], 1), 1), []
        done = torch.zeros(src.shape[0], dtype=torch.bool)
        for _ in range(max_len):
            lp, state = tm.step(inp, state, enc, mask)
            inp = lp.argmax(-1, keepdim=True)
            out.append(inp)
            done |= inp[:, 0] == 2
            if done.all():
                break
        return torch.cat(out, 1)


def torch_beam(tm, src, lengths, k, max_len):
    import torch
    res = []
    with torch.no_grad():
        for i in range(src.shape[0]):
            enc, state, mask = tm.encode(src[i:i + 1], lengths[i:i + 1])
            seqs, scores, finished = [[]], torch.zeros(1), []
            for _ in range(max_len):
                B = len(seqs)
                lp, state = tm.step(torch.tensor([[s[-1] if s else 1] for s in seqs]), state,
                                    enc.expand(B, -1, -1), mask.expand(B, -1))
                cand = (scores[:, None] + lp).ravel()
                V = lp.shape[-1]
                top = torch.topk(cand, k).indices.tolist()
                keep, ns, nsc = [], [], []
                for c in top:
                    b, tok = divmod(c, V)
                    if tok == 2:
                        finished.append((seqs[b], float(cand[c])))
                    else:
                        keep.append(b), ns.append(seqs[b] + [tok]), nsc.append(float(cand[c]))
                if len(finished) >= k or not keep:
                    break
                seqs, scores, state = ns, torch.tensor(nsc), state[:, keep]
            res.append(max(finished, key=lambda f: f[1]) if finished else (seqs[0], 0.0))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("--steps", type=int, default=300, help="training steps of the date model")
    args = ap.parse_args()
    set_threads(args.threads)
    import torch
    from ember.text import beam_search, greedy_decode
    from ember.text.tasks import date_pairs
    from ember.text.train import train_seq2seq
    model, sv, tv = train_seq2seq("dates", steps=args.steps, hidden=64, emb_dim=32, batch_size=32, lr=1e-2)
    tm = torch_model(model)
    pairs = date_pairs(64, seed=5)
    src, lengths = sv.batch([p[0] for p in pairs])
    tsrc = torch.tensor(src)
    e_seqs, _ = greedy_decode(model, src, lengths, 12)
    t_out = torch_greedy(tm, tsrc, lengths, 12).tolist()
    agree = np.mean([tv.decode(a) == tv.decode(b) for a, b in zip(e_seqs, t_out)])
    acc = np.mean([tv.decode(a) == p[1] for a, p in zip(e_seqs, pairs)])
    print(f"greedy outputs agree with torch's on {100 * agree:.0f}% of 64 dates; exact match {acc:.2f}")
    rows = [compare("greedy decoding, 64 dates", lambda: greedy_decode(model, src, lengths, 12),
                    lambda: torch_greedy(tm, tsrc, lengths, 12), rounds=args.rounds, inner=3),
            compare("beam-5 decoding, 8 dates", lambda: beam_search(model, src[:8], lengths[:8], 5, max_len=12),
                    lambda: torch_beam(tm, tsrc[:8], lengths[:8], 5, 12), rounds=args.rounds, inner=1)]
    for r, n in zip(rows, (64, 8)):
        r["ember_dates_per_s"] = n / r["ember_ms"] * 1e3
        r["torch_dates_per_s"] = n / r["torch_ms"] * 1e3
    report(rows, "seq2seq", args.threads, {"greedy_agreement_with_torch": float(agree), "exact_match": float(acc)})


if __name__ == "__main__":
    main()
