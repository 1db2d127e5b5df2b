"""Models for decoding tests: a bigram probability table with Seq2Seq's decoding interface, a small random Seq2Seq
with peaked distributions (so that hypotheses end at different lengths), and a checkpoint to translate with."""

import numpy as np

from tinyseqkd.autograd import Tensor
from tinyseqkd.checkpoint import save_checkpoint
from tinyseqkd.config import Config
from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.model import Encoded, ModelArgs, Seq2Seq

PAD, UNK, BOS, EOS, A, B = range(6)  # the table model's vocabulary: the four specials and two words


class TableModel:
    """p(w | previous word) from a fixed table; missing entries have probability 0.

    Implements what the decoders call — ``encode``, ``initial_h_tilde``, ``decode_step``, ``log_probs``, ``eval``,
    ``train`` — with the previous word as the whole "state" (carried in h̃) and uniform attention. ``steps``
    counts decoder steps, to check when decoding stops.
    """

    def __init__(self, table: dict[int, dict[int, float]], vocab_size: int = 6):
        self.log_table = np.full((vocab_size, vocab_size), -np.inf, np.float32)
        for previous, row in table.items():
            assert abs(sum(row.values()) - 1) < 1e-9, row
            for word, p in row.items():
                self.log_table[previous, word] = np.log(p)
        self.training = False
        self.steps = 0

    def eval(self):
        return self.train(False)

    def train(self, mode: bool = True):
        self.training = mode
        return self

    def encode(self, src, src_lengths) -> Encoded:
        memory = Tensor(np.zeros((len(src_lengths), src.shape[1], 1)))
        return Encoded(memory, memory, np.asarray(src_lengths), [])

    def initial_h_tilde(self, batch_size: int) -> Tensor:
        return Tensor(np.zeros((batch_size, 1)))

    def decode_step(self, prev_ids, h_tilde, states, encoded):
        self.steps += 1
        lengths = (encoded.lengths if encoded.rows is None else encoded.lengths[encoded.rows])[:, None]
        weights = (np.arange(encoded.memory.shape[1]) < lengths) / lengths
        return Tensor(np.asarray(prev_ids, np.float32)[:, None]), states, Tensor(weights)

    def log_probs(self, h_tilde: Tensor) -> Tensor:
        return Tensor(self.log_table[h_tilde.data[:, 0].astype(np.int64)])

    def scores(self, h_tilde: Tensor) -> Tensor:  # what greedy decoding reads: log-probabilities are scores too
        return self.log_probs(h_tilde)


def one_source(length: int = 1):
    """A batch of one source sentence of ``length`` words (the table model ignores what they are)."""
    return np.full((1, length), 4), np.array([length])


def random_model(seed: int = 0, vocab_size: int = 8) -> Seq2Seq:
    """A 2-layer random Seq2Seq whose larger initial weights give peaked, varied distributions."""
    args = ModelArgs(src_vocab_size=9, tgt_vocab_size=vocab_size, embedding_size=6, hidden_size=8, layers=2,
                     dropout=0.0, init_scale=1.3)
    return Seq2Seq(args, np.random.default_rng(seed)).eval()


def random_sources(seed: int = 1, n: int = 5, vocab_size: int = 9):
    """A padded batch of ``n`` random sources of lengths 1…6: (src (n, S), lengths (n,))."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 7, n)
    src = np.zeros((n, lengths.max()), np.int64)
    for b, length in enumerate(lengths):
        src[b, :length] = rng.integers(4, vocab_size, length)
    return src, lengths


# ------------------------------------------------------------------ a checkpoint: random model, word-level pipeline
SOURCES = ["el gato come", "el perro duerme", "la casa es grande", "el gato duerme en la casa"]
TARGETS = ["the cat eats", "the dog sleeps", "the house is big", "the cat sleeps in the house"]


def make_checkpoint(path, *, corpus="synthetic:reverse", tgt_vocab_size=None, drop=()):
    """Save a random model with a pipeline fitted on SOURCES/TARGETS, as ``tinyseqkd train`` would (its config names
    ``corpus``). ``tgt_vocab_size`` makes the model disagree with the pipeline; ``drop`` removes header keys."""
    pipeline = TextPipeline.fit(SOURCES, TARGETS, bpe_merges=0, src_vocab_size=None, tgt_vocab_size=None)
    args = ModelArgs(len(pipeline.src_vocab), tgt_vocab_size or len(pipeline.tgt_vocab), embedding_size=8,
                     hidden_size=12, layers=1, dropout=0.0, init_scale=0.8)
    model = Seq2Seq(args, np.random.default_rng(0))
    model.generator.bias.data[EOS] -= 3.0  # random weights would mostly say </s> at once: make outputs longer
    config = Config()
    config.data.corpus = corpus
    header = dict(model_args=args.to_dict(), pipeline=pipeline.to_dict(), config=config.to_dict())
    for key in drop:
        header.pop(key)
    save_checkpoint(path, model=model, **header)
    return path
