"""Using a trained model: :func:`load_translator` and the :class:`Translator` it returns.

A model's ids only mean something with the text pipeline that made them, and a checkpoint's header carries both
(``model_args`` and ``pipeline``). :func:`load_translator` rebuilds the two, checks that they agree, and returns a
:class:`Translator` in evaluation mode — the one way to get a ready model (distillation loads its teacher with it)::

    translator = load_translator("runs/teacher/best.npz")
    for hypothesis in translator.translate(["En el principio creó Dios los cielos y la tierra."], n_best=3)[0]:
        print(translator.text(hypothesis), hypothesis.score)

Input rules (the ``translate`` and ``evaluate`` commands use them too): one sentence per line, line n of the
output translating line n of the input. An empty (or blank) line is translated as an empty line (an n-best list
has no entries for it; ``evaluate`` refuses one). A line longer than ``max_src_len`` source pieces (default 256;
the LSTM has no hard limit, but time and memory grow with the length) is an error naming the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinyseqkd.checkpoint import load_checkpoint, restore
from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.decoding import Hypothesis, decode_corpus
from tinyseqkd.errors import CheckpointError, CorpusError, TinySeqKDError
from tinyseqkd.model import ModelArgs, Seq2Seq

DEFAULT_MAX_SRC_LEN = 256  # source pieces; the command line's --max-src-len says the same in its help


# ------------------------------------------------------------------------------------------- the translator
@dataclass
class Translator:
    """A model in evaluation mode with its text pipeline, and the checkpoint header they came from."""

    model: Seq2Seq
    pipeline: TextPipeline
    path: Path
    header: dict

    def encode_lines(self, lines: list[str], where: str = "input", max_src_len: int | None = None,
                     allow_empty: bool = True) -> list[np.ndarray]:
        """Source ids of every line (an empty array for an empty line); a line longer than ``max_src_len``
        pieces (None: :data:`DEFAULT_MAX_SRC_LEN`) is an error."""
        max_src_len = max_src_len or DEFAULT_MAX_SRC_LEN
        encoded = []
        for number, line in enumerate(lines, start=1):
            ids = self.pipeline.encode_src(line)
            if len(ids) > max_src_len:
                raise CorpusError(f"{where}:{number}: the line has {len(ids)} source pieces, more than --max-src-len "
                                  f"{max_src_len}; fix: split the line, or raise --max-src-len")
            if not len(ids) and not allow_empty:
                raise CorpusError(f"{where}:{number}: the line is empty; fix: remove it (and its references)")
            encoded.append(ids)
        return encoded

    def translate(self, lines: list[str], *, beam_size: int = 5, n_best: int = 1, length_penalty: float = 0.0,
                  batch_size: int = 32, max_src_len: int | None = None, where: str = "input",
                  return_attention: bool = False, progress=None) -> list[list[Hypothesis]]:
        """The n-best list of every line (see :func:`tinyseqkd.decoding.beam_search`); ``[]`` for an empty line."""
        src_ids = self.encode_lines(lines, where, max_src_len)
        nonempty = [i for i, ids in enumerate(src_ids) if len(ids)]
        found = decode_corpus(self.model, [src_ids[i] for i in nonempty], beam_size=beam_size, n_best=n_best,
                              length_penalty=length_penalty, batch_size=batch_size,
                              return_attention=return_attention, progress=progress)
        results: list[list[Hypothesis]] = [[] for _ in lines]
        for i, hypotheses in zip(nonempty, found):
            results[i] = hypotheses
        return results

    def text(self, hypothesis: Hypothesis) -> str:
        """A hypothesis as detokenized text."""
        return self.pipeline.decode_tgt(hypothesis.ids)


def load_translator(checkpoint) -> Translator:
    """Rebuild the model and text pipeline of a checkpoint; any problem is one :class:`CheckpointError`."""
    loaded = load_checkpoint(checkpoint)
    path, header = loaded.path, loaded.header
    missing = [key for key in ("model_args", "pipeline") if key not in header]
    if missing:
        raise CheckpointError(f"{path}: the header has no {' or '.join(missing)}, so the model cannot be rebuilt "
                              "for translation; fix: use a checkpoint written by tinyseqkd train (RUN_DIR/best.npz)")
    try:
        args = ModelArgs.from_dict(header["model_args"])
        pipeline = TextPipeline.from_dict(header["pipeline"])
    except (TypeError, KeyError, ValueError, TinySeqKDError) as error:
        raise CheckpointError(f"{path}: the model arguments or text pipeline in the header are broken ({error})") \
            from None
    sizes = (len(pipeline.src_vocab), len(pipeline.tgt_vocab))
    if sizes != (args.src_vocab_size, args.tgt_vocab_size):
        raise CheckpointError(
            f"{path}: the model has vocabularies of {args.src_vocab_size:,} (source) and {args.tgt_vocab_size:,} "
            f"(target) words but its text pipeline has {sizes[0]:,} and {sizes[1]:,}, so ids would mean the wrong "
            "words; fix: use a checkpoint whose model and pipeline come from the same training run")
    model = Seq2Seq(args, np.random.default_rng(0))
    restore(loaded, model=model)
    return Translator(model.eval(), pipeline, path, header)
