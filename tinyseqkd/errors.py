"""Errors a user can fix.

Every message names what is wrong (the file and line, the option, the checkpoint) and how to fix it. The command
line prints such an error as one plain line and exits with status 2; it never shows a traceback for them.
"""


class TinySeqKDError(Exception):
    """Base class: bad input that the user can correct."""


class CorpusError(TinySeqKDError):
    """A corpus file is missing, unreadable or malformed (the message names file and line)."""


class CheckpointError(TinySeqKDError):
    """A checkpoint is truncated, corrupt, foreign, or from a newer format version."""


class ConfigError(TinySeqKDError):
    """An unknown configuration key or option, or a value of the wrong kind."""


class TrainingError(TinySeqKDError):
    """Training cannot go on (the loss became NaN or infinite); the last good checkpoint is kept."""


class MissingDependencyError(TinySeqKDError):
    """An optional package that a feature needs is not installed (the message says how to install it)."""
