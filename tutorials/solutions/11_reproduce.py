"""Worked solutions to the exercises of tutorial 11 (reproducing the paper's table)."""

import dataclasses
import json
import tempfile
from pathlib import Path

from tinyseqkd.reproduce import StageGraph, build_results, build_stages, check_lines, get_preset, write_results
from tinyseqkd.reproduce.plan import COMMANDS
from tinyseqkd.reproduce.presets import ModelRun

# --- Exercise 1: which stages a changed student learning rate invalidates --------------------------------------------
quick = get_preset("quick")
changed = dataclasses.replace(quick, student=ModelRun(quick.student.config, {**quick.student.overrides,
                                                                              "train.lr": 0.005}))
runs = {command: None for command in COMMANDS}
before, after = StageGraph(build_stages(quick, runs)), StageGraph(build_stages(changed, runs))
print("1. new keys:", [name for name in before.order if before.keys[name] != after.keys[name]])
print("   kept:    ", [name for name in before.order if before.keys[name] == after.keys[name]])
print("   the teacher and its distillation do not depend on the students' settings; every student, what is")
print("   pruned from one, and their evaluations do")


# --- Exercise 2: made-up rows in which Seq-KD loses ---------------------------------------------------------------
def row(greedy, beam, p, parameters=1000):
    return {"bleu_greedy": greedy, "bleu_beam": beam, "perplexity": 10.0, "p_greedy_output": p,
            "parameters": parameters, "nonzero_parameters": parameters, "words_per_second_greedy": 1000.0,
            "words_per_second_beam": 200.0}


rows = {"teacher": row(30.0, 32.0, 0.05, 4000), "baseline": row(25.0, 28.0, 0.02), "seq-kd": row(24.0, 25.0, 0.03)}
results = build_results({1: rows}, preset="made-up", versions={})  # {seed: rows}: one seed
print("2. the claims that fail:", *[line for line in check_lines(results) if line.startswith("✗")], sep="\n   ")
print("   greedy BLEU below the baseline's, p(t = ŷ) only 1.5×, perplexities equal; the gap still shrinks (1.0")
print("   against 3.0), so that claim keeps its ✓ — each claim is checked on its own figures")

# --- Exercise 3: the greedy–beam gap from results.json --------------------------------------------------------------
with tempfile.TemporaryDirectory() as folder:
    json_path, markdown_path = write_results(folder, results)
    loaded = json.loads(Path(json_path).read_text())
    table = markdown_path.read_text().split("## Table 1")[1].split("##")[0]
    gaps_in_markdown = {line.split("|")[1].strip(): line.split("|")[4].strip() for line in table.splitlines()
                        if line.startswith("| ") and not line.startswith("| model")}
for name, figures in loaded["rows"].items():
    label = loaded["labels"][name]
    print(f"3. {label:9s} beam − greedy = {figures['bleu_beam'] - figures['bleu_greedy']:.1f}; "
          f"results.md says {gaps_in_markdown[label]}")
