"""Every tutorial runs top to bottom (with --quick), opens as a notebook, and its exercises have worked solutions
that run."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIALS = Path(__file__).resolve().parent.parent / "tutorials"
SOLUTIONS = TUTORIALS / "solutions"
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(
    [str(TUTORIALS.parent), os.environ.get("PYTHONPATH", "")])}

# Tutorial → (its chapter's pytest marker, lines its --quick run must print).
EXPECTED = {
    "01_autograd.py": ("ch01_autograd", ["dy/dx", "softplus passes gradcheck: True", "training accuracy"]),
    "02_lstm.py": ("ch02_layers", ["LSTMCell:", "weights identical after loading: True"]),
    "03_data.py": ("ch03_data", ["detokenize(pretokenize(text)) == text: True", "decoded back", "bucket=False"]),
    "04_training.py": ("ch04_model", ["a typo is caught", "attends", "04_attention.png"]),
    "05_decoding.py": ("ch05_decoding", ["greedy", "beam 5", "beam  3: BLEU", "p(greedy output)"]),
    "06_kernels.py": ("ch06_kernels", ["def attention_forward_kernel", "speed-up", "largest gradient difference"]),
    "07_word_kd.py": ("ch07_word_kd", ["gradient from backward()", "CE vs teacher", "Word-KD update"]),
    "08_seq_kd.py": ("ch08_seq_kd", ["teacher ŷ", "Seq-KD ", "quartiles of p(t = ŷ)", "distinct pieces"]),
    "09_seq_inter.py": ("ch09_seq_inter", ["select_closest of the first two (a tie) -> 0", "ỹ (closest)",
                                           "teacher + Seq-Inter"]),
    "10_pruning.py": ("ch10_pruning", ["class-distribution", "pruned weights still exactly zero: True",
                                       "stored sparse"]),
    "11_reproduce.py": ("ch11_reproduce", ["eval-seq-kd", "## Table 1", "Seq-KD shrinks the greedy–beam gap"]),
}


def run(path, *options, env=ENV):
    result = subprocess.run([sys.executable, str(path), *map(str, options)], capture_output=True, text=True,
                            timeout=300, env=env)
    assert result.returncode == 0, f"{path.name} failed:\n{result.stderr[-3000:]}"
    return result.stdout


def chapter(name):
    return pytest.param(name, marks=getattr(pytest.mark, EXPECTED[name][0]))


def test_every_tutorial_and_solution_is_listed():
    assert sorted(path.name for path in TUTORIALS.glob("[0-9]*.py")) == sorted(EXPECTED)
    assert sorted(path.name for path in SOLUTIONS.glob("[0-9]*.py")) == sorted(EXPECTED)


def seq_kd_above_baseline(figures):
    """Tutorial 8's headline: Seq-KD's greedy BLEU and p(t = ŷ) above the baseline's."""
    base, seq = figures["baseline"], figures["seq_kd"]
    assert seq["bleu_greedy"] > base["bleu_greedy"], f"Seq-KD's greedy BLEU not above the baseline's: {figures}"
    assert seq["p_greedy_output"] > base["p_greedy_output"], f"Seq-KD's p(t = ŷ) not above the baseline's: {figures}"


def directions(*names):
    """A headline check: each of the true/false figures ``names`` on the tutorial's JSON line is true."""
    def check(figures):
        for name in names:
            assert figures[name] is True, f"{name} did not hold: {figures}"
    return check


def pruning_shares(figures):
    """Tutorial 10's class-blind 80%: the decoder's LSTM layer loses more than the encoder's, and the softmax W_o
    the least of any class."""
    shares = {name: share for name, share in figures["class_blind_80_pruned_share"].items()
              if name not in ("all classes", "biases (never pruned)", "total")}
    assert shares["decoder layer 0"] > shares["encoder layer 0"], f"encoder pruned more than decoder: {shares}"
    assert min(shares, key=shares.get) == "softmax W_o", f"W_o not the least pruned class: {shares}"


def pruning(figures):
    """Tutorial 10's headline: its two 12-of-12 directions on the JSON line, and the class shares."""
    directions("class_blind_best_at_70", "retraining_recovers")(figures)
    pruning_shares(figures)


def kernels_agree(figures):
    """Tutorial 6's one stated figure that is not a timing: the kernel's context vectors within 1e-6 of the twin's."""
    assert figures["largest_context_difference"] < 1e-6, f"kernel and twin differ by 1e-6 or more: {figures}"


def claims_hold(*claims):
    """A headline check for tutorial 11: each of results.md's ``claims`` (on the JSON line's "claims") is ✓."""
    def check(figures):
        for claim in claims:
            assert figures["claims"].get(claim) is True, f"{claim!r} did not hold: {figures['claims']}"
    return check


# Tutorial → the directions its text states that held in all 12 runs of docs/tutorial-runs.md, checked on the
# JSON line it prints last.
HEADLINES = {
    "02_lstm.py": directions("loss_fell"),
    "03_data.py": directions("bucketing_wastes_less"),
    "04_training.py": directions("bleu_climbed"),
    "05_decoding.py": directions("beam_5_bleu_above_greedy", "most_greedy_outputs_invalid"),
    "06_kernels.py": kernels_agree,
    "07_word_kd.py": directions("word_kd_ce_below_baseline"),
    "08_seq_kd.py": seq_kd_above_baseline,
    "09_seq_inter.py": directions("closest_nearer_the_gold", "seq_inter_greedy_above_teacher_greedy",
                                  "seq_inter_greedy_above_teacher_beam", "seq_inter_p_above_teacher"),
    "10_pruning.py": pruning,
    "11_reproduce.py": claims_hold("Seq-KD's p(t = ŷ) is above the baseline's",
                                   "pruning 80% of the weights costs at most 1 BLEU (beam)"),
}


def headline(stdout):
    """The tutorial's headline figures: the JSON object on the last line it prints."""
    figures = json.loads(stdout.strip().splitlines()[-1])
    assert {"tutorial", "seed", "threads", "kernels"} <= set(figures), figures
    return figures


@pytest.mark.parametrize("name", [chapter(name) for name in sorted(EXPECTED)])
def test_tutorial_runs_with_quick(name, tmp_path):
    stdout = run(TUTORIALS / name, "--quick", "--figures", tmp_path)
    for text in EXPECTED[name][1]:
        assert text in stdout, f"{name} did not print {text!r}:\n{stdout[-3000:]}"
    figures = headline(stdout)  # every tutorial ends with its figures (benchmarks/tutorial_runs.py reads them)
    assert (figures["tutorial"], figures["seed"], figures["quick"]) == (name[:2], 0, True), figures
    if name in HEADLINES:
        HEADLINES[name](figures)


@pytest.mark.slow
@pytest.mark.parametrize("kernels", ["numba", "numpy"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", sorted(HEADLINES))
def test_a_tutorials_headline_holds_for_every_seed_thread_count_and_kernel(name, seed, threads, kernels, tmp_path):
    """What the text states holds in each of the runs its ranges come from (seeds 0-2, 1 and 2 threads, the numba
    kernels and their numpy twins, which round differently: the stand-in for another machine). CI runs seed 0."""
    stdout = run(TUTORIALS / name, "--quick", "--seed", seed, "--threads", threads, "--figures", tmp_path,
                 env={**ENV, "TINYSEQKD_KERNELS": kernels})
    figures = headline(stdout)
    assert (figures["seed"], figures["threads"], figures["kernels"]) == (seed, threads, kernels)
    HEADLINES[name](figures)


def exercises(name):
    """The numbered exercises in the tutorial's last markdown cell."""
    text = (TUTORIALS / name).read_text(encoding="utf-8")
    return re.findall(r"^# (\d)\. ", text.split("## Exercises")[1], flags=re.MULTILINE)


@pytest.mark.parametrize("name", [chapter(name) for name in sorted(EXPECTED)])
def test_every_exercise_has_a_worked_solution_that_runs(name):
    text = (TUTORIALS / name).read_text(encoding="utf-8")
    assert f"worked solutions: `tutorials/solutions/{name}`" in text  # the tutorial points to its solutions
    numbers = exercises(name)
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)] and numbers, numbers
    stdout = run(SOLUTIONS / name)
    answered = sorted(set(re.findall(r"^(\d)\. ", stdout, flags=re.MULTILINE)))
    assert answered == numbers, f"{name}: exercises {numbers}, answers printed for {answered}:\n{stdout}"


# Exercises that name an option of the tutorial, run as written (shortened with --train.max_steps where that
# changes nothing the exercise asks about), with what the run must print.
EXERCISES = {
    "04 ex. 1": ("04_training.py", ["--model.hidden_size=16", "--train.max_steps=30"], "1 x 16 LSTM"),
    "04 ex. 2": ("04_training.py", ["--data.corpus=synthetic:copy", "--train.max_steps=30"], "data: synthetic:copy"),
    "05 ex. 1": ("05_decoding.py", ["--variant-probs", "0.5", "0.5", "--train.max_steps=30"],
                 "probabilities forward 0.5, reversed 0.5\n"),
    "05 ex. 2": ("05_decoding.py", ["--length-penalty", "1.0", "--train.max_steps=30"], "(length + 1) ** 1)"),
}


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_exercise_options_work_as_written(exercise, tmp_path):
    name, options, expected = EXERCISES[exercise]
    assert " ".join(options[:-1]) in (TUTORIALS / name).read_text(encoding="utf-8")  # the text names the option
    stdout = run(TUTORIALS / name, "--quick", "--figures", tmp_path, *options)
    assert expected in stdout, f"{exercise}: {expected!r} not in\n{stdout[-3000:]}"


def test_a_wrong_config_key_is_one_plain_message():
    result = subprocess.run([sys.executable, str(TUTORIALS / "04_training.py"), "--train.lerning_rate=1"],
                            capture_output=True, text=True, timeout=60, env=ENV)
    assert result.returncode == 2 and "unknown key train.lerning_rate" in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------------------------------- notebooks
CELL_MARKER = re.compile(r"# %%( \[markdown\])?")
CODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")  # PEP 263: Python reads it on lines 1-2


def percent_cells(text):
    """[(kind, lines)] of a percent-format script, checked line by line."""
    lines = text.splitlines()
    assert lines[0] == "# %% [markdown]", "a tutorial opens with its title in a markdown cell"
    cells = []
    for number, line in enumerate(lines, start=1):
        if line.startswith("# %%"):
            assert CELL_MARKER.fullmatch(line), f"line {number}: a cell marker is '# %%' or '# %% [markdown]'"
            cells.append(("markdown" if line.endswith("[markdown]") else "code", []))
        else:
            cells[-1][1].append(line)
    for kind, body in cells:
        if kind == "markdown":
            assert all(not line or line.startswith("#") for line in body), body
    return cells


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_tutorial_is_a_percent_format_notebook(name):
    text = (TUTORIALS / name).read_text(encoding="utf-8")
    assert not any(CODING.match(line) for line in text.splitlines()[:2]), \
        "a line 1-2 comment like 'Decoding: greedy' is read by Python as an encoding declaration"
    cells = percent_cells(text)
    assert [kind for kind, _ in cells].count("code") >= 3 and cells[-1][0] == "markdown"
    compile(text, name, "exec")
    try:
        import jupytext
        import nbformat
    except ImportError:
        return  # the structural check above is what we can do without jupytext
    notebook = jupytext.reads(text, fmt="py:percent")
    assert [cell.cell_type for cell in notebook.cells] == [kind for kind, _ in cells]
    assert jupytext.writes(notebook, fmt="py:percent") == text  # the round trip changes nothing
    nbformat.validate(nbformat.reads(jupytext.writes(notebook, fmt="ipynb"), as_version=4))


# ------------------------------------------------------------------------------------------- the helper
@pytest.fixture
def common(monkeypatch):
    monkeypatch.syspath_prepend(str(TUTORIALS))
    import _common

    return _common


def test_in_a_notebook_the_options_come_from_tutorial_args(common, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipykernel", object())  # as inside a Jupyter kernel …
    monkeypatch.setattr(sys, "argv", ["ipykernel_launcher.py", "-f", "/kernel.json"])  # … whose argv is not ours
    monkeypatch.setenv("TUTORIAL_ARGS", "--quick --seed 3")
    args = common.options("a tutorial")
    assert args.quick and args.seed == 3


def test_without_matplotlib_a_plot_is_skipped_with_one_line(common, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    monkeypatch.setattr(sys, "argv", ["tutorial.py", "--figures", str(tmp_path)])
    args = common.options("a tutorial")
    assert common.save_figure(args, "plot.png", lambda plt: None) is None
    assert "matplotlib is not installed" in capsys.readouterr().out
    assert not list(tmp_path.iterdir())
