"""Text CNN (Kim, 2014): embeddings, 1-D convolutions of several widths (each an n-gram
detector sliding over the sequence), max-over-time pooling (did the n-gram occur
anywhere?), dropout and a linear classifier."""
import ember
from .. import nn


class TextCNN(nn.Module):
    """(N, L) token ids -> (N, num_classes) logits."""

    def __init__(self, vocab_size, num_classes, emb_dim=16, widths=(2, 3, 4), filters=16, dropout=0.1,
                 padding_idx=None):
        super().__init__()
        if not widths or any(not isinstance(w, int) or w < 1 for w in widths):
            raise ValueError(f"TextCNN: widths={widths!r} must be a non-empty sequence of positive ints")
        self.widths = tuple(widths)
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=padding_idx)
        self.convs = nn.ModuleList([nn.Conv1d(emb_dim, filters, w) for w in self.widths])
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(filters * len(self.widths), num_classes)

    def forward(self, tokens):
        if tokens.shape[-1] < max(self.widths):
            raise ValueError(f"TextCNN: sequences of length {tokens.shape[-1]} are shorter than the widest "
                             f"filter ({max(self.widths)})")
        x = self.embedding(tokens).transpose(1, 2)                       # (N, E, L)
        pooled = [conv(x).relu().amax(-1) for conv in self.convs]      # max over time: (N, filters) each
        return self.fc(self.dropout(ember.cat(pooled, 1)))
