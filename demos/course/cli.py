"""The course's two commands: `new DIR` (the learner's package of TODOs) and `check DIR`.

`check` runs each part in its own process (`grader`) with a time limit, so that whatever the
learner's code does — loop forever, crash the interpreter, print without end, import glassgrad —
the checker prints a verdict naming the part and the problem, never its own traceback. Parts run
in order and stop at the first one that does not pass (each builds on the last); `--part N` checks
one. Hints grow: a first failure shows a nudge, the same failure again (or `--hint 2`) more, and
only `--hint 3` the formula or the code. Failures are counted in the course's marker file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from demos.common import command

from . import MARKER, PARTS, TIME_LIMIT, VERSION
from .result import Result

TEMPLATE = Path(__file__).with_name("template")
REPO = Path(__file__).resolve().parents[2]


class CourseError(Exception):
    """A course folder that cannot be checked: missing, not a course, or of another version."""


def new_course(target: Path) -> list[Path]:
    """Write the learner's package into `target` (which must not exist or be empty)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise CourseError(f"{target} exists and is not empty; pick a new folder (nothing is overwritten)")
    written = []
    made = not target.exists()
    try:
        for source in sorted(TEMPLATE.rglob("*")):
            if source.is_dir() or "__pycache__" in source.parts:
                continue
            dest = target / source.relative_to(TEMPLATE)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
            written.append(dest)
        picture = REPO / "docs" / "fd_lab.png"  # part 1's picture, made by demos.fd_lab
        if picture.is_file():
            shutil.copyfile(picture, target / picture.name)
            written.append(target / picture.name)
        marker = target / MARKER
        marker.write_text(json.dumps({"course": "glassgrad", "version": VERSION, "failures": {}},
                                     indent=1), encoding="utf-8")
    except OSError as err:  # a folder that cannot be made or written (read-only, under a file…)
        if made:
            shutil.rmtree(target, ignore_errors=True)  # no half-made course left behind
        where = f" ({err.filename})" if err.filename else ""
        raise CourseError(f"cannot write a course in {target}: {err.strerror or err}{where}; pick a "
                          f"folder you can write in") from None
    return [*written, marker]


def read_marker(course: Path) -> dict[str, Any]:
    """The course folder's marker, checked: raises CourseError saying what is wrong and what to do."""
    if not course.exists():
        raise CourseError(f"there is no {course}. Start the course with\n"
                          f"  python -m demos.course new {course}")
    if not course.is_dir():
        raise CourseError(f"{course} is a file, not a course folder")
    marker = course / MARKER
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"{course} is not a glassgrad course (it has no {MARKER}). Make one with\n"
                          f"  python -m demos.course new NEW_FOLDER") from None
    except (OSError, ValueError) as err:
        raise CourseError(f"{marker} is damaged ({type(err).__name__}); make a new course and copy "
                          f"your mygrad/ files into it") from None
    if not isinstance(data, dict) or data.get("course") != "glassgrad":
        raise CourseError(f"{marker} is not a glassgrad course marker")
    if data.get("version") != VERSION:
        raise CourseError(f"{course} was made by course version {data.get('version')!r}; this checker "
                          f"is version {VERSION}. Make a new course (python -m demos.course new "
                          f"NEW_FOLDER) and copy your code into it part by part")
    if not (course / "mygrad").is_dir():
        raise CourseError(f"{course} has no mygrad/ folder: your code lives there")
    return data


def run_part(course: Path, part: int, time_limit: float = TIME_LIMIT) -> tuple[Result, float]:
    """Check one part in a separate process; (verdict, seconds)."""
    with tempfile.TemporaryDirectory(prefix="glassgrad-course-") as tmp:
        result_file = Path(tmp) / "result.json"
        log = Path(tmp) / "log.txt"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        start = time.perf_counter()
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "demos.course.grader", str(course.resolve()), str(part),
                 str(result_file)], cwd=tmp, env=env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
            try:
                code = proc.wait(timeout=time_limit)
            except BaseException as stop:
                # the time limit or Ctrl-C: the grader is stopped either way, never left looping
                # (in a session of its own, it does not get the terminal's Ctrl-C itself)
                _kill(proc)
                if not isinstance(stop, subprocess.TimeoutExpired):
                    raise
                seconds = time.perf_counter() - start
                return Result(part, "ERROR", [
                    f"part {part} did not finish within the time limit of {time_limit:g} s (the "
                    f"check itself takes a few seconds): an infinite loop, or a walk that never "
                    f"ends (a node visited again and again?)"], f"{part}:timeout"), seconds
        seconds = time.perf_counter() - start
        if result_file.is_file():
            try:
                return Result.from_json(json.loads(result_file.read_text(encoding="utf-8"))), seconds
            except (ValueError, KeyError, TypeError):
                pass
        with open(log, "rb") as f:
            tail = f.read()[-600:].decode("utf-8", "replace").strip().splitlines()[-3:]
        return Result(part, "ERROR", [
            f"part {part}: your code ended the checking process (exit code {code}) before a "
            f"verdict: os._exit, sys.exit, or a crash of Python itself (a recursion limit raised "
            f"too high does that)", *(f"  {line}" for line in tail)], f"{part}:crash"), seconds


def _kill(proc: subprocess.Popen) -> None:
    """Stop the grader and anything it started (its own process group)."""
    try:
        os.killpg(proc.pid, 9)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


def hint_level(data: dict[str, Any], result: Result, asked: int | None) -> int:
    """1 on a first failure, 2 when the same mistake comes back; `asked` (--hint K) wins."""
    failures = data.setdefault("failures", {})
    if not isinstance(failures, dict):
        failures = data["failures"] = {}
    if result.ok or not result.key:
        return 1
    failures[result.key] = int(failures.get(result.key, 0)) + 1
    return asked if asked is not None else min(2, failures[result.key])


def print_result(result: Result, seconds: float, level: int, stream: TextIO) -> None:
    title = PARTS[result.part]
    stream.write(f"part {result.part}  {title:<56} {result.status:<5} ({seconds:.1f} s)\n")
    for line in result.lines:
        for sub in line.splitlines():
            stream.write(f"    {sub}\n")
    shown = result.hints[:level] if not result.ok else []
    for k, hint in enumerate(shown, 1):
        first, *rest = hint.splitlines()
        stream.write(f"    hint {k}: {first}\n")
        for sub in rest:
            stream.write(f"            {sub}\n")
    if shown and len(shown) < len(result.hints) and result.status == "FAIL":
        stream.write(f"    (more: --part {result.part} --hint {len(shown) + 1})\n")


def check(course: Path, parts: Sequence[int], asked: int | None, stream: TextIO,
          time_limit: float = TIME_LIMIT) -> int:
    data = read_marker(course)
    stream.write(f"glassgrad course in {course} — time limit {time_limit:g} s per part\n")
    all_ok = True
    for n, part in enumerate(parts):
        result, seconds = run_part(course, part, time_limit)
        level = hint_level(data, result, asked)
        print_result(result, seconds, level, stream)
        if not result.ok:
            all_ok = False
            rest = parts[n + 1:]
            if rest:
                stream.write(f"parts {rest[0]}–{rest[-1]} not checked yet: part {part} first (each part "
                             f"builds on the last; --part N checks one)\n" if len(rest) > 1 else
                             f"part {rest[0]} not checked yet: part {part} first\n")
            break
    else:
        if len(parts) == len(PARTS):
            stream.write("All seven parts pass: you have built an autograd engine and trained a "
                         "network with it.\n")
    with contextlib.suppress(OSError):  # a read-only course folder: hints simply do not grow
        (course / MARKER).write_text(json.dumps(data, indent=1), encoding="utf-8")
    return 0 if all_ok else 1


@command
def main(argv: Sequence[str] | None = None, stream: TextIO | None = None) -> int:
    stream = stream or sys.stdout
    parser = argparse.ArgumentParser(
        prog="python -m demos.course",
        description="Build an autograd engine yourself, part by part; the checker names your first "
                    "wrong step.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_new = sub.add_parser("new", help="write a new course folder (a package of TODOs)")
    p_new.add_argument("dir", type=Path)
    p_check = sub.add_parser("check", help="grade the parts of a course folder")
    p_check.add_argument("dir", type=Path)
    p_check.add_argument("--part", type=int, choices=sorted(PARTS), metavar="N",
                         help="check only part N (1–7)")
    p_check.add_argument("--hint", type=int, choices=(1, 2, 3), metavar="K",
                         help="hint level: 1 a nudge, 2 more, 3 the formula or code")
    args = parser.parse_args(argv)
    try:
        if args.command == "new":
            written = new_course(args.dir)
            stream.write(f"Wrote a new course in {args.dir} ({len(written)} files). Read "
                         f"{args.dir / 'README.md'}, then fill in mygrad/part1_derivative.py and run\n"
                         f"  python -m demos.course check {args.dir} --part 1\n")
            return 0
        parts = [args.part] if args.part else sorted(PARTS)
        return check(args.dir, parts, args.hint, stream)
    except CourseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `... | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
