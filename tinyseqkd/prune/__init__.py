"""Weight pruning (Kim & Rush Sec. 5.2, with the schemes of See, Luong & Manning, "Compression of Neural Machine
Translation Models via Pruning", CoNLL 2016).

Kim & Rush prune their best distilled student, Seq-KD + Seq-Inter (19.3 BLEU unpruned), by magnitude and retrain
it with the pruned weights held at zero: 50% pruned → 19.3 BLEU, 80% → 19.1, 90% → 18.5. At 80% the student has
13× fewer parameters than the 4×1000 teacher and 0.4 BLEU less than the teacher's 19.5 (the abstract's "−0.4");
against its own unpruned 19.3 it loses 0.2. Read in this order:

1. :mod:`~tinyseqkd.prune.classes` — which parameters form a weight class (one table; biases never pruned).
2. :mod:`~tinyseqkd.prune.masks` — class-blind, class-uniform and class-distribution pruning → masks, and the
   per-class sparsity report.
3. :meth:`tinyseqkd.optim.Optimizer.set_masks` — retraining with the masks fixed: gradients masked before clipping,
   weights after every step.
4. :mod:`~tinyseqkd.prune.sparse` — a pruned model stored sparse (bitmask + values), bit-identical on reload.
5. :mod:`tinyseqkd.prune.checkpoints` — pruning a checkpoint, and the ``pruning`` record a pruned checkpoint keeps
   (import it from there: it reads checkpoints, which store their arrays through ``sparse``).

In short::

    masks = prune_model(model, "class-blind", 0.8)        # zeroes 80% of the prunable weights
    optimizer.set_masks(masks)                            # and keeps them zero while retraining
    print(format_sparsity_report(sparsity_report(model_weights(model), masks)))
"""

from tinyseqkd.prune.classes import CLASS_TABLE, WeightClass, class_of, model_weights, weight_classes
from tinyseqkd.prune.masks import (
    SCHEMES,
    ClassSparsity,
    PruningError,
    apply_masks,
    check_pruning,
    distribution_lambda,
    format_sparsity_report,
    lambda_masks,
    prune_masks,
    prune_model,
    sparsity_report,
)
from tinyseqkd.prune.sparse import (
    from_bits,
    from_sparse,
    load_arrays,
    pack_arrays,
    packed_nbytes,
    save_arrays,
    to_sparse,
    unpack_arrays,
)

__all__ = [
    "CLASS_TABLE", "SCHEMES", "ClassSparsity", "PruningError", "WeightClass", "apply_masks", "check_pruning",
    "class_of", "distribution_lambda", "format_sparsity_report", "from_bits", "from_sparse", "lambda_masks",
    "load_arrays", "model_weights", "pack_arrays", "packed_nbytes", "prune_masks", "prune_model", "save_arrays",
    "sparsity_report", "to_sparse", "unpack_arrays", "weight_classes",
]
