"""Sequence-to-sequence and text models: locally generated tasks (:mod:`.tasks`), the
encoder-decoder with attention and its decoders (:mod:`.seq2seq`), the text CNN
(:mod:`.textcnn`) and their command-line entries (:mod:`.cli`)."""
from .tasks import Vocab, reversal_pairs, addition_pairs, date_pairs, ngram_task, TASKS  # noqa: F401
from .seq2seq import Attention, Encoder, Decoder, Seq2Seq, Hypothesis, greedy_decode, beam_search  # noqa: F401
from .textcnn import TextCNN  # noqa: F401
