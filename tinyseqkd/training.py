"""Training: the loop, validation, checkpoints, exact resume, and progress a student can watch.

One update (:meth:`Trainer.train_step`) is the whole of gradient descent::

    zero the gradients → loss = objective(model, batch) → normalise → backward → clip ‖g‖ ≤ clip → step

The objective returns the batch's loss as a mean per target token, the unit of every loss in the package: the
negative log-likelihood of the gold words unless the caller passes another (word-level distillation adds a term
against the teacher's distributions, :func:`tinyseqkd.distill.word_kd_objective`). The trainer turns it back into
the batch's sum (× its target tokens) and divides that (``train.normalize``, see :func:`loss_normalizer`):

- ``"sentences"``: by the batch's sentence count, as the authors' seq2seq-attn does; the paper's SGD lr 1.0 and
  gradient clip 5 assume this scale (a gradient about tokens-per-sentence times larger than a per-token mean's).
- ``"tokens"``: by the mean number of target tokens per batch in the current epoch — one constant, so every token
  weighs the same in every batch (a per-batch mean would weigh a token of a batch of short verses several times
  more than one of long verses) and the loss of an average batch is its mean per token.

Around that the trainer

- draws length-bucketed batches, shuffled each epoch by its own generator;
- validates every ``validate_every`` updates (or each epoch), and once more when a limit ends the run:
  perplexity on the whole valid split and greedy BLEU on its first ``valid_bleu_size`` sentences, a few Source /
  Reference / Hypothesis examples, a row appended to ``validations.tsv``; keeps ``best.npz``, halves the learning
  rate when the score stops improving (the paper's schedule) and stops early after ``patience`` validations without
  improvement;
- writes ``latest.npz`` at every validation, at the end, and on Ctrl-C (after finishing the current update), so
  ``tinyseqkd train --resume RUN_DIR`` continues exactly: the same batches in the same order, the same dropout masks;
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

from tinyseqkd import __version__
from tinyseqkd.autograd import Tensor
from tinyseqkd.checkpoint import load_checkpoint, restore, save_checkpoint, thread_change_note
from tinyseqkd.config import Config, apply_overrides, config_from_dict, to_toml
from tinyseqkd.data.batching import Batch, make_batches
from tinyseqkd.data.prepared import PreparedData, prepare
from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.errors import ConfigError, TrainingError
from tinyseqkd.evaluate import corpus_bleu, perplexity, translate_ids
from tinyseqkd.model import ModelArgs, Seq2Seq
from tinyseqkd.optim import OPTIMIZERS, HalveOnPlateau, clip_grad_norm


def nll_objective(model, batch):
    """The plain training loss: −log p(y_j | y_<j, s) averaged over the batch's target tokens (Sec. 2.1).

    Returns (loss, nll): the loss to differentiate (a Tensor) and the NLL (a float, for the progress line), both
    means per target token, as every objective's; the trainer normalises the loss (module docstring).
    """
    loss, _ = model.loss(batch)
    return loss, loss.item()


def loss_normalizer(batch: Batch, normalize: str, tokens_per_batch: float) -> float:
    """What a batch's summed loss is divided by: its sentences, or the epoch's mean target tokens per batch."""
    if normalize == "sentences":
        return float(len(batch))
    if normalize == "tokens":
        return tokens_per_batch
    raise ValueError(f"normalize must be 'sentences' or 'tokens', got {normalize!r}")


def mean_tokens_per_batch(batches: list[Batch]) -> float:
    """The target tokens (``</s>`` included) of an epoch's batches, divided by their number."""
    return sum(batch.n_tgt_tokens for batch in batches) / max(len(batches), 1)


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
    """Trains one model on one dataset, writing into ``run_dir`` (see the module docstring)."""

    def __init__(self, config: Config, dataset: PreparedData, run_dir, objective=nll_objective, log=print,
                 model: Seq2Seq | None = None):
        self.config = config
        self.dataset = dataset
        self.run_dir = Path(run_dir)
        self.objective = objective
        self._log = log
        seed = config.train.seed
        self.data_rng = np.random.default_rng([seed, 1])  # batch order
        self.model = model or Seq2Seq(model_args_for(config, dataset.pipeline), np.random.default_rng([seed, 0]))
        t = config.train
        optimizer_class = OPTIMIZERS[t.optimizer]
        self.optimizer = optimizer_class(self.model.named_parameters(), lr=t.lr)
        self.schedule = HalveOnPlateau(self.optimizer, factor=t.lr_decay, patience=t.decay_patience)
        self.progress = Progress()
        self.tokens_per_batch: float | None = None  # this epoch's, for normalize = "tokens" (_epoch_batches)
        self._interrupted = False

    # ------------------------------------------------------------------ setup and resume
    @classmethod
    def resume(cls, run_dir, overrides=(), objective=nll_objective, log=print) -> "Trainer":
        """Continue the run in ``run_dir`` from ``latest.npz``; only ``[train]`` keys may be overridden."""
        checkpoint = load_checkpoint(Path(run_dir) / "latest.npz")
        config = config_from_dict(checkpoint.header["config"], where=str(checkpoint.path))
        for item in overrides:
            if not item.lstrip("-").startswith("train."):
                raise ConfigError(f"option {item!r}: a resumed run keeps its [data] and [model]; only --train.KEY "
                                  "options (e.g. --train.max_steps=2000) may change")
        apply_overrides(config, overrides)
        pipeline = TextPipeline.from_dict(checkpoint.header["pipeline"])
        dataset = prepare(config.data, config.train.seed, pipeline=pipeline)
        trainer = cls(config, dataset, run_dir, objective=objective, log=log)
        restore(checkpoint, model=trainer.model, optimizer=trainer.optimizer,
                rngs={"model": trainer.model.rng, "data": trainer.data_rng})
        if any(item.lstrip("-").startswith("train.lr=") for item in overrides):
            trainer.optimizer.lr = config.train.lr  # the checkpoint's (maybe halved) rate, unless overridden
        trainer.progress = Progress(**checkpoint.header["progress"])
        trainer.schedule.load_state_dict(checkpoint.header["schedule"])
        log(f"resumed {run_dir} at step {trainer.progress.step} (epoch {trainer.progress.epoch})")
        if note := thread_change_note(checkpoint):
            log(note)
        return trainer

    def prepare_run_dir(self) -> None:
        """Create the run directory and write the resolved config, the version and the text pipeline."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "config.toml").write_text(f"# tinyseqkd {__version__}\n" + to_toml(self.config))
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
        norm = clip_grad_norm(self.optimizer.params.values(), self.config.train.clip)
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
            schedule=self.schedule.state_dict(),
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
