"""Worked solutions to the exercises of tutorial 7 (word-level knowledge distillation, Sec. 3.1)."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tutorials/_common.py
from _common import multimodal_dataset, train  # noqa: E402
from tinyseqkd.autograd import Tensor  # noqa: E402
from tinyseqkd.autograd import functional as F  # noqa: E402
from tinyseqkd.autograd.fused import log_softmax  # noqa: E402
from tinyseqkd.config import load_config  # noqa: E402
from tinyseqkd.data.batching import make_batches  # noqa: E402
from tinyseqkd.decoding import evaluation_mode  # noqa: E402
from tinyseqkd.distill import word_kd_loss, word_kd_objective  # noqa: E402
from tinyseqkd.evaluate import greedy_output_probabilities, translate_ids  # noqa: E402
from tinyseqkd.threads import set_threads  # noqa: E402

set_threads(1)
rng = np.random.default_rng(0)

# --- Exercise 1: α = 1 with a one-hot teacher is the plain NLL ----------------------------------------------------
B, T, V = 2, 3, 5
log_p = log_softmax(Tensor(rng.standard_normal((B, T, V)), dtype=np.float64))
targets = rng.integers(0, V, (B, T))
one_hot = np.eye(V)[targets]  # a teacher sure of the gold word
kd = word_kd_loss(log_p, one_hot, targets, np.ones((B, T)), alpha=1.0)
nll = F.nll_loss(log_p, targets, pad_index=None)
print(f"1. α = 1, one-hot teacher: {kd.item():.12f}; NLL {nll.item():.12f}")
print("   Σ_k −q(k) log p(k) with q one-hot at y is −log p(y): the two terms of the loss coincide")

# --- Exercise 2: temperature ---------------------------------------------------------------------------------------
q = np.array([0.6, 0.3, 0.1, 1e-9])  # section 1's q (a tiny mass instead of 0, so that log q is finite)
z = np.log(q)  # scores whose softmax is q (scores are defined up to a constant)
q_2 = np.exp(z / 2) / np.exp(z / 2).sum()
print(f"2. q = {np.round(q, 3)}  →  q_T=2 = {np.round(q_2, 3)}: flatter; the ranking stays, the runners-up gain")
scores = Tensor(np.array([1.0, 2.0, 0.0, -1.0])[None, None, :], dtype=np.float64)
for temperature, teacher in ((1.0, q), (2.0, q_2)):
    loss = word_kd_loss(log_softmax(scores), teacher[None, None, :], np.array([[1]]), np.ones((1, 1)),
                        alpha=0.5, temperature=temperature)
    print(f"   section 1's loss at T = {temperature:g}: {loss.item():.4f}")
print("   (at T = 2 the cross-entropy term compares softened distributions and is scaled by T² = 4)")

# --- Exercise 3: α = 0.9 -------------------------------------------------------------------------------------------
steps = 400
config = load_config("toy-reverse", [f"--train.max_steps={steps}", f"--train.validate_every={steps}",
                                     "--train.valid_examples=0", "--train.seed=0"])
dataset = multimodal_dataset(config, n_train=4000, n_valid=100, n_test=200, alphabet_size=6, min_len=3, max_len=4,
                             variant_probs=(0.6, 0.25, 0.15))
teacher = train(config, dataset, show=())
student_config = load_config("toy-reverse", [f"--train.max_steps={steps}", "--model.hidden_size=32",
                                             "--model.embedding_size=16", f"--train.validate_every={steps}",
                                             "--train.valid_examples=0", "--train.seed=1"])
test = dataset.splits["test"]
for alpha in (0.5, 0.9):
    student = train(student_config, dataset, objective=word_kd_objective(teacher, alpha=alpha), show=())
    with_teacher = word_kd_objective(teacher, alpha=1.0)  # its loss: the cross-entropy against the teacher alone
    batch_losses = []
    with evaluation_mode(student):
        for batch in make_batches(test.src_ids, test.tgt_ids, batch_size=100):
            loss, _ = with_teacher(student, batch)
            batch_losses.append(loss.item() * batch.n_tgt_tokens)
    cross_entropy = sum(batch_losses) / sum(len(ids) + 1 for ids in test.tgt_ids)
    greedy = translate_ids(student, test.src_ids)
    print(f"3. α = {alpha}: cross-entropy against the teacher {cross_entropy:.3f}, "
          f"p(t = ŷ) {greedy_output_probabilities(student, test.src_ids, greedy).mean():.1%}")
print("   α changes little here, in either figure: the gold words are samples of the variants' probabilities and the")
print("   teacher has learnt those probabilities, so both terms aim at the same distribution — the teacher's term is")
print("   the less noisy of the two. Neither makes the student surer of one variant; Seq-KD (tutorial 8) does.")
