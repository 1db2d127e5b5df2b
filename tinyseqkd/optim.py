"""Optimizers, gradient clipping, the paper's learning-rate halving, and fixed masks for pruned weights.

- :class:`SGD` — θ ← θ − lr · g. Kim & Rush (after Luong et al. 2015) train with plain SGD at lr 1.0 and halve the
  rate whenever validation perplexity stops improving (:class:`HalveOnPlateau`).
- :class:`Adam` — Kingma & Ba 2015, with bias-corrected first and second moments.
- :func:`clip_grad_norm` — rescale all gradients together so that their joint L2 norm is at most ``max_norm``
  (5 in the paper); :meth:`Optimizer.clip_grad_norm` does the same for an optimizer's parameters, pruning masks
  first.
- Masks (See, Luong & Manning, CoNLL 2016; Kim & Rush Sec. 5.2): ``optimizer.set_mask(name, keep)`` fixes which
  entries of one parameter survive pruning. From then on the pruned weights stay exactly zero, because a training
  step runs in this order::

      loss.backward()
      norm = optimizer.clip_grad_norm(max_norm)   # 1. zero the pruned gradients, 2. clip what is left
      optimizer.step()                            # 3. update, 4. zero the pruned weights again

  Masking the gradients *before* clipping matters: the clip norm is then the survivors' norm, so the survivors take
  the step they should (clipping first would count gradients that are thrown away). Masking the gradients at all
  matters too: the authors' Lua code masked only the weights, so pruned weights drifted back between maskings.
  Adam's moments are zeroed at the pruned entries when the mask is set, so no stale momentum moves them either.

Optimizers address parameters by name (``model.named_parameters()``), so their state and masks can be saved in a
checkpoint beside the weights and restored exactly.
"""

from __future__ import annotations

import math

import numpy as np

from tinyseqkd.nn.module import Parameter


def clip_grad_norm(parameters, max_norm: float) -> float:
    """Scale every gradient by min(1, max_norm / ‖g‖), ‖g‖ the L2 norm of all gradients together.

    Returns ‖g‖ before clipping (training logs it; a NaN here means the loss diverged).
    """
    grads = [p.grad for p in parameters if p.grad is not None]
    total = math.sqrt(sum(float(np.dot(g.ravel(), g.ravel())) for g in grads))
    if max_norm > 0 and total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g *= scale
    return total


class Optimizer:
    """Base class: named parameters, pruning masks, zero_grad, and state that a checkpoint can hold."""

    def __init__(self, named_parameters, lr: float):
        self.params: dict[str, Parameter] = dict(named_parameters)
        if not self.params:
            raise ValueError("the optimizer got no parameters")
        self.lr = lr
        self.masks: dict[str, np.ndarray] = {}  # name → bool array, True where the weight survives pruning

    def zero_grad(self) -> None:
        for p in self.params.values():
            p.zero_grad()

    # ------------------------------------------------------------------ pruning masks
    def set_mask(self, name: str, keep: np.ndarray) -> None:
        """Fix ``name``'s pruning mask: its entries where ``keep`` is False (or 0) are zeroed now and stay zero.

        ``keep`` is a bool or 0/1 array of the parameter's shape. Pruned entries are written as +0.0 (never −0.0),
        so that a sparse checkpoint leaves them out (:mod:`tinyseqkd.prune.sparse`).
        """
        parameter = self.params[name]
        keep = np.asarray(keep)
        if keep.shape != parameter.shape:
            raise ValueError(f"mask for {name!r} has shape {keep.shape}, the parameter {parameter.shape}")
        self.masks[name] = keep.astype(bool)
        np.copyto(parameter.data, 0.0, where=~self.masks[name])

    def set_masks(self, masks: dict[str, np.ndarray]) -> None:
        """:meth:`set_mask` for each ``name → keep`` of ``masks`` (what :func:`tinyseqkd.prune.prune_masks` returns)."""
        for name, keep in masks.items():
            self.set_mask(name, keep)

    def mask_gradients(self) -> None:
        """Zero the gradients of pruned weights (step 1 of a masked step; see the module docstring)."""
        for name, keep in self.masks.items():
            grad = self.params[name].grad
            if grad is not None:
                np.copyto(grad, 0.0, where=~keep)

    def mask_weights(self) -> None:
        """Set pruned weights back to exactly +0.0 (step 4 of a masked step)."""
        for name, keep in self.masks.items():
            np.copyto(self.params[name].data, 0.0, where=~keep)

    def clip_grad_norm(self, max_norm: float) -> float:
        """Mask the pruned gradients, then clip the rest to joint norm ``max_norm``; returns their norm before
        clipping — the survivors' norm, which is what the update will use (call it between backward and step)."""
        self.mask_gradients()
        return clip_grad_norm(self.params.values(), max_norm)

    # ------------------------------------------------------------------ the update
    def step(self) -> None:
        """Update every parameter that has a gradient: masked gradients in, masked weights out."""
        self.mask_gradients()  # again, for callers that did not clip through :meth:`clip_grad_norm`
        for name, p in self.params.items():
            if p.grad is not None:
                self._update(name, p)
        self.mask_weights()

    def _update(self, name: str, p: Parameter) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ checkpoint state
    def state_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON-able scalars, named arrays): everything needed to continue exactly where it stopped.

        Masks are bool arrays under ``mask/<name>`` (:func:`tinyseqkd.prune.sparse.pack_arrays` stores them in one
        bit per entry)."""
        arrays = {f"mask/{name}": keep for name, keep in self.masks.items()}
        return {"type": type(self).__name__, "lr": self.lr}, arrays

    def load_state_dict(self, scalars: dict, arrays: dict[str, np.ndarray]) -> None:
        self._check_type(scalars)
        self.lr = scalars["lr"]
        self.masks = {}
        for key, array in arrays.items():
            if key.startswith("mask/"):
                self.set_mask(key[len("mask/"):], array)

    def _check_type(self, scalars: dict) -> None:
        if scalars.get("type") != type(self).__name__:
            raise ValueError(f"optimizer state is for {scalars.get('type')}, not {type(self).__name__}")


class SGD(Optimizer):
    """θ ← θ − lr · g (the paper's optimizer, lr 1.0)."""

    def __init__(self, named_parameters, lr: float = 1.0):
        super().__init__(named_parameters, lr)

    def _update(self, name, p):
        p.data -= self.lr * p.grad


class Adam(Optimizer):
    """Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr · m̂ / (√v̂ + ε), with m̂, v̂ bias-corrected."""

    def __init__(self, named_parameters, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(named_parameters, lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.steps = 0
        self.m = {name: np.zeros_like(p.data) for name, p in self.params.items()}
        self.v = {name: np.zeros_like(p.data) for name, p in self.params.items()}

    def step(self) -> None:
        self.steps += 1
        super().step()

    def _update(self, name, p):
        g, m, v = p.grad, self.m[name], self.v[name]
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * (g * g)
        step_size = self.lr * math.sqrt(1 - self.beta2**self.steps) / (1 - self.beta1**self.steps)
        p.data -= (step_size * m) / (np.sqrt(v) + self.eps)

    def set_mask(self, name, keep):
        """Also zero the moments of the pruned entries: no stale momentum may move a pruned weight, and zero
        moments keep a sparse checkpoint sparse."""
        super().set_mask(name, keep)
        pruned = ~self.masks[name]
        np.copyto(self.m[name], 0.0, where=pruned)
        np.copyto(self.v[name], 0.0, where=pruned)

    def state_dict(self):
        scalars, arrays = super().state_dict()
        scalars.update(steps=self.steps, betas=[self.beta1, self.beta2], eps=self.eps)
        for name in self.params:
            arrays[f"m/{name}"] = self.m[name]
            arrays[f"v/{name}"] = self.v[name]
        return scalars, arrays

    def load_state_dict(self, scalars, arrays):
        self._check_type(scalars)
        self.steps = scalars["steps"]
        self.beta1, self.beta2 = scalars["betas"]
        self.eps = scalars["eps"]
        for name in self.params:
            self.m[name] = np.array(arrays[f"m/{name}"], dtype=self.params[name].dtype)
            self.v[name] = np.array(arrays[f"v/{name}"], dtype=self.params[name].dtype)
        super().load_state_dict(scalars, arrays)  # after the moments: setting the masks zeroes their pruned entries


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


class HalveOnPlateau:
    """The paper's schedule: after a validation, multiply the rate by ``factor`` (½) if the score did not improve.

    Lower scores are better (perplexity). ``patience`` validations without improvement are tolerated first.
    """

    def __init__(self, optimizer: Optimizer, factor: float = 0.5, patience: int = 0, min_lr: float = 0.0):
        self.optimizer = optimizer
        self.factor = factor
        self.patience = patience
        self.min_lr = min_lr
        self.best = math.inf
        self.bad_validations = 0

    def step(self, score: float) -> bool:
        """Record one validation score; returns True when the rate was just lowered."""
        if score < self.best:
            self.best = score
            self.bad_validations = 0
            return False
        self.bad_validations += 1
        if self.bad_validations <= self.patience:
            return False
        self.bad_validations = 0
        self.optimizer.lr = max(self.optimizer.lr * self.factor, self.min_lr)
        return True

    def state_dict(self) -> dict:
        return {"best": self.best, "bad_validations": self.bad_validations}

    def load_state_dict(self, state: dict) -> None:
        self.best = state["best"]
        self.bad_validations = state["bad_validations"]
