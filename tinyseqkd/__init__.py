"""tinyseqkd: Sequence-Level Knowledge Distillation (Kim & Rush, EMNLP 2016), small enough to read.

Read the package in this order (README.md has the full list): ``autograd`` → ``nn`` → ``optim`` →
``checkpoint`` → ``data`` → ``model`` → ``training`` → ``decoding`` → ``evaluate``.

Importing the top-level package is cheap on purpose: numpy and numba load only when a submodule needs them,
so ``tinyseqkd --version`` answers at once.
"""

__version__ = "0.1.0"
