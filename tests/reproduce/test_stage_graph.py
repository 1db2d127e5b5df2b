"""Stages as a graph: checked names and inputs, a stable topological order, and cache keys that change exactly
where an option (or the version) changes."""

from __future__ import annotations

import pytest
from fake_stages import Calls, small_graph

from tinyseqkd.reproduce.stages import ReproduceError, Stage, StageGraph, cache_key

pytestmark = pytest.mark.ch11_reproduce


def noop(context):
    pass


def test_order_puts_inputs_first_and_keeps_the_given_order_otherwise():
    stages = [Stage("eval", noop, inputs={"model": "student"}), Stage("teacher", noop),
              Stage("student", noop, inputs={"teacher": "teacher"}), Stage("other", noop)]
    assert StageGraph(stages).order == ["teacher", "student", "eval", "other"]


def test_upstream_and_downstream():
    graph = StageGraph(small_graph(Calls()))
    assert graph.upstream(["eval-seq-kd"]) == ["teacher", "distill", "seq-kd", "eval-seq-kd"]
    assert graph.downstream("distill") == ["seq-kd", "eval-seq-kd"]
    with pytest.raises(ReproduceError, match="did you mean seq-kd"):
        graph.upstream(["seq-kdd"])


def test_a_key_depends_on_options_inputs_and_version_but_not_on_dict_order():
    stage = Stage("student", noop, {"lr": 0.5, "layers": 2})
    same = Stage("student", noop, {"layers": 2, "lr": 0.5})
    key = cache_key(stage, {"teacher": "abc"})
    assert cache_key(same, {"teacher": "abc"}) == key
    assert cache_key(Stage("student", noop, {"lr": 0.25, "layers": 2}), {"teacher": "abc"}) != key
    assert cache_key(stage, {"teacher": "abd"}) != key
    assert cache_key(stage, {"init": "abc"}) != key  # the same stage in another role
    assert cache_key(stage, {"teacher": "abc"}, version="9.9.9") != key
    assert len(key) == 64


def test_a_changed_option_changes_the_keys_of_that_stage_and_everything_downstream_only():
    before = StageGraph(small_graph(Calls())).keys
    after = StageGraph([Stage(s.name, s.run, {**s.options, "beam": 4} if s.name == "distill" else s.options,
                              s.inputs) for s in small_graph(Calls())]).keys
    assert {name for name in before if before[name] != after[name]} == {"distill", "seq-kd", "eval-seq-kd"}


@pytest.mark.parametrize("stages, message", [
    ([Stage("a", noop), Stage("a", noop)], "two stages are named 'a'"),
    ([Stage("student", noop, inputs={"teacher": "teachr"}), Stage("teacher", noop)],
     "stage 'student' needs 'teachr' as its teacher, but there is no such stage .did you mean teacher"),
    ([Stage("a", noop, inputs={"x": "b"}), Stage("b", noop, inputs={"x": "a"})], "a, b need each other in a cycle"),
    ([Stage("a/b", noop)], "stage name 'a/b'"),
    ([Stage("a", noop, {"path": object()})], "stage 'a': options must be JSON data"),
    ([Stage("a", noop, {"lr": float("nan")})], "stage 'a': options must be JSON data"),
])
def test_bad_graphs_are_one_plain_error(stages, message):
    with pytest.raises(ReproduceError, match=message):
        StageGraph(stages)
