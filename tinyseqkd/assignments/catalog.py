"""The assignments: what a student implements, where, and which of the package's own tests grade it.

Each entry names its regions as ``path::function`` (the function whose body holds a marked region, see
:mod:`~tinyseqkd.assignments.markers`) and its graded tests as pytest node ids relative to the repository root — a
file, a test function (all its parametrized cases) or one case. A graded test earns its points when every case it
selects passes. ``environment`` holds variables the tests run with: the numpy twins are graded with
``TINYSEQKD_KERNELS=numpy``, so that the model runs on the student's twin and not on the numba kernel beside it.

A workspace is a fresh copy of the package, so the numba kernels its tests call are compiled anew (their cache
lives beside the source): ~20 s for each assignment that grades a kernel against its twin. Tests that only use a
kernel on the way (a log-softmax) run on the twins, which compile nothing.

An assignment is *ready* when every region it names is marked in the package (and no other region carries its
name); :func:`~tinyseqkd.assignments.workspace.make_workspace` refuses the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinyseqkd.errors import TinySeqKDError

NUMPY_KERNELS = (("TINYSEQKD_KERNELS", "numpy"),)


class AssignmentError(TinySeqKDError):
    """An unknown or not yet marked assignment, or a workspace that cannot be made or checked."""


@dataclass(frozen=True)
class GradedTest:
    """Tests selected by one pytest node id, worth ``points`` when all of them pass."""

    nodeid: str
    points: int
    environment: tuple[tuple[str, str], ...] = ()

    @property
    def file(self) -> str:
        return self.nodeid.split("::")[0]


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    regions: tuple[str, ...]  # "tinyseqkd/prune/masks.py::smallest"
    tests: tuple[GradedTest, ...]
    instructions: str  # Markdown: the task, the paper's equation, hints; INSTRUCTIONS.md adds where and how

    @property
    def points(self) -> int:
        return sum(test.points for test in self.tests)


def _tests(prefix: str, points: dict[str, int], environment=()) -> tuple[GradedTest, ...]:
    return tuple(GradedTest(f"{prefix}::{name}", p, environment) for name, p in points.items())


GRADIENTS = Assignment(
    name="gradients",
    title="The backward of six autograd primitives",
    regions=tuple(f"tinyseqkd/autograd/ops.py::{op}.backward" for op in ("Mul", "Power", "Exp", "Log", "Tanh",
                                                                          "Sigmoid")),
    tests=_tests("tests/autograd/test_ops.py", {
        "test_gradient_matches_finite_differences[mul_broadcast]": 2,
        "test_gradient_matches_finite_differences[div_broadcast]": 1,
        "test_gradient_matches_finite_differences[power_square]": 1,
        "test_gradient_matches_finite_differences[power_sqrt]": 1,
        "test_gradient_matches_finite_differences[exp]": 1,
        "test_gradient_matches_finite_differences[log]": 1,
        "test_gradient_matches_finite_differences[tanh]": 1,
        "test_gradient_matches_finite_differences[sigmoid]": 1,
        "test_gradient_matches_finite_differences[softmax]": 1,
    }),
    instructions="""\
Every operation of the autograd engine is a `Function` with a `forward` and a hand-written `backward`: given
`g = dL/d out`, `backward` returns `dL/d input` for each input (the table at the top of the module lists them).
Write the backward of `Mul`, `Power`, `Exp`, `Log`, `Tanh` and `Sigmoid`. `forward` saved what you need in
`ctx.saved`; reuse it rather than recomputing (e.g. tanh' = 1 − tanh², σ' = σ(1 − σ)). For `Mul`, inputs may have
been broadcast: sum the gradient back to each input's shape with `unbroadcast`, and return `None` for an input
whose `ctx.needs_input_grad` is False. The tests compare your gradients with finite differences (float64);
division and softmax are composed from these primitives, so their checks grade your work too.
""",
)

LSTM_BACKWARD = Assignment(
    name="lstm-backward",
    title="The LSTM cell's backward (numpy twin)",
    regions=("tinyseqkd/kernels/lstm.py::lstm_cell_backward_numpy",),
    tests=(GradedTest("tests/kernels/test_lstm_kernel.py::test_backward_kernel_equals_numpy_twin", 4),
           GradedTest("tests/nn/test_lstm.py::test_two_layer_lstm_over_a_padded_batch_passes_gradcheck[fused]", 3,
                      NUMPY_KERNELS),
           GradedTest("tests/model/test_model.py::test_whole_model_gradcheck_on_a_padded_batch", 3, NUMPY_KERNELS)),
    instructions="""\
One LSTM step (Kim & Rush Sec. 2.1; equations in `tinyseqkd/nn/lstm.py`) turns the pre-activations
`a = [a_i; a_f; a_o; a_g]` and the previous cell `c_prev` into `c = f⊙c_prev + i⊙g` and `h = o⊙tanh(c)`, with
`i, f, o = σ(a_i, a_f, a_o)` and `g = tanh(a_g)`. Given `dh` and `dc` (the gradient reaching `c` from the next
step), return `da` (B, 4H, in the order i f o g) and `dc_prev` (B, H). Start from the total gradient on `c`:
`dc + dh⊙o⊙(1 − tanh²c)`. The numba kernel beside your twin computes the same thing in loops; the tests hold your
twin equal to it and run the whole model on the numpy path (`TINYSEQKD_KERNELS=numpy`) through a gradient check.
""",
)

ATTENTION = Assignment(
    name="attention",
    title="One step of Luong attention, forward and backward (numpy twin)",
    regions=("tinyseqkd/kernels/attention.py::attention_forward_numpy",
             "tinyseqkd/kernels/attention.py::attention_backward_numpy"),
    tests=(GradedTest("tests/kernels/test_attention_kernel.py::"
                      "test_kernels_equal_numpy_twins_on_random_padded_batches", 4),
           GradedTest("tests/kernels/test_attention_kernel.py::test_attention_step_gradcheck_through_context_and_"
                      "weights", 3, NUMPY_KERNELS),
           GradedTest("tests/model/test_model.py::test_padding_in_the_source_changes_nothing", 1, NUMPY_KERNELS),
           GradedTest("tests/model/test_model.py::test_whole_model_gradcheck_on_a_padded_batch", 2, NUMPY_KERNELS)),
    instructions="""\
Luong's "general" attention (Kim & Rush Sec. 2.1): with keys `k_s = h̄_s W_a` precomputed, one decoder step scores
every real source position, `score_s = k_s · h`, takes a softmax over the positions `s < length` (padding gets
exactly 0), and returns the context `c = Σ_s a_s h̄_s` with the weights `a`. The module docstring gives the backward
too. Write both twins with array expressions (einsum or broadcasting), no loops over the batch. Shapes: keys and
values (B, S, H), query (B, H), lengths (B,). The tests hold your twins equal to the numba kernels beside them and
run a gradient check of the whole model on the numpy path.
""",
)

BEAM_STEP = Assignment(
    name="beam-step",
    title="One step of batched beam search (numpy twin)",
    regions=("tinyseqkd/kernels/beam.py::beam_step_numpy",),
    tests=(GradedTest("tests/decoding/test_beam_kernel.py::test_kernel_equals_twin_over_several_steps_with_ties", 4),
           GradedTest("tests/decoding/test_beam_kernel.py::test_at_the_limit_every_live_row_finishes_with_end_of_"
                      "sentence", 1),
           GradedTest("tests/decoding/test_beam_search.py::test_beam_finds_the_more_probable_translation_that_"
                      "greedy_misses", 2, NUMPY_KERNELS),
           GradedTest("tests/decoding/test_beam_search.py::test_a_short_hypothesis_that_finishes_first_loses_to_a_"
                      "longer_one_under_length_normalisation", 2, NUMPY_KERNELS),
           GradedTest("tests/decoding/test_beam_search.py::test_beam_size_one_equals_greedy_on_a_random_seq2seq", 1,
                      NUMPY_KERNELS)),
    instructions="""\
Beam search gives the teacher's output ŷ that Seq-KD trains on (Kim & Rush Sec. 3.2). One step, for every live
sentence: score every candidate (row, word) as the row's score plus log p(word | row), rank them best first (ties:
the lower flat index first), let the candidates ending in `</s>` among the first K finish (and every row at the
length limit), fill the new beam with the best K others, and mark the sentence done when it cannot be beaten. The
module docstring states each rule; `_add_finished_numpy` and `_cannot_be_beaten` are there for you to call. The
tests hold your twin equal to the numba kernel and decode hand-checkable models on the numpy path.
""",
)

WORD_KD = Assignment(
    name="word-kd",
    title="The Word-KD loss, forward and backward",
    regions=("tinyseqkd/distill/word_kd.py::WordKDLoss.forward", "tinyseqkd/distill/word_kd.py::WordKDLoss.backward"),
    tests=_tests("tests/distill/test_word_kd.py", {
        "test_alpha_zero_is_exactly_the_plain_nll": 2,
        "test_alpha_one_gradient_is_the_cross_entropy_against_the_teacher": 1,
        "test_fused_loss_equals_its_composed_twin": 3,
        "test_fused_loss_gradcheck": 3,
        "test_gradient_on_the_students_scores_is_p_minus_the_mixed_target": 2,
        "test_temperature_softens_both_sides_and_keeps_the_gradient_scale": 1,
    }, NUMPY_KERNELS),  # the tests' log-softmax on its twin: a fresh workspace need not compile the numba kernel
    instructions="""\
Word-level knowledge distillation (Kim & Rush Sec. 3.1) mixes the gold NLL with the cross-entropy against the
teacher's word distributions q, teacher-forced on the gold prefix:
`L = [(1−α)·Σ_j −log p(y_j) + α·T²·Σ_j Σ_k −q(k|j) log p_T(k|j)] / N`, over the real (unmasked) target positions j,
with `N = divisor`; at a temperature T ≠ 1 the student is softened too, `p_T = softmax(log p / T)` (q arrives
softened already). Write the fused op's forward (the loss) and backward (`g · dL/dℓ`, the gradient on the student's
log-probabilities ℓ; the module docstring derives it). Forward must save what backward's first two lines read
(`ctx.saved`, `ctx.alpha`, `ctx.temperature`), and anything else backward needs. With α = 0 the loss is exactly the
plain NLL, bit for bit: compute that term as `functional.nll_loss` does, and leave the teacher out (it may be
absent). The composed twin in the same module computes the loss from smaller ops; the tests hold yours equal to it
and check your gradient by finite differences.
""",
)

SEQ_INTER = Assignment(
    name="seq-inter",
    title="Sequence-level interpolation: smoothed sentence BLEU and the closest hypothesis",
    regions=("tinyseqkd/distill/seq_inter.py::_smoothed_bleu_from_counts",
             "tinyseqkd/distill/seq_inter.py::select_closest"),
    tests=_tests("tests/distill/test_seq_inter.py", {
        "test_bleu_without_smoothing_hand_computed": 2,
        "test_geometric_smoothing_of_zero_matches_hand_computed": 2,
        "test_short_hypothesis_leaves_out_missing_orders_but_keeps_the_exponent": 2,
        "test_equals_sacrebleu_exp_smoothing_when_at_least_four_tokens_and_one_match": 2,
        "test_select_closest_picks_the_hand_checkable_best": 2,
        "test_ties_go_to_the_earliest_hypothesis": 2,
    }),
    instructions="""\
Seq-Inter (Kim & Rush Sec. 3.3) fine-tunes on `ỹ = argmax_{t ∈ K-best} sim(t, y)`, the teacher's hypothesis
closest to the gold, with smoothed sentence BLEU as `sim`. Write the BLEU of one hypothesis from the reference's
n-gram counts (clipped matches per order, the smoothing the module docstring states, the brevity penalty) and the
selection (ties go to the earlier, higher-ranked hypothesis).
""",
)

PRUNING = Assignment(
    name="pruning",
    title="Magnitude pruning: class-blind, class-uniform and class-distribution masks",
    regions=tuple(f"tinyseqkd/prune/masks.py::{name}" for name in ("smallest", "class_blind_keep",
                                                                    "class_uniform_keep", "class_distribution_keep")),
    tests=_tests("tests/prune/test_prune_schemes.py", {
        "test_class_blind_prunes_the_smallest_magnitudes_of_the_whole_model_earlier_first_on_ties": 3,
        "test_class_uniform_prunes_the_same_share_of_each_class": 2,
        "test_class_distribution_prunes_the_smallest_magnitude_per_class_std": 2,
        "test_leaving_the_embeddings_unpruned_prunes_the_ratio_of_the_other_classes": 1,
        "test_ratio_zero_keeps_everything_and_the_count_is_exact": 1,
        "test_prune_model_zeroes_the_weights_and_the_report_counts_them": 1,
    }),
    instructions="""\
Kim & Rush prune their best student by magnitude (Sec. 5.2, with the schemes of See, Luong & Manning 2016): a
ratio x of the prunable weights goes, the smallest |w| first. First write `smallest(scores, count)`: True at the
`count` smallest entries, equal scores taken earlier position first (hint: `np.partition` finds the count-th
smallest value in O(n)). Then the three keep-rules, each a bool vector over the classes' weights laid end to end
(True = kept): class-blind (one threshold over all classes), class-uniform (the same ratio inside each class) and
class-distribution (score |w| / σ_c with `distribution_scores`, then one threshold over all scores). Round counts
with `pruned_count`. The tests work each case out by hand on a few weights.
""",
)

ASSIGNMENTS: dict[str, Assignment] = {a.name: a for a in (GRADIENTS, LSTM_BACKWARD, ATTENTION, BEAM_STEP, WORD_KD,
                                                          SEQ_INTER, PRUNING)}


def get_assignment(name: str, catalog: dict[str, Assignment] | None = None) -> Assignment:
    """The assignment called ``name``; an unknown name is an error listing the known ones."""
    catalog = ASSIGNMENTS if catalog is None else catalog
    if name not in catalog:
        raise AssignmentError(f"unknown assignment {name!r}: choose one of {', '.join(catalog)} "
                              "(tinyseqkd assignment list shows them)")
    return catalog[name]
