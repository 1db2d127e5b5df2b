"""``tinyseqkd reproduce``: Kim & Rush (2016) — Table 1, the pruning of Sec. 5.2, the speed of Sec. 5.1 — in one
command, as a cached, resumable graph of ordinary ``train`` / ``distill`` / ``prune`` / ``evaluate`` runs.

    tinyseqkd reproduce --preset quick                  # minutes: the synthetic multimodal task, seeds 1, 2, 3
    tinyseqkd reproduce --preset classroom --jobs 2     # the main rows on the Bible corpus, seed 1
    tinyseqkd reproduce --seeds 1,2,3,4,5               # every student five times (the teacher once)
    tinyseqkd reproduce --list                          # the stages, which are done, what each runs

The work is :mod:`tinyseqkd.reproduce`'s (its ``__init__`` gives the reading order); this module parses the options,
runs the stages (:func:`~tinyseqkd.reproduce.runner.run_stages` with the real command lines of
:mod:`tinyseqkd.reproduce.runs`), then writes ``results.json``, ``results.md`` and the plots into ``--out`` and
prints the paper's claims checked on our figures. Exit status: 0 when every stage is done; 2 on a wrong option or a
failed stage (the message names its log); 130 after Ctrl-C (running the same command again continues).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from tinyseqkd.commands.options import add_threads_option, check_positive
from tinyseqkd.errors import ConfigError

EPILOG = """Each stage runs in OUT/stages/NAME-KEY/ (its command.txt holds the command line to re-run it by hand, its
log.txt everything it printed); a finished stage is never run again, an interrupted one continues, and a changed
preset redoes exactly the stages it changes (another seed adds that seed's students). results.md and results.json
land in OUT."""


def add_parser(subparsers) -> None:
    """Register ``tinyseqkd reproduce``."""
    parser = subparsers.add_parser(
        "reproduce", help="the paper's tables in one command: teacher, distillation, students, pruning, evaluation",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Reproduce Kim & Rush (2016): Table 1, pruning (Sec. 5.2) and speed (Sec. 5.1), beside the "
                    "paper's numbers. Cached and resumable: run the same command again to continue.")
    parser.add_argument("--preset", default="quick", metavar="NAME",
                        help="quick (minutes, the default), classroom (within an hour) or full (hours)")
    parser.add_argument("--out", metavar="DIR", help="output directory (default: runs/reproduce-PRESET, and "
                                                     "runs/reproduce-PRESET-seeds1-2 for seeds other than the "
                                                     "preset's)")
    parser.add_argument("--seeds", metavar="N,N,...",
                        help="the students' train.seed, one run of every student per seed, e.g. 1,2,3 (the teacher "
                             "is trained once, with the first); default: the preset's (quick and full 1,2,3, "
                             "classroom 1)")
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="the same as --seeds N")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="stages run side by side, each with threads // N threads (default: the preset's, at "
                             "most the threads; quick: 2)")
    parser.add_argument("--stages", nargs="+", metavar="NAME", help="run only these stages and the ones they need")
    parser.add_argument("--list", action="store_true", help="list the stages and their state; run nothing")
    parser.add_argument("--quiet", action="store_true", help="stage lines only, the commands' output in log.txt")
    parser.add_argument("--no-plots", action="store_true", help="write no PNG figures")
    add_threads_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tinyseqkd.reproduce import StageGraph, build_stages, get_preset
    from tinyseqkd.reproduce.presets import with_seeds
    from tinyseqkd.reproduce.runs import COMMAND_RUNS
    from tinyseqkd.threads import threads_in_force

    check_positive(args, "jobs")
    preset = get_preset(args.preset)
    seeds = chosen_seeds(args)
    if seeds is not None:
        preset = with_seeds(preset, seeds)
    out = Path(args.out or default_out(preset, get_preset(args.preset).seeds))
    graph = StageGraph(build_stages(preset, COMMAND_RUNS))
    if args.stages:
        graph.upstream(args.stages)  # an unknown name is an error before anything runs
    if args.list:
        print_stage_list(graph, out, preset)
        return 0
    threads = threads_in_force() or args.threads or 1  # cli.main applied --threads (default: the idle cores)
    jobs = args.jobs or min(preset.jobs, threads)
    return reproduce(graph, out, preset, args, threads, jobs)


def parse_seeds(text: str) -> tuple[int, ...]:
    """``--seeds 1,2,3`` → ``(1, 2, 3)``: whole numbers ≥ 0, each once; anything else is a ConfigError."""
    seeds = []
    for item in text.split(","):
        item = item.strip()
        if not (item.isascii() and item.isdigit()):
            raise ConfigError(f"--seeds {text}: {item!r} is not a whole number ≥ 0; give e.g. --seeds 1,2,3")
        if int(item) in seeds:
            raise ConfigError(f"--seeds {text}: seed {int(item)} is given twice; give each seed once")
        seeds.append(int(item))
    return tuple(seeds)


def chosen_seeds(args: argparse.Namespace) -> tuple[int, ...] | None:
    """The seeds of ``--seeds`` or ``--seed N`` (its shorthand), or None for the preset's own."""
    if args.seeds is not None and args.seed is not None:
        raise ConfigError("give either --seeds or --seed, not both (--seed N is --seeds N)")
    if args.seed is not None:
        return parse_seeds(str(args.seed))
    return None if args.seeds is None else parse_seeds(args.seeds)


def default_out(preset, default_seeds: tuple[int, ...]) -> str:
    """``runs/reproduce-PRESET`` for the preset's own seeds, ``runs/reproduce-PRESET-seeds1-2-3`` for others."""
    if tuple(preset.seeds) == tuple(default_seeds):
        return f"runs/reproduce-{preset.name}"
    return f"runs/reproduce-{preset.name}-seeds" + "-".join(map(str, preset.seeds))


def reproduce(graph, out: Path, preset, args: argparse.Namespace, threads: int, jobs: int) -> int:
    """Run the stages, then write and print the results."""
    from tinyseqkd.reproduce import build_results, check_lines, run_stages, write_results
    from tinyseqkd.reproduce.bootstrap import SavedTranslations
    from tinyseqkd.reproduce.collect import collect_seeds
    from tinyseqkd.reproduce.plan import row_stages
    from tinyseqkd.reproduce.progress import LoadSampler

    budget = f", budget {preset.budget_minutes:g} minutes on 2 cores" if preset.budget_minutes else ""
    print(f"tinyseqkd reproduce: preset {preset.name} ({preset.summary}{budget}) into {out}, {threads} thread(s), "
          f"{jobs} job(s)", flush=True)
    started = time.monotonic()
    with LoadSampler() as load:
        results = run_stages(graph, out, jobs=jobs, threads=threads, targets=args.stages,
                             write=lambda line: print(line, flush=True), echo=not args.quiet)
    seconds = time.monotonic() - started
    collected = collect_seeds(graph, results, row_stages(preset))
    meta = {"threads": threads, "jobs": jobs, "cpu_count": os.cpu_count(),
            "seconds_this_run": round(seconds, 1),
            "seconds_of_all_stages": round(sum(result.seconds for result in results.values()), 1),
            "stages_run": sum(result.status == "ran" for result in results.values()),
            "stages_cached": sum(result.status == "cached" for result in results.values()),
            "load_average_during_run": load.mean_text(), "load_average_at_end": load.last_text()}
    summary = build_results(collected.per_seed, preset=preset.name, summary=preset.summary, meta=meta,
                            notes=preset.notes, draws=SavedTranslations(collected.evaluations).draws)
    json_path, markdown_path = write_results(out, summary)
    print(f"\nThe paper's claims, checked in each of {len(preset.seeds)} seed(s) (✓ 3/3 holds in every seed, "
          "✗ 2/3 not in every one, – not measured; [95% interval] of the BLEU difference):")
    for line in check_lines(summary):
        print(f"  {line}")
    print(f"\nresults: {markdown_path} and {json_path}")
    if not args.no_plots:
        from tinyseqkd.reproduce.plots import write_plots

        # The mean rows, and the first seed's learning curves.
        plots = write_plots(out, summary["rows"], summary["labels"], collected.validations[preset.seeds[0]])
        print(plots.skipped or f"plots: {', '.join(str(path) for path in plots.written)}")
    print(f"this run took {seconds / 60:.1f} minutes ({meta['stages_run']} stage(s) run, {meta['stages_cached']} "
          f"done earlier); load average {meta['load_average_during_run']} on {os.cpu_count()} cores")
    return 0


def print_stage_list(graph, out: Path, preset) -> None:
    """``--list``: each stage's state (done, partial, to run), directory, what it is and its estimate."""
    from tinyseqkd.progress import clock
    from tinyseqkd.reproduce.store import stage_directory, stage_state

    states = {name: stage_state(stage_directory(out, name, graph.keys[name]), graph.keys[name])
              for name in graph.order}
    left = sum(graph[name].estimate_seconds for name in graph.order if states[name] != "done")
    counts = ", ".join(f"{sum(s == state for s in states.values())} {state}" for state in ("done", "partial",
                                                                                          "to run"))
    print(f"preset {preset.name}: {len(graph)} stages in {out} ({counts}); the preset's estimate for the rest "
          f"{clock(left)} with one job")
    width = max(len(name) for name in graph.order)
    for i, name in enumerate(graph.order, 1):
        stage = graph[name]
        directory = stage_directory(out, name, graph.keys[name]).relative_to(out)
        print(f"{i:3d} {name:<{width}}  {states[name]:<7} ~{clock(stage.estimate_seconds):>7}  {stage.description}"
              f"  [{directory}]")
