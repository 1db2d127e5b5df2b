"""The one shape every corpus takes inside tinyseqkd: aligned source sentences with one or more references."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ParallelText:
    """One split (train / valid / test) of a parallel corpus, as plain (detokenized) text.

    ``refs[k][i]`` is the k-th reference translation of ``src[i]``. ``refs[0]`` is the training target; further
    references (for example the King James Version beside the World English Bible) are used for multi-reference
    BLEU. ``ids`` names each segment where the corpus has names (``"Gen.1.1"``), else it is empty.
    """

    src: list[str]
    refs: list[list[str]]
    ids: list[str] = field(default_factory=list)

    def __post_init__(self):
        if not self.refs:
            raise ValueError("a ParallelText needs at least one reference")
        for k, ref in enumerate(self.refs):
            if len(ref) != len(self.src):
                raise ValueError(f"reference {k} has {len(ref)} segments, the source has {len(self.src)}")
        if self.ids and len(self.ids) != len(self.src):
            raise ValueError(f"{len(self.ids)} ids for {len(self.src)} segments")

    @property
    def tgt(self) -> list[str]:
        """The training target: the first reference."""
        return self.refs[0]

    def __len__(self) -> int:
        return len(self.src)
