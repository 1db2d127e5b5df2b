"""A minimal reverse-mode autograd over numpy arrays, written to be read.

Read in this order:

1. ``function.py``   what an operation is (``Function``: forward + hand-written backward; ``no_grad``)
2. ``tensor.py``     the Tensor, and ``backward``: the topological order and the chain rule in one short method
3. ``ops.py``, ``shapes.py``   the primitives, each with its backward
4. ``functional.py`` softmax, the losses, dropout — composed from the primitives, no backward to write
5. ``fused.py``      the fused ops that earned their own backward (``affine``, ``log_softmax``, ``output_layer_nll``)
6. ``gradcheck.py``  finite differences that keep every backward honest
7. ``accumulate.py`` how gradients are summed during the sweep, and the two speed tricks that live only there

Every operation with a hand-written backward in tinyseqkd — every Function subclass, and the module it lives in
(a test keeps this table true; the fused ones each have a composed twin and a gradient check):

================  ================================  ========================================================================
Function          module                            computes
================  ================================  ========================================================================
Add               tinyseqkd.autograd.ops            a + b (broadcasting)
Mul               tinyseqkd.autograd.ops            a * b (broadcasting)
Power             tinyseqkd.autograd.ops            x ** p, p a number
Exp               tinyseqkd.autograd.ops            e^x
Log               tinyseqkd.autograd.ops            ln x
Tanh              tinyseqkd.autograd.ops            tanh x
Sigmoid           tinyseqkd.autograd.ops            1 / (1 + e^-x)
MatMul            tinyseqkd.autograd.ops            a @ b
Sum               tinyseqkd.autograd.ops            Σ over axes
Max               tinyseqkd.autograd.ops            max over axes
Reshape           tinyseqkd.autograd.shapes         new shape, same numbers
Transpose         tinyseqkd.autograd.shapes         axes permuted
GetItem           tinyseqkd.autograd.shapes         x[index]; with ids, an embedding lookup (backward: scatter-add)
Concat            tinyseqkd.autograd.shapes         join along an axis
Unbind            tinyseqkd.autograd.shapes         split an axis into separate tensors
Where             tinyseqkd.autograd.shapes         cond ? a : b
Affine            tinyseqkd.autograd.fused          x W + b (fused; used by nn.Linear and the LSTM's input product)
LogSoftmax        tinyseqkd.autograd.fused          log-softmax over the last axis (fused; kernels/softmax.py)
MaskedScale       tinyseqkd.autograd.fused          x ⊙ keep · s: dropout, keeping a boolean mask (fused)
OutputLayerNLL    tinyseqkd.autograd.fused          the output layer, log-softmax and NLL in one (fused; kernels/softmax.py)
LSTMStep          tinyseqkd.nn.lstm                 h W_hh added, then the LSTM cell's gates (fused; kernels/lstm.py)
AttentionStep     tinyseqkd.nn.attention            one step of Luong attention (fused; kernels/attention.py)
WordKDLoss        tinyseqkd.distill.word_kd         the Word-KD loss of Kim & Rush 2016, Sec. 3.1 (fused)
WordKDOutputLoss  tinyseqkd.distill.word_kd_output  both models' output layers and the Word-KD loss (fused, sliced)
================  ================================  ========================================================================
"""

from tinyseqkd.autograd.function import Function, is_grad_enabled, no_grad
from tinyseqkd.autograd.tensor import Tensor
from tinyseqkd.autograd.shapes import concat, split, stack, unbind, where
from tinyseqkd.autograd.gradcheck import GradcheckError, gradcheck

__all__ = [
    "Function", "Tensor", "no_grad", "is_grad_enabled", "gradcheck", "GradcheckError",
    "concat", "stack", "split", "unbind", "where",
]
