"""Training: the loop, validation, checkpoints, exact resume, and progress a student can watch.

One update (:meth:`Trainer.train_step`) is the whole of gradient descent::

    zero the gradients → loss = objective(model, batch) → normalise → backward → mask pruned gradients and clip
    ‖g‖ ≤ clip (optimizer.clip_grad_norm) → step

The objective — the targets' NLL, or Word-KD's mix with the teacher's distributions (Sec. 3.1) — and how a batch's
loss is normalised (``train.normalize``) are :mod:`tinyseqkd.objectives`'s.

What the run is made from — the text pipeline, distilled targets, starting weights, teacher and pruning masks — comes
from the config (:mod:`tinyseqkd.recipe`), at a fresh start and on resume alike: ``Trainer(config, None, run_dir)``
prepares all of it; ``Trainer.resume(run_dir)`` rebuilds it from the checkpoint's config, checks that the teacher and
the targets are the files the run started with, and takes the weights and the pruning masks from the checkpoint
(never pruning again). Around that the trainer

- draws length-bucketed batches, shuffled each epoch by its own generator;
- validates every ``validate_every`` updates (or each epoch), and once more when a limit ends the run:
  perplexity on the whole valid split and greedy BLEU on its first ``valid_bleu_size`` sentences, a few Source /
  Reference / Hypothesis examples, a row appended to ``validations.tsv``; keeps ``best.npz``, halves the learning
  rate when the score stops improving (the paper's schedule) and stops early after ``patience`` validations without
  improvement;
- writes ``latest.npz`` at every validation, at the end, and on Ctrl-C (after finishing the current update), so
  ``tinyseqkd train --resume RUN_DIR`` continues exactly: the same batches in the same order, the same dropout
  masks, the same objective and teacher;
- stops with a clear message when the loss becomes NaN or infinite, keeping the last good checkpoint.
"""

from __future__ import annotations

import dataclasses
import math
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinyseqkd import __version__, recipe
from tinyseqkd.autograd import Tensor
from tinyseqkd.checkpoint import Checkpoint, load_checkpoint, restore, save_checkpoint, thread_change_note
from tinyseqkd.config import FIXED_ON_RESUME, Config, apply_overrides, check_config, config_from_dict, to_toml
from tinyseqkd.data.batching import make_batches
from tinyseqkd.data.prepared import PreparedData
from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.errors import CheckpointError, ConfigError, TrainingError
from tinyseqkd.evaluate import corpus_bleu, perplexity, translate_ids
from tinyseqkd.model import ModelArgs, Seq2Seq
from tinyseqkd.objectives import loss_normalizer, mean_tokens_per_batch, nll_objective, objective_for
from tinyseqkd.optim import OPTIMIZERS, HalveOnPlateau

__all__ = ["Progress", "Trainer", "loss_normalizer", "mean_tokens_per_batch", "model_args_for", "nll_objective",
           "objective_for"]


@dataclass
class Progress:
    """Where training stands; saved in every checkpoint so that a resumed run continues exactly."""

    step: int = 0
    epoch: int = 1
    batch_in_epoch: int = 0  # updates done in the current epoch
    epoch_rng_state: dict | None = None  # the batch-order generator's state when this epoch's batches were drawn
    best_score: float | None = None
    bad_validations: int = 0
    last_validation_step: int = 0
    train_seconds: float = 0.0


def model_args_for(config: Config, pipeline: TextPipeline) -> ModelArgs:
    return ModelArgs.from_config(config.model, len(pipeline.src_vocab), len(pipeline.tgt_vocab))


class Trainer:
    """Trains one model on one dataset, writing into ``run_dir`` (see the module docstring).

    ``dataset=None`` prepares the data from the config (``data.pipeline`` and ``data.targets`` included); a dataset
    given is used as it is, so it may only come with a config that names neither. ``checkpoint`` (what
    :meth:`resume` passes) continues a run instead of starting one.
    """

    def __init__(self, config: Config, dataset: PreparedData | None, run_dir, log=print, *,
                 checkpoint: Checkpoint | None = None):
        if dataset is not None and (config.data.pipeline or config.data.targets):
            raise ValueError("data.pipeline and data.targets are applied when the trainer prepares the data itself: "
                             "pass dataset=None")
        check_config(config)
        self.config = config if checkpoint else recipe.absolute_paths(config)
        self.run_dir = Path(run_dir)
        self._log = log
        self.targets = None
        if dataset is None:
            pipeline = TextPipeline.from_dict(checkpoint.header["pipeline"]) if checkpoint else None
            dataset, self.targets = recipe.prepare_dataset(self.config, pipeline)
        self.dataset = dataset
        d = self.config.distill
        self.teacher = recipe.load_teacher(d.teacher, dataset.pipeline) if d.objective == "word_kd" else None
        self.objective = objective_for(d, self.teacher.model if self.teacher else None)
        t = self.config.train
        self.data_rng = np.random.default_rng([t.seed, 1])  # batch order
        self.model = Seq2Seq(model_args_for(self.config, dataset.pipeline), np.random.default_rng([t.seed, 0]))
        self.optimizer = OPTIMIZERS[t.optimizer](self.model.named_parameters(), lr=t.lr)
        self.schedule = HalveOnPlateau(self.optimizer, factor=t.lr_decay, patience=t.decay_patience)
        self.progress = Progress()
        self.tokens_per_batch: float | None = None  # this epoch's, for normalize = "tokens" (_epoch_batches)
        self._interrupted = False
        if checkpoint is None:
            self._start()
        else:
            self._restore(checkpoint)

    # ------------------------------------------------------------------ setup and resume
    def _start(self) -> None:
        """A fresh run: the starting weights (``train.init``), then pruning (``[prune]``)."""
        c = self.config
        init = recipe.load_initial_weights(self.model, c.train.init, self.dataset.pipeline, str(self.run_dir)) \
            if c.train.init else None
        self.sparsity, self.pruning = recipe.prune_at_start(self.model, self.optimizer, c.prune, init) \
            if c.prune.scheme != "none" else (None, None)
        self.made_from = recipe.recipe_record(self.teacher, self.targets, init)

    def _restore(self, checkpoint: Checkpoint) -> None:
        """A resumed run: weights, optimizer state and pruning masks, generators and progress from ``checkpoint``,
        after checking that the teacher and the targets are still the files the run started with."""
        recorded = checkpoint.header.get("recipe", {})
        now = recipe.recipe_record(self.teacher, self.targets, None)
        recipe.check_unchanged(recorded, now, checkpoint.path, self.config)
        self.made_from = {**recorded, **now}
        restore(checkpoint, model=self.model, optimizer=self.optimizer,
                rngs={"model": self.model.rng, "data": self.data_rng})
        if self.config.prune.scheme != "none" and not self.optimizer.masks:
            raise CheckpointError(f"{checkpoint.path}: the run prunes ([prune] scheme = {self.config.prune.scheme}) "
                                  "but the checkpoint holds no masks; fix: start the run again")
        self.sparsity = recipe.sparsity_text(self.model, self.optimizer.masks) if self.optimizer.masks else None
        self.pruning = checkpoint.header.get("pruning")
        self.progress = Progress(**checkpoint.header["progress"])
        self.schedule.load_state_dict(checkpoint.header["schedule"])

    @classmethod
    def resume(cls, run_dir, overrides=(), log=print) -> "Trainer":
        """Continue the run in ``run_dir`` from ``latest.npz``, with everything that determines it as it was
        (:data:`tinyseqkd.config.FIXED_ON_RESUME`); only the other ``[train]`` keys may be overridden."""
        checkpoint = load_checkpoint(Path(run_dir) / "latest.npz")
        config = config_from_dict(checkpoint.header["config"], where=str(checkpoint.path))
        for item in overrides:
            name = item.lstrip("-").split("=")[0].replace("-", "_")
            if not name.startswith("train.") or name in FIXED_ON_RESUME:
                raise ConfigError(f"option {item!r}: a resumed run keeps what determines it ([data], [model], "
                                  "[distill], [prune] and train.init); only the other --train.KEY options (e.g. "
                                  "--train.max_steps=2000) may change")
        apply_overrides(config, overrides)
        trainer = cls(config, None, run_dir, log=log, checkpoint=checkpoint)
        if any(item.lstrip("-").startswith("train.lr=") for item in overrides):
            trainer.optimizer.lr = config.train.lr  # the checkpoint's (maybe halved) rate, unless overridden
        log(f"resumed {run_dir} at step {trainer.progress.step} (epoch {trainer.progress.epoch})")
        if note := thread_change_note(checkpoint):
            log(note)
        return trainer

    @property
    def interrupted(self) -> bool:
        """Whether the last :meth:`fit` stopped on Ctrl-C (``latest.npz`` holds where it stopped)."""
        return self._interrupted

    def prepare_run_dir(self) -> None:
        """Create the run directory and write the resolved config, the version, the files the run is made from
        (SHA-256, as comments) and the text pipeline."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        made_from = "".join(f"# {key}: {value}\n" for key, value in self.made_from.items())
        (self.run_dir / "config.toml").write_text(f"# tinyseqkd {__version__}\n{made_from}" + to_toml(self.config))
        self.dataset.pipeline.save(self.run_dir / "pipeline")
        header = "step\tepoch\tppl\tbleu\tlr\ttrain_seconds\tbest\n"
        validations = self.run_dir / "validations.tsv"
        if not validations.exists():
            validations.write_text(header)

    # ------------------------------------------------------------------ the loop
    def fit(self) -> Progress:
        """Train until a limit is reached; returns the final :class:`Progress`."""
        self.prepare_run_dir()
        self.log(self.describe())
        previous_handler = self._catch_interrupts()
        try:
            self._loop()
        finally:
            if previous_handler is not None:
                signal.signal(signal.SIGINT, previous_handler)
        if not self._interrupted and self.progress.step > self.progress.last_validation_step:
            self.validate()  # the updates since the last validation may hold the best model
        self.save("latest.npz")
        reason = self._stop_reason() or "done"
        self.log(f"stopped at step {self.progress.step}: {reason}. Checkpoints: {self.run_dir}/best.npz, latest.npz")
        if self._interrupted:
            self.log(f"resume with: tinyseqkd train --resume {self.run_dir}")
        return self.progress

    def _loop(self) -> None:
        t = self.config.train
        window_tokens, window_start, window_nll = 0, time.perf_counter(), 0.0
        while self._stop_reason() is None:
            batches = self._epoch_batches()
            for batch in batches[self.progress.batch_in_epoch:]:
                start = time.perf_counter()
                nll = self.train_step(batch)
                self.progress.train_seconds += time.perf_counter() - start
                self.progress.step += 1
                self.progress.batch_in_epoch += 1
                window_tokens += batch.n_tgt_tokens
                window_nll += nll * batch.n_tgt_tokens
                if t.log_every and self.progress.step % t.log_every == 0:
                    elapsed = time.perf_counter() - window_start
                    self.log(self._progress_line(window_nll / window_tokens, window_tokens / elapsed, len(batches)))
                    window_tokens, window_start, window_nll = 0, time.perf_counter(), 0.0
                if t.validate_every and self.progress.step % t.validate_every == 0:
                    self.validate()
                if self._stop_reason() is not None:
                    return
            self.progress.epoch += 1
            self.progress.batch_in_epoch = 0
            if not t.validate_every:
                self.validate()

    def _epoch_batches(self):
        """This epoch's batches; drawn afresh at an epoch's start, redrawn identically when resuming mid-epoch."""
        if self.progress.batch_in_epoch == 0:
            self.progress.epoch_rng_state = self.data_rng.bit_generator.state
        else:
            self.data_rng.bit_generator.state = self.progress.epoch_rng_state
        train = self.dataset.splits["train"]
        t = self.config.train
        batches = make_batches(train.src_ids, train.tgt_ids, batch_size=t.batch_size, batch_by=t.batch_by,
                               rng=self.data_rng)
        self.tokens_per_batch = mean_tokens_per_batch(batches)
        return batches

    def batch_loss(self, batch) -> tuple[Tensor, float]:
        """The loss to differentiate — the batch's summed loss ÷ :func:`loss_normalizer` — and its mean NLL."""
        mean, nll = self.objective(self.model, batch)  # per target token
        tokens_per_batch = self.tokens_per_batch or batch.n_tgt_tokens  # a batch outside an epoch is its own
        divisor = loss_normalizer(batch, self.config.train.normalize, tokens_per_batch)
        return mean * (batch.n_tgt_tokens / divisor), nll  # mean × tokens = the batch's sum

    def train_step(self, batch) -> float:
        """One update on one batch of the current epoch; returns the batch's mean NLL per target token."""
        self.optimizer.zero_grad()
        loss, nll = self.batch_loss(batch)
        if not (math.isfinite(nll) and math.isfinite(loss.item())):
            self._diverged(f"the loss is {loss.item()}")
        loss.backward()
        norm = self.optimizer.clip_grad_norm(self.config.train.clip)  # pruned gradients masked first
        if not math.isfinite(norm):
            self._diverged(f"the gradient norm is {norm}")
        self.optimizer.step()
        return nll

    def _diverged(self, what: str):
        latest = self.run_dir / "latest.npz"
        kept = f"{latest} is the last good checkpoint" if latest.exists() else "no checkpoint was written yet"
        raise TrainingError(
            f"step {self.progress.step + 1} (epoch {self.progress.epoch}): {what}, so training stopped; {kept}. "
            f"Try a smaller learning rate (now --train.lr={self.optimizer.lr:g}) or clip harder (--train.clip=1)"
        )

    def _stop_reason(self) -> str | None:
        t, p = self.config.train, self.progress
        if self._interrupted:
            return "interrupted (Ctrl-C)"
        if t.max_steps and p.step >= t.max_steps:
            return f"reached max_steps = {t.max_steps}"
        if t.max_epochs and p.epoch > t.max_epochs:
            return f"finished max_epochs = {t.max_epochs}"
        if t.max_minutes and p.train_seconds >= 60 * t.max_minutes:
            return f"reached max_minutes = {t.max_minutes:g}"
        if t.patience and p.bad_validations >= t.patience:
            return f"early stopping: {p.bad_validations} validations without improvement"
        return None

    def _catch_interrupts(self):
        """First Ctrl-C: finish the current update, save, stop. A second one stops at once."""
        def handler(signum, frame):
            if self._interrupted:
                raise KeyboardInterrupt
            self._interrupted = True
            self.log("interrupt: finishing this update, then saving latest.npz (Ctrl-C again to abort)")

        try:
            return signal.signal(signal.SIGINT, handler)
        except ValueError:  # not the main thread: no handler, Ctrl-C behaves as usual
            return None

    # ------------------------------------------------------------------ validation
    def validate(self) -> float:
        """Perplexity and greedy BLEU on the valid split; keeps the best checkpoint. Returns the score."""
        t = self.config.train
        valid = self.dataset.splits["valid"]
        ppl = perplexity(self.model, valid.src_ids, valid.tgt_ids, batch_size=t.batch_size, batch_by=t.batch_by)
        n = len(valid) if not t.valid_bleu_size else min(t.valid_bleu_size, len(valid))
        hypotheses = [self.dataset.pipeline.decode_tgt(ids)
                      for ids in translate_ids(self.model, valid.src_ids[:n], batch_size=t.batch_size,
                                               batch_by=t.batch_by)]
        bleu = corpus_bleu(hypotheses, [ref[:n] for ref in valid.text.refs]).score
        score = ppl if t.early_stopping == "ppl" else -bleu
        p = self.progress
        p.last_validation_step = p.step
        improved = p.best_score is None or score < p.best_score
        if improved:
            p.best_score, p.bad_validations = score, 0
            self.save("best.npz")
        else:
            p.bad_validations += 1
        if self.schedule.step(score):
            self.log(f"validation score did not improve: learning rate halved to {self.optimizer.lr:g}")
        with open(self.run_dir / "validations.tsv", "a") as table:
            table.write(f"{p.step}\t{p.epoch}\t{ppl:.3f}\t{bleu:.2f}\t{self.optimizer.lr:g}\t{p.train_seconds:.1f}"
                        f"\t{int(improved)}\n")
        self.log(f"validation at step {p.step}: ppl {ppl:.2f} | greedy BLEU {bleu:.2f} on {n} sentences"
                 + (" | new best" if improved else f" | no improvement ({p.bad_validations})"))
        for i in range(min(t.valid_examples, n)):
            self.log(f"  Source:     {valid.text.src[i]}\n  Reference:  {valid.text.tgt[i]}\n"
                     f"  Hypothesis: {hypotheses[i]}")
        self.save("latest.npz")
        return score

    # ------------------------------------------------------------------ checkpoints and logging
    def save(self, name: str) -> Path:
        return save_checkpoint(
            self.run_dir / name, model=self.model, optimizer=self.optimizer,
            rngs={"model": self.model.rng, "data": self.data_rng},
            model_args=self.model.args.to_dict(), config=self.config.to_dict(),
            pipeline=self.dataset.pipeline.to_dict(), progress=dataclasses.asdict(self.progress),
            schedule=self.schedule.state_dict(), recipe=self.made_from, pruning=self.pruning,
        )

    def describe(self) -> str:
        a, d = self.model.args, self.dataset
        train = d.splits["train"]
        tokens = sum(len(ids) + 1 for ids in train.tgt_ids)
        lines = [f"tinyseqkd {__version__}: training into {self.run_dir}",
                 f"data: {d.corpus.name}, {len(train):,} training pairs ({tokens:,} target tokens), "
                 f"{len(d.splits['valid']):,} valid; vocabularies {a.src_vocab_size:,} / {a.tgt_vocab_size:,}",
                 f"model: {a.layers} x {a.hidden_size} LSTM, embeddings {a.embedding_size}, dropout {a.dropout}, "
                 f"{self.model.num_parameters():,} parameters"]
        lines += recipe.describe_recipe(self.config, self.teacher, self.targets, self.sparsity)
        lines += [f"note: {line}" for line in d.corpus.report]
        return "\n".join(lines)

    def _progress_line(self, loss: float, tokens_per_second: float, batches_per_epoch: int) -> str:
        p = self.progress
        return (f"epoch {p.epoch:3d} | step {p.step:7d} | loss {loss:7.3f} | ppl {math.exp(min(loss, 50)):9.2f} | "
                f"{tokens_per_second:8,.0f} tok/s | lr {self.optimizer.lr:8.4g} | "
                f"ETA {_clock(self._eta_seconds(batches_per_epoch))}")

    def _eta_seconds(self, batches_per_epoch: int) -> float | None:
        t, p = self.config.train, self.progress
        per_step = p.train_seconds / max(p.step, 1)
        estimates = []
        if t.max_steps:
            estimates.append((t.max_steps - p.step) * per_step)
        if t.max_epochs:
            remaining = (t.max_epochs - p.epoch) * batches_per_epoch + batches_per_epoch - p.batch_in_epoch
            estimates.append(remaining * per_step)
        if t.max_minutes:
            estimates.append(60 * t.max_minutes - p.train_seconds)
        return max(min(estimates), 0.0) if estimates else None

    def log(self, text: str) -> None:
        self._log(text)
        with open(self.run_dir / "train.log", "a", encoding="utf-8") as file:
            file.write(text + "\n")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "   --:--"
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
