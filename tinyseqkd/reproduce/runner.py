"""Running a :class:`~tinyseqkd.reproduce.stages.StageGraph`: cached, resumable, several stages side by side.

:func:`run_stages` goes through the stages in topological order (every input before the stages that need it):

- a stage whose directory holds ``done.json`` for its key is **skipped** (its work is reused);
- a stage whose directory holds an unfinished attempt is **continued**: its ``run`` gets ``context.partial =
  True`` and resumes its own way (``train --resume``, ``distill`` skipping finished chunks);
- any other stage **runs** in a fresh directory; when ``run`` returns, ``done.json`` is written atomically, last.

With ``jobs > 1`` up to that many stages whose inputs are finished run side by side, in threads (real stages are
child processes, see :mod:`tinyseqkd.reproduce.process`), each given ``threads // jobs`` CPU threads; an
``exclusive`` stage (an evaluation that times decoding, Kim & Rush Sec. 5.1) runs alone, with all of them, and so
does a stage that nothing else can run beside (the teacher, which every other stage needs).

A stage that fails stops the run: the stages running beside it are interrupted (they keep their partial work) and
:class:`StageFailed` names the stage and its log file. Ctrl-C does the same and raises ``KeyboardInterrupt``.
Running the same command again continues where it stopped.
"""

from __future__ import annotations

import shlex
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from tinyseqkd.reproduce.process import CommandFailed, run_command
from tinyseqkd.reproduce.progress import Estimates, ProgressReport, Stopwatch, choose_starts
from tinyseqkd.reproduce.stages import ReproduceError, StageGraph
from tinyseqkd.reproduce.store import (COMMAND, LOG, OutputLock, finished_record, holds_partial_work, mark_done,
                                       mark_started, stage_directory, write_index)
from tinyseqkd.errors import TinySeqKDError


class StageFailed(ReproduceError):
    """A stage raised an error or its command failed; the message names the stage and its log file."""

    def __init__(self, name: str, log: Path, cause: BaseException):
        self.name, self.log, self.cause = name, log, cause
        reason = str(cause) if isinstance(cause, (CommandFailed, TinySeqKDError)) else \
            f"{type(cause).__name__}: {cause}"
        super().__init__(f"stage {name!r} failed: {reason}. Its log: {log}. Fix the cause and run the same command "
                         "again: finished stages are kept and this one continues from its partial work")


@dataclass
class StageContext:
    """What a stage's ``run`` gets: where to work, where its inputs are, and how to report."""

    name: str
    options: dict
    directory: Path  # the stage's own directory (exists)
    inputs: dict[str, Path]  # role -> the finished directory of the stage given that role
    partial: bool  # an earlier attempt left work here: continue it
    attempt: int  # 1 for the first attempt
    threads: int  # CPU threads this stage may use (pass on as --threads)
    stop: threading.Event  # set when the run is stopping: finish or save soon
    _log_file: object = None
    _report: ProgressReport | None = None

    def log(self, line: str) -> None:
        """One line to the stage's ``log.txt`` and, echoed, to the progress report."""
        if self._log_file is not None:
            self._log_file.write(line + "\n")
        if self._report is not None:
            self._report.output(self.name, line)

    def run_command(self, argv: list, stdout_to=None, env: dict | None = None) -> None:
        """Run a command (recorded in ``command.txt``) with its output going to :meth:`log` (its standard output
        into the file ``stdout_to`` instead, if given); see :func:`tinyseqkd.reproduce.process.run_command`."""
        argv = [str(arg) for arg in argv]
        redirect = f" > {shlex.quote(str(stdout_to))}" if stdout_to else ""
        with open(self.directory / COMMAND, "a", encoding="utf-8") as file:
            file.write(f"# attempt {self.attempt}\n{shlex.join(argv)}{redirect}\n")
        run_command(argv, on_line=self.log, stop=self.stop, stdout_to=stdout_to, env=env)


@dataclass
class StageResult:
    name: str
    directory: Path
    key: str
    status: str  # "cached" (finished earlier) or "ran" (in this run)
    seconds: float


def run_stages(graph: StageGraph, out, *, jobs: int = 1, threads: int = 1, targets=None, write=print,
               echo: bool = True) -> dict[str, StageResult]:
    """Bring every stage of ``graph`` (or ``targets`` and what they need) to done under ``out``; see the module
    docstring. Returns the results by stage name, in topological order."""
    if jobs < 1 or threads < 1:
        raise ReproduceError(f"--jobs and --threads must be at least 1, got {jobs} and {threads}")
    names = graph.upstream(targets) if targets else list(graph.order)
    with OutputLock(out):
        return _Run(graph, Path(out), names, jobs, threads, ProgressReport(names, write, echo)).go()


class _Run:
    """One call of :func:`run_stages`: the main thread schedules and keeps the books, workers run stages."""

    def __init__(self, graph: StageGraph, out: Path, names: list[str], jobs: int, threads: int,
                 report: ProgressReport):
        self.graph, self.out, self.names, self.jobs, self.threads, self.report = \
            graph, out, names, jobs, threads, report
        self.directories = {name: stage_directory(out, name, graph.keys[name]) for name in names}
        self.estimates = Estimates({name: graph[name].estimate_seconds for name in names})
        self.results: dict[str, StageResult] = {}
        self.status = {name: "waiting" for name in names}
        self.clocks: dict[str, Stopwatch] = {}
        self.stop = threading.Event()

    def go(self) -> dict[str, StageResult]:
        for name in self.names:
            record = finished_record(self.directories[name], self.graph.keys[name])
            if record is not None:
                self._finish(name, "cached", float(record.get("seconds", 0.0)))
                self.report.cached(name, self.directories[name])
        to_run = [name for name in self.names if name not in self.results]
        self.report.plan(to_run, [n for n in self.names if n in self.results], self.eta(), self.jobs)
        try:
            self._schedule(to_run)
        finally:
            self._write_index()
        return {name: self.results[name] for name in self.names}

    def _schedule(self, waiting: list[str]) -> None:
        failure, interrupted = None, []
        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="stage") as pool:
            running = {}
            try:
                while waiting or running:
                    if failure is None and not interrupted:
                        ready = [n for n in waiting if all(d in self.results for d in self.graph[n].dependencies)]
                        # Nothing running and one stage ready: no other stage can become ready before it ends
                        # (stages become ready only when a running one finishes), so it may use every thread.
                        alone = not running and len(ready) == 1
                        for name in choose_starts(ready, len(running), self.jobs, lambda n: self.graph[n].exclusive):
                            waiting.remove(name)
                            running[pool.submit(self._run_one, self._prepare(name, alone))] = name
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        name = running.pop(future)
                        error = future.exception()
                        if error is None:
                            self._finish(name, "ran", future.result())
                        elif isinstance(error, KeyboardInterrupt):
                            self.status[name] = "interrupted"
                            interrupted.append(name)
                            self.stop.set()
                        else:
                            self.status[name] = "failed"
                            failure = failure or (name, error)
                            self.stop.set()
            except KeyboardInterrupt:  # Ctrl-C while waiting: the children got it too; let them save their work
                self.stop.set()
                interrupted.extend(running.values())
                wait(running)
        if failure is not None:
            name, error = failure
            raise StageFailed(name, self.directories[name] / LOG, error) from error
        if interrupted:
            self.report.say(f"interrupted ({', '.join(interrupted)}); run the same command again to continue: "
                            "finished stages are kept")
            raise KeyboardInterrupt

    def _prepare(self, name: str, alone: bool = False) -> StageContext:
        """Main thread: the stage's directory, its ``stage.json`` and its context (``alone``: no other stage can
        run beside it, so it gets every thread)."""
        stage, directory = self.graph[name], self.directories[name]
        partial = holds_partial_work(directory)
        inputs = {role: self.directories[needed] for role, needed in stage.inputs.items()}
        attempt = mark_started(directory, stage, self.graph.keys[name], inputs)
        threads = self.threads if stage.exclusive or alone else max(1, self.threads // self.jobs)
        self.status[name], self.clocks[name] = "running", Stopwatch()
        self.report.started(name, directory, partial, self.estimates.of(name), self.eta())
        return StageContext(name, stage.options, directory, inputs, partial, attempt, threads, self.stop,
                            _report=self.report)

    def _run_one(self, context: StageContext) -> float:
        """Worker thread: run the stage, then mark it done. Returns its seconds."""
        stage, clock = self.graph[context.name], Stopwatch()
        with open(context.directory / LOG, "a", encoding="utf-8", buffering=1) as log:
            log.write(f"--- attempt {context.attempt}, {time.strftime('%Y-%m-%d %H:%M:%S')}"
                      f"{', continuing' if context.partial else ''}\n")
            context._log_file = log
            try:
                stage.run(context)  # returns when its work is done; an interrupted command raises KeyboardInterrupt
            except KeyboardInterrupt:
                log.write("--- interrupted\n")
                raise
            except BaseException as error:
                log.write(f"--- failed: {error}\n" if isinstance(error, CommandFailed) else traceback.format_exc())
                raise
            finally:
                context._log_file = None
        seconds = clock()
        mark_done(context.directory, stage, self.graph.keys[context.name], seconds)
        return seconds

    def _finish(self, name: str, status: str, seconds: float) -> None:
        self.results[name] = StageResult(name, self.directories[name], self.graph.keys[name], status, seconds)
        self.status[name] = status
        if status == "ran":
            self.estimates.finished(name, seconds)
            left = sum(1 for n in self.names if n not in self.results)
            self.report.finished(name, seconds, self.eta(), left)
            self._write_index()

    def eta(self) -> float:
        """Seconds until every stage is done (see :meth:`Estimates.remaining`)."""
        running = {name: self.clocks[name]() for name, status in self.status.items() if status == "running"}
        needs = {name: self.graph[name].dependencies for name in self.names}
        return self.estimates.remaining(self.names, needs, set(self.results), running, self.jobs,
                                        lambda n: self.graph[n].exclusive)

    def _write_index(self) -> None:
        write_index(self.out, [{"name": name, "directory": str(self.directories[name].relative_to(self.out)),
                                "key": self.graph.keys[name], "status": self.status[name],
                                "seconds": round(self.results[name].seconds, 3) if name in self.results else None}
                               for name in self.names])
