"""Optimizers, gradient clipping, the paper's learning-rate halving, and fixed masks for pruned weights.

- :class:`SGD` — θ ← θ − lr · g. Kim & Rush (after Luong et al. 2015) train with plain SGD at lr 1.0 and halve the
  rate whenever validation perplexity stops improving (:class:`HalveOnPlateau`).
- :class:`Adam` — Kingma & Ba 2015, with bias-corrected first and second moments.
- :func:`clip_grad_norm` — rescale all gradients together so that their joint L2 norm is at most ``max_norm``
  (5 in the paper).
- Masks: ``optimizer.set_mask(name, mask)`` fixes a 0/1 array for one parameter; every step then zeroes the masked
  gradient entries before the update and the masked weights after it, so a pruned weight stays exactly zero
  (See, Luong & Manning 2016; the original Lua code masked only the weights, so pruned ones drifted back).

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
    """Base class: named parameters, masks, zero_grad, and state that a checkpoint can hold."""

    def __init__(self, named_parameters, lr: float):
        self.params: dict[str, Parameter] = dict(named_parameters)
        if not self.params:
            raise ValueError("the optimizer got no parameters")
        self.lr = lr
        self.masks: dict[str, np.ndarray] = {}

    def zero_grad(self) -> None:
        for p in self.params.values():
            p.zero_grad()

    def set_mask(self, name: str, mask: np.ndarray) -> None:
        """Keep ``name``'s entries where mask is 0 at exactly zero from now on (and zero them now)."""
        parameter = self.params[name]
        if mask.shape != parameter.shape:
            raise ValueError(f"mask for {name!r} has shape {mask.shape}, the parameter {parameter.shape}")
        self.masks[name] = mask.astype(parameter.dtype)
        parameter.data *= self.masks[name]

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for name, p in self.params.items():
            if p.grad is None:
                continue
            mask = self.masks.get(name)
            if mask is not None:
                p.grad *= mask
            self._update(name, p)
            if mask is not None:
                p.data *= mask

    def _update(self, name: str, p: Parameter) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ checkpoint state
    def state_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON-able scalars, named arrays): everything needed to continue exactly where it stopped."""
        arrays = {f"mask/{name}": mask for name, mask in self.masks.items()}
        return {"type": type(self).__name__, "lr": self.lr}, arrays

    def load_state_dict(self, scalars: dict, arrays: dict[str, np.ndarray]) -> None:
        if scalars.get("type") != type(self).__name__:
            raise ValueError(f"optimizer state is for {scalars.get('type')}, not {type(self).__name__}")
        self.lr = scalars["lr"]
        self.masks = {}
        for key, array in arrays.items():
            if key.startswith("mask/"):
                self.set_mask(key[len("mask/"):], array)


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

    def state_dict(self):
        scalars, arrays = super().state_dict()
        scalars.update(steps=self.steps, betas=[self.beta1, self.beta2], eps=self.eps)
        for name in self.params:
            arrays[f"m/{name}"] = self.m[name]
            arrays[f"v/{name}"] = self.v[name]
        return scalars, arrays

    def load_state_dict(self, scalars, arrays):
        super().load_state_dict(scalars, arrays)
        self.steps = scalars["steps"]
        self.beta1, self.beta2 = scalars["betas"]
        self.eps = scalars["eps"]
        for name in self.params:
            self.m[name] = np.array(arrays[f"m/{name}"], dtype=self.params[name].dtype)
            self.v[name] = np.array(arrays[f"v/{name}"], dtype=self.params[name].dtype)


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
