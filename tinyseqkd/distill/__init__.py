"""Knowledge distillation for NMT (Kim & Rush 2016, Sec. 3): the three ways a teacher q trains a student p.

Read in this order:

- ``word_kd.py`` — **Word-KD** (Sec. 3.1): at every gold-prefix position, the cross-entropy against the teacher's
  distribution, mixed with the gold NLL by α; one fused loss node, and the teacher's forward pass (eval mode, no
  graph) on the student's batch.
- ``seq_kd.py`` — **Seq-KD** (Sec. 3.2): the teacher's beam output ŷ over the whole training source becomes the
  student's corpus; decoded chunk by chunk, resumable and shardable.
- ``seq_inter.py`` — **Seq-Inter** (Sec. 3.3): from the teacher's K-best list, the hypothesis with the highest
  smoothed sentence BLEU against the gold target.
- ``manifest.py`` and ``store.py`` — a distilled corpus on disk: provenance, chunks, merge, the checked load.

Using them: ``tinyseqkd distill`` (:mod:`tinyseqkd.commands.distill`) writes a distilled corpus; a training run
reads it through ``data.targets`` and trains with Word-KD through ``[distill]`` (:mod:`tinyseqkd.recipe`).
"""

from tinyseqkd.distill.manifest import DistilledCorpusError, Manifest, read_manifest
from tinyseqkd.distill.seq_inter import select_closest, smoothed_sentence_bleu
from tinyseqkd.distill.seq_kd import (closest_to_gold, distill_corpus, pieces_to_words, teacher_decoder,
                                     teacher_manifest)
from tinyseqkd.distill.store import DistilledTargets, Shard, load_distilled_targets, merge
from tinyseqkd.distill.word_kd import teacher_probabilities, word_kd_loss, word_kd_objective

__all__ = [
    "DistilledCorpusError", "DistilledTargets", "Manifest", "Shard", "closest_to_gold", "distill_corpus",
    "load_distilled_targets", "merge", "pieces_to_words", "read_manifest", "select_closest", "smoothed_sentence_bleu",
    "teacher_decoder", "teacher_manifest", "teacher_probabilities", "word_kd_loss", "word_kd_objective",
]
