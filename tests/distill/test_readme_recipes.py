"""The README's distillation recipes (one command line per row of Kim & Rush's Table 1) stay valid: every ``train``
line names only existing config keys with allowed values, every ``distill`` line parses, and together they make
every row. (Running them takes hours; the tiny versions run in ``test_student_runs.py``.)"""

import re
import shlex
from pathlib import Path

import pytest

from tinyseqkd.cli import build_parser
from tinyseqkd.config import load_config

README = Path(__file__).resolve().parents[2] / "README.md"
pytestmark = pytest.mark.ch04_model


def recipe_commands() -> list[list[str]]:
    """The command lines of the README's recipe block, shell variables expanded and comments dropped."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"### Distillation recipes.*?```bash\n(.*?)```", text, re.S).group(1)
    variables, commands = {}, []
    for line in block.splitlines():
        line = re.sub(r"\$(\w+)", lambda m: variables[m.group(1)], line)
        for assignment in re.findall(r'(\w+)="([^"]*)"', line):
            variables[assignment[0]] = assignment[1]
        if line.startswith("tinyseqkd "):
            commands.append(shlex.split(line, comments=True)[1:])
    return commands


def test_every_recipe_line_is_a_valid_command():
    commands = recipe_commands()
    parser = build_parser()
    outputs = set()
    for argv in commands:
        args, overrides = parser.parse_known_args(argv)
        outputs.add(args.out)
        if args.command == "train":
            config = load_config(args.config, overrides)  # unknown keys, bad values and bad combinations raise
            assert config.data.pipeline == "runs/teacher" or args.out == "runs/teacher"
        else:
            assert args.command == "distill" and not overrides
    rows = {"runs/baseline", "runs/word-kd", "runs/seq-kd", "runs/seq-kd-word-kd", "runs/baseline-seq-inter",
            "runs/seq-kd-seq-inter", "runs/teacher-seq-inter", "runs/seq-kd-seq-inter-word-kd"}
    assert rows <= outputs
