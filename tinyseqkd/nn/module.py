"""Module and Parameter: named, countable, savable weights, and the train / eval switch.

A :class:`Module` is a Python object whose attributes may be :class:`Parameter`s (tensors the optimizer updates) or
other modules. Assigning one registers it under the attribute's name, so ``model.named_parameters()`` yields dotted
names such as ``"encoder.layers.0.W_hh"`` in a fixed order — the order checkpoints, optimizers and pruning masks all
rely on. ``state_dict()`` is a plain ``{name: array}`` dict: no pickling needed to save it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from tinyseqkd.autograd import Tensor


class Parameter(Tensor):
    """A tensor that belongs to a model and always requires a gradient."""

    __slots__ = ()

    def __init__(self, data, dtype=np.float32):
        super().__init__(data, requires_grad=True, dtype=dtype)


def uniform(rng: np.random.Generator, shape: tuple, scale: float) -> np.ndarray:
    """Weights drawn uniformly from [−scale, scale] (the paper initialises every weight with scale 0.1)."""
    return rng.uniform(-scale, scale, size=shape).astype(np.float32)


class Module:
    """Base class of every layer and model: register parameters and sub-modules by assigning them."""

    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value) -> None:
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}.__init__ must call super().__init__() before setting {name!r}")
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError

    # ------------------------------------------------------------------ walking the tree
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        yield prefix, self
        for name, module in self._modules.items():
            yield from module.named_modules(f"{prefix}{name}.")

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        for prefix, module in self.named_modules():
            for name, parameter in module._parameters.items():
                yield f"{prefix}{name}", parameter

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def num_parameters(self, nonzero: bool = False) -> int:
        """How many numbers the model learns (``nonzero=True``: only those not pruned to zero)."""
        if nonzero:
            return sum(int(np.count_nonzero(p.data)) for p in self.parameters())
        return sum(p.size for p in self.parameters())

    # ------------------------------------------------------------------ modes and gradients
    def train(self, mode: bool = True) -> "Module":
        """Training mode (dropout on); ``train(False)`` or :meth:`eval` turns it off, for the whole tree."""
        for _, module in self.named_modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter array, by dotted name."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy arrays into the parameters; names and shapes must match exactly (the message lists what differs)."""
        own = dict(self.named_parameters())
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        if missing or unexpected:
            raise ValueError(f"state does not fit {type(self).__name__}: missing {missing}, unexpected {unexpected}")
        for name, parameter in own.items():
            array = np.asarray(state[name])
            if array.shape != parameter.shape:
                raise ValueError(f"parameter {name!r}: saved shape {array.shape}, model shape {parameter.shape}")
            parameter.data[...] = array


class ModuleList(Module):
    """A list of modules registered as ``"0"``, ``"1"``, …"""

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> None:
        setattr(self, str(len(self._modules)), module)

    def __getitem__(self, index: int) -> Module:
        return self._modules[str(index)]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())
