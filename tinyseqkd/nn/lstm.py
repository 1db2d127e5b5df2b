"""The LSTM: one cell, and a stack of layers that runs over a padded batch.

An LSTM cell (Hochreiter & Schmidhuber 1997; the variant without peepholes that Luong et al. 2015 use) reads x_t and
its previous state (h_{t-1}, c_{t-1}) and computes, with σ the logistic sigmoid and ⊙ the elementwise product::

    [i; f; o; g] = x_t W_ih + h_{t-1} W_hh + b        four blocks of H columns each
    i = σ(i)    f = σ(f)    o = σ(o)                    input, forget and output gates in (0, 1)
    g = tanh(g)                                         the candidate cell content

(The three sigmoid gates come first so that one vectorised call covers them; PyTorch orders them i, f, g, o.)
    c_t = f ⊙ c_{t-1} + i ⊙ g                          forget some memory, write some new
    h_t = o ⊙ tanh(c_t)                                 expose part of it

The pointwise half (everything after the matrix products) exists twice: :func:`lstm_pointwise`, composed from
primitives (a dozen graph nodes, the readable reference), and :class:`LSTMStep`, which adds h W_hh and applies the
gates in one node with a hand-written backward (the fast path; a test holds the two equal and gradient-checks both).
Its derivatives, given dh and dc::

    dc* = dc + dh ⊙ o ⊙ (1 − tanh² c_t)                 the total gradient reaching c_t
    da_i = dc* ⊙ g ⊙ i(1 − i)     da_f = dc* ⊙ c_{t-1} ⊙ f(1 − f)     da_o = dh ⊙ tanh(c_t) ⊙ o(1 − o)
    da_g = dc* ⊙ i ⊙ (1 − g²)                          dc_{t-1} = dc* ⊙ f

Padding: sentences in a batch have different lengths, so the input is padded to the longest and a mask (1 on real
steps, 0 on padding) says which steps are real. On a padded step the state is carried over unchanged, so each
sentence's final state is the state after its own last word, whatever the padding.
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.autograd import Function, Tensor, shapes, unbind, where
from tinyseqkd.autograd.accumulate import OuterProduct
from tinyseqkd.autograd.fused import affine
from tinyseqkd.kernels.lstm import lstm_cell_backward, lstm_cell_forward
from tinyseqkd.nn.layers import Dropout
from tinyseqkd.nn.module import Module, ModuleList, Parameter, uniform

State = tuple[Tensor, Tensor]  # (h, c), each (B, H)


def lstm_pointwise(gates: Tensor, c_prev: Tensor) -> State:
    """The cell's elementwise half. gates: (B, 4H) pre-activations [i; f; o; g]; c_prev: (B, H) → (h, c)."""
    H = c_prev.shape[-1]
    i, f, o, g = shapes.split(gates, [H, H, H, H], axis=-1)
    c = f.sigmoid() * c_prev + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    return h, c


class LSTMStep(Function):
    """One LSTM step after the input's product, as one graph node (``tinyseqkd.kernels.lstm``: numba or numpy).

    (a_x (B, 4H) = x W_ih + b, h (B, H), c (B, H), W_hh (H, 4H)) → (h', c'), with a = a_x + h W_hh and the
    pointwise half of the module docstring. Backward: da from the kernel, then dh = da W_hhᵀ, and dW_hh = hᵀ da left
    as an :class:`~tinyseqkd.autograd.accumulate.OuterProduct`, so a whole sequence's terms become one product.
    """

    @staticmethod
    def forward(ctx, a_x, h, c, W_hh):
        a = h @ W_hh
        a += a_x
        c = np.ascontiguousarray(c, dtype=a.dtype)
        h_new, c_new, gates, _ = lstm_cell_forward(a, c)
        ctx.save_for_backward(gates, c, c_new, h, W_hh)  # c_new, not tanh(c_new): the next step keeps it anyway
        return h_new, c_new

    @staticmethod
    def backward(ctx, dh_new, dc_new):
        gates, c, c_new, h, W_hh = ctx.saved
        da, dc = lstm_cell_backward(dh_new, dc_new, gates, c, c_new)
        _, needs_h, needs_c, needs_W = ctx.needs_input_grad
        dh = da @ W_hh.T if needs_h else None
        dW_hh = OuterProduct(h, da) if needs_W else None
        return da, dh, dc if needs_c else None, dW_hh


class LSTMCell(Module):
    """One LSTM step (equations in the module docstring). x: (B, input_size), state: (h, c) of (B, H).

    Split in two so that callers can do the input's product for many steps at once: :meth:`input_gates` (x W_ih + b,
    any leading axes) and :meth:`step` (adds h W_hh, applies the gates).
    """

    def __init__(self, input_size: int, hidden_size: int, rng: np.random.Generator, init_scale: float = 0.1,
                 fused: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        self.W_ih = Parameter(uniform(rng, (input_size, 4 * hidden_size), init_scale))
        self.W_hh = Parameter(uniform(rng, (hidden_size, 4 * hidden_size), init_scale))
        self.bias = Parameter(uniform(rng, (4 * hidden_size,), init_scale))
        self.fused = fused

    def input_gates(self, x: Tensor) -> Tensor:
        """x W_ih + b: the input's share of the pre-activations. x: (..., input_size) → (..., 4H)."""
        return affine(x, self.W_ih, self.bias)

    def step(self, input_gates: Tensor, state: State) -> State:
        """Add h W_hh to the input's share and apply the gates: → (h, c) of the next step."""
        h, c = state
        if self.fused:
            return LSTMStep.apply(input_gates, h, c, self.W_hh)
        return lstm_pointwise(input_gates + h @ self.W_hh, c)

    def forward(self, x: Tensor, state: State) -> State:
        return self.step(self.input_gates(x), state)

    def run(self, x: Tensor, mask: np.ndarray, state: State) -> tuple[list[Tensor], State]:
        """Run over a whole padded sequence. x: (B, T, input_size); mask: (B, T), 1 on real steps.

        The input half of every step's product is done at once, ``x W_ih + b`` for all T steps in one matrix
        product: only ``h W_hh`` must wait for the previous step. Returns the T outputs (each (B, H)) and the
        final state.
        """
        B, T, _ = x.shape
        assert mask.shape == (B, T), f"mask {mask.shape} for input {x.shape}"
        inputs = unbind(self.input_gates(x), axis=1)  # T × (B, 4H)
        keep_going = mask.astype(bool)[:, :, None]  # (B, T, 1)
        h, c = state
        outputs = []
        for t in range(T):
            h_new, c_new = self.step(inputs[t], (h, c))
            if keep_going[:, t].all():
                h, c = h_new, c_new
            else:  # a padded step leaves the state as it was
                h, c = where(keep_going[:, t], h_new, h), where(keep_going[:, t], c_new, c)
            outputs.append(h)
        return outputs, (h, c)


class LSTM(Module):
    """``num_layers`` LSTM cells stacked, with dropout between layers (on each layer's output but the last).

    Two ways to run it:
    - :meth:`forward` over a whole padded sequence, layer after layer (the encoder);
    - :meth:`step` one time step through all layers (the decoder, whose next input depends on its last output).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, rng: np.random.Generator,
                 dropout: float = 0.0, init_scale: float = 0.1, fused: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        sizes = [input_size] + [hidden_size] * (num_layers - 1)
        self.layers = ModuleList(LSTMCell(n, hidden_size, rng, init_scale, fused) for n in sizes)
        self.dropout = Dropout(dropout, rng)

    def zero_state(self, batch_size: int, dtype=np.float32) -> list[State]:
        zeros = np.zeros((batch_size, self.hidden_size), dtype)
        return [(Tensor._wrap(zeros), Tensor._wrap(zeros)) for _ in range(self.num_layers)]

    def forward(self, x: Tensor, mask: np.ndarray, states: list[State] | None = None) -> tuple[Tensor, list[State]]:
        """x: (B, T, input_size), mask: (B, T) → outputs of the top layer (B, T, H) and each layer's final state.

        Outputs at padded positions repeat the last real output; mask them where they are used (attention does).
        """
        states = states or self.zero_state(x.shape[0], x.dtype)
        final_states = []
        for index, layer in enumerate(self.layers):
            if index > 0:
                x = self.dropout(x)
            outputs, state = layer.run(x, mask, states[index])
            final_states.append(state)
            x = shapes.stack(outputs, axis=1)
        return x, final_states

    def step(self, x: Tensor, states: list[State]) -> tuple[Tensor, list[State]]:
        """One time step through every layer. x: (B, input_size) → top output (B, H) and the new states."""
        return self.step_from_input_gates(self.layers[0].input_gates(x), states)

    def step_from_input_gates(self, input_gates: Tensor, states: list[State]) -> tuple[Tensor, list[State]]:
        """Like :meth:`step`, given the first layer's input share x W_ih + b (B, 4H) instead of x."""
        h, c = self.layers[0].step(input_gates, states[0])
        new_states = [(h, c)]
        for layer, state in zip(list(self.layers)[1:], states[1:]):
            h, c = layer(self.dropout(h), state)
            new_states.append((h, c))
        return h, new_states
