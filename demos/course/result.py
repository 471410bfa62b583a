"""What checking one part gives: a status, the lines to print, and hints of growing detail."""

from __future__ import annotations

import linecache
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Result:
    """The verdict on one part.

    `status` is "ok", "FAIL" (wrong results), "TODO" (not started) or "ERROR" (the code raised,
    looped, crashed, printed too much, or imported what it may not). `key` names the mistake
    (``5:overwrite``) so that a repeated failure can show more of `hints` (a nudge, more, the
    formula or code).
    """

    part: int
    status: str
    lines: list[str]
    key: str = ""
    hints: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        return cls(int(data["part"]), str(data["status"]), [str(x) for x in data["lines"]],
                   str(data.get("key", "")), [str(x) for x in data.get("hints", [])])


class PrintedTooMuch(BaseException):
    """The learner's code printed more than PRINT_LIMIT characters (a BaseException, so that
    their own `except Exception` cannot swallow it)."""


class ForbiddenImport(ImportError):
    """A learner's module imported glassgrad itself (or PyTorch, micrograd…)."""


class Failed(Exception):
    """Raised inside a check to stop at the first problem: carries the `Result` to report."""

    def __init__(self, result: Result) -> None:
        super().__init__(result.lines[0] if result.lines else "")
        self.result = result


def fail(part: int, key: str, lines: list[str] | str, hints: list[str] | None = None) -> Failed:
    return Failed(Result(part, "FAIL", [lines] if isinstance(lines, str) else lines,
                         f"{part}:{key}", hints or []))


def where_in_course(err: BaseException, course: Path | None) -> str:
    """``mygrad/part3_value.py, line 40: `return ...``` — the learner's deepest frame, if any."""
    if course is None:
        return ""
    root = str(course.resolve())
    found = ""
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        name = frame.f_code.co_filename
        if name.startswith(root):
            text = linecache.getline(name, lineno).strip()
            found = f"{Path(name).resolve().relative_to(root)}, line {lineno}"
            found += f": `{text}`" if text else ""
    return found


def learner_error(part: int, err: BaseException, doing: str, course: Path | None) -> Failed:
    """The learner's code raised while the checker was `doing` something: say what and where.

    A forbidden import is re-raised as it is: the grader reports it in its own words.
    """
    if isinstance(err, ForbiddenImport):
        raise err
    if isinstance(err, NotImplementedError):
        where = where_in_course(err, course)
        return Failed(Result(part, "TODO", [f"{doing}: {err or 'NotImplementedError'}"
                                            + (f" ({where})" if where else "")]))
    if isinstance(err, RecursionError):
        kind = "RecursionError (too many nested calls)"
    else:
        kind = f"{type(err).__name__}: {str(err)[:300]}"
    where = where_in_course(err, course)
    return Failed(Result(part, "ERROR", [f"{doing}, your code raised {kind}"]
                         + ([f"  in {where}"] if where else []), f"{part}:raised:{type(err).__name__}"))
