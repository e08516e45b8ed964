"""Run a batch of experiments on this machine, a few at a time, each ``experiment.py`` in a process of its own.

Each experiment's output goes to a log file; every ``PROGRESS_SECONDS`` the runner prints the latest progress line of
each running one. A failing experiment does not stop the others. Each experiment gets an equal share of the cores
(``cores.share_for``: the experiments running at once when it starts share them), which its default worker processes
(``parallel_runs`` null) keep to. Ctrl-C (SIGINT)
stops the batch: no new experiment starts, and each running one is given SIGINT, on which Sacred stores it as
INTERRUPTED; runs already finished are untouched.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deep_bottleneck.batch.experiment_batch import PlannedExperiment, experiment_command
from deep_bottleneck.cores import CORES_VARIABLE, share_for
from deep_bottleneck.parent_watch import signal_on_parent_death
from deep_bottleneck.stop_request import install_handlers, raise_if_requested
from deep_bottleneck.store.file_store import default_runs_dir
from deep_bottleneck.store.run_folder import RunFolder
from deep_bottleneck.store.run_liveness import mark_dead

#: How long an interrupted experiment gets to store itself before it is terminated.
INTERRUPT_GRACE_SECONDS = 60
POLL_SECONDS = 0.2
#: How often the runner prints, for each running experiment, the latest progress line of its log.
PROGRESS_SECONDS = 60.0
#: A progress line of an experiment (``deep_bottleneck.progress``): ``run 1/3: epoch 40/100, ...``.
PROGRESS_LINE = re.compile(r"^run \d+/\d+: .*$", re.M)
RUN_ID_LINE = re.compile(r'Started run with ID "([^"]+)"')
#: How an experiment's error line starts: experiment.py's "error: ..." or an exception's "SomeError: ...".
ERROR_LINE = re.compile(r"^(error: |[A-Z]\w*(Error|Exception|Failed|Config|Interrupt)\w*: )")


@dataclass
class Outcome:
    """What became of one experiment of the batch.

    Attributes:
        name: The config's name.
        source: The file the config comes from.
        status: ``completed``, ``failed``, ``invalid``, ``skipped`` (a completed run has its config),
            ``interrupted`` or ``not-started``.
        run_id: The run's id in the store (for ``skipped``, the stored run's), or None.
        seconds: Wall time of the experiment, or None when it did not run.
        log: The experiment's output, or None.
        error: Why it failed or was not run (one line), or None.
    """

    name: str
    source: Path
    status: str
    run_id: Any = None
    seconds: float | None = None
    log: Path | None = None
    error: str | None = None


def _run_id(log: Path) -> str | None:
    match = RUN_ID_LINE.search(log.read_text(errors="replace")) if log.exists() else None
    return match.group(1) if match else None


def _killed_by(returncode: int) -> str | None:
    """``killed by signal 9 (SIGKILL)`` for a process ended by a signal, else None."""
    if returncode >= 0:
        return None
    try:
        name = f" ({signal.Signals(-returncode).name})"
    except ValueError:
        name = ""
    return f"killed by signal {-returncode}{name}"


def latest_progress(log: Path) -> str | None:
    """The latest progress line an experiment wrote to its log, or None."""
    lines = PROGRESS_LINE.findall(log.read_text(errors="replace")) if log.exists() else []
    return lines[-1].strip() if lines else None


def _error_line(log: Path) -> str:
    """The experiment's one-line error: the last line of the log that reads as one, else its last line."""
    lines = [line.strip() for line in re.split(r"[\r\n]", log.read_text(errors="replace")) if line.strip()]
    return next((line for line in reversed(lines) if ERROR_LINE.match(line)), lines[-1] if lines else "no output")


@dataclass
class _Running:
    item: PlannedExperiment
    process: subprocess.Popen
    log: Path
    started: float


class LocalBatch:
    """Runs planned experiments ``jobs`` at a time.

    Args:
        jobs: Experiments run at the same time.
        seed: Seed given to every experiment, or None.
        output_dir: Folder for the files of grid configs; logs go to ``output_dir/local-<time>-<pid>/``.
        python: Interpreter running ``experiment.py``.
        updates: ``key=value`` config updates given to every experiment.
    """

    def __init__(self, jobs: int, seed: int | None, output_dir: Path, python: str = sys.executable,
                 updates: list[str] = ()) -> None:
        self.jobs = max(1, jobs)
        self.seed = seed
        self.output_dir = Path(output_dir).resolve()
        self.log_dir = self.output_dir / f"local-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        self.python = python
        self.updates = list(updates)

    def _start(self, item: PlannedExperiment, side_by_side: int) -> _Running:
        """Start ``item``, one of ``side_by_side`` experiments running at once, with its share of the cores."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{item.name}.log"
        if log.exists():  # another config file of this name, in another folder
            log = self.log_dir / f"{item.name}-{len(list(self.log_dir.iterdir()))}.log"
        command = experiment_command(item.config.config_file(self.output_dir / "grid-configs"), self.seed,
                                     self.python, self.updates)
        with log.open("w") as output:
            # A process group of its own: Ctrl-C reaches the runner only, which passes it on once.
            # It is stopped (and stores itself as INTERRUPTED) when the runner dies, however it dies.
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env={**os.environ, CORES_VARIABLE: str(share_for(side_by_side))},
                                       start_new_session=True, preexec_fn=_interrupted_on_parent_death)
        print(f"started  {item.name} (log: {log})", flush=True)
        return _Running(item, process, log, time.monotonic())

    @staticmethod
    def _finished(running: _Running, interrupted: bool = False) -> Outcome:
        code = running.process.returncode
        status = "completed" if code == 0 else "interrupted" if interrupted else "failed"
        killed = _killed_by(code)
        error = None if code == 0 else killed or _error_line(running.log)
        outcome = Outcome(running.item.name, running.item.source, status, _run_id(running.log),
                          time.monotonic() - running.started, running.log, error)
        if killed and outcome.run_id is not None and (default_runs_dir() / str(outcome.run_id)).is_dir():
            mark_dead(RunFolder(default_runs_dir() / str(outcome.run_id)), killed)
        note = f"run {outcome.run_id}" if outcome.run_id else "no run"
        print(f"{status:<9} {outcome.name} ({note}, {outcome.seconds:.1f} s)"
              + (f": {outcome.error}" if outcome.error and not interrupted else ""), flush=True)
        return outcome

    def run(self, planned: list[PlannedExperiment]) -> list[Outcome]:
        """Run the runnable experiments of ``planned``; one outcome per planned experiment, in its order."""
        outcomes: dict[int, Outcome] = {}
        for index, item in enumerate(planned):
            if item.error is not None:
                outcomes[index] = Outcome(item.name, item.source, "invalid", error=item.error)
            elif item.stored_run is not None:
                outcomes[index] = Outcome(item.name, item.source, "skipped", run_id=item.stored_run)
        waiting = [index for index, item in enumerate(planned) if item.runnable]
        running: dict[int, _Running] = {}
        last_progress = time.monotonic()
        install_handlers((signal.SIGINT,))
        try:
            while waiting or running:
                raise_if_requested()
                if time.monotonic() - last_progress >= PROGRESS_SECONDS:
                    last_progress = time.monotonic()
                    self._print_progress(running.values())
                while waiting and len(running) < self.jobs:
                    index = waiting.pop(0)
                    running[index] = self._start(planned[index], min(self.jobs, len(running) + 1 + len(waiting)))
                for index, job in list(running.items()):
                    if job.process.poll() is not None:
                        outcomes[index] = self._finished(running.pop(index))
                time.sleep(POLL_SECONDS)
        except KeyboardInterrupt:
            print(f"\ninterrupted: stopping {len(running)} running experiment(s), "
                  f"{len(waiting)} not started", file=sys.stderr, flush=True)
            outcomes.update(self._interrupt(running))
            for index in waiting:
                outcomes[index] = Outcome(planned[index].name, planned[index].source, "not-started")
        return [outcomes[index] for index in range(len(planned))]

    @staticmethod
    def _print_progress(running) -> None:
        for job in running:
            line = latest_progress(job.log)
            print(f"running  {job.item.name} ({time.monotonic() - job.started:.0f} s)" + (f": {line}" if line else ""),
                  flush=True)

    def _interrupt(self, running: dict[int, _Running]) -> dict[int, Outcome]:
        """SIGINT to each running experiment (its process group: its workers too); SIGKILL after the grace time
        or on a second Ctrl-C."""
        for job in running.values():
            _signal_group(job.process, signal.SIGINT)
        deadline = time.monotonic() + INTERRUPT_GRACE_SECONDS
        try:
            for job in running.values():
                try:
                    job.process.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    _signal_group(job.process, signal.SIGKILL)
        except KeyboardInterrupt:
            for job in running.values():
                _signal_group(job.process, signal.SIGKILL)
        outcomes = {}
        for index, job in running.items():
            job.process.wait()
            outcomes[index] = self._finished(job, interrupted=True)
        return outcomes


def _interrupted_on_parent_death() -> None:
    signal_on_parent_death(signal.SIGTERM)


def _signal_group(process: subprocess.Popen, signal_number: int) -> None:
    try:
        os.killpg(process.pid, signal_number)
    except ProcessLookupError:
        pass


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, seconds = divmod(seconds, 60)
    return f"{int(minutes)} min {seconds:.0f} s" if minutes else f"{seconds:.1f} s"


def summary(outcomes: list[Outcome], runs_dir: Path) -> str:
    """A table of the outcomes (config, run id, status, duration, where the results are), then each error."""
    rows = [("config", "run", "status", "duration", "results")]
    for outcome in outcomes:
        where = str(Path(runs_dir) / str(outcome.run_id)) if outcome.run_id is not None else outcome.log or "-"
        rows.append((outcome.name, str(outcome.run_id or "-"), outcome.status, _duration(outcome.seconds),
                     str(where)))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4] for row in rows]
    lines += [f"{outcome.status}: {outcome.name} ({outcome.source}): {outcome.error}"
              for outcome in outcomes if outcome.error and outcome.status in ("failed", "invalid")]
    counts = {status: sum(o.status == status for o in outcomes) for status in dict.fromkeys(o.status for o in outcomes)}
    lines.append(", ".join(f"{count} {status}" for status, count in counts.items()) + f" of {len(outcomes)}.")
    return "\n".join(lines)
