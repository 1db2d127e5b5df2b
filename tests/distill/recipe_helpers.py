"""What the end-to-end distillation tests share: the command line in this process, the tiny teacher's settings
and a student's arguments. The reverse task, 120 training pairs, one small LSTM layer, a few dozen updates: the
teacher need not be good, only deterministic."""

from tinyseqkd.cli import main

DATA = ["--data.train_size=120"]  # every run of these tests reads the same 120 training pairs
QUICK = ["--train.valid_bleu_size=10", "--train.valid_examples=0", "--train.log_every=0", "--train.patience=0"]
TEACHER = [*DATA, *QUICK, "--model.hidden_size=24", "--model.embedding_size=12", "--train.max_steps=40",
           "--train.validate_every=40"]
STUDENT_SHAPE = ["--model.hidden_size=16", "--model.embedding_size=8"]
BEAM = ["--beam", "3", "--chunk-size", "25"]  # 120 sentences: chunks of 25, 25, 25, 25, 20
KBEST = ["--beam", "4", "--nbest", "4", "--select", "bleu", "--keep-kbest", "--chunk-size", "25"]


def cli(*argv) -> int:
    """``tinyseqkd ARGV --threads 1``, in this process; returns the exit status."""
    return main([*map(str, argv), "--threads", "1"])


def student(teacher, *overrides):
    """The arguments of a student's ``train`` run: the teacher's data and text pipeline, a smaller model."""
    return ["toy-reverse", *DATA, *QUICK, *STUDENT_SHAPE, f"--data.pipeline={teacher}", *overrides]
