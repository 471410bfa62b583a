"""Reaching into the learner's package: import a part's module, call its functions safely."""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .result import Failed, Result, learner_error


def load(course: Path, module: str, part: int) -> Any:
    """``mygrad.<module>`` from the learner's folder; any failure becomes the part's verdict."""
    if not (course / "mygrad" / f"{module}.py").is_file():
        raise Failed(Result(part, "ERROR", [f"there is no mygrad/{module}.py in {course}: part {part} "
                                            f"lives there (make a new course to see the template)"],
                            f"{part}:nofile"))
    try:
        return importlib.import_module(f"mygrad.{module}")
    except SyntaxError:
        raise
    except Exception as err:
        raise learner_error(part, err, f"importing mygrad/{module}.py", course) from None


def need(module: Any, name: str, part: int) -> Any:
    """`module.name`, or a verdict saying it is missing."""
    thing = getattr(module, name, None)
    if thing is None:
        raise Failed(Result(part, "ERROR", [f"{module.__name__.replace('.', '/')}.py has no {name}: "
                                            f"keep the names of the template"], f"{part}:missing"))
    return thing


def call(part: int, course: Path, doing: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """fn(*args, **kwargs), with any exception of the learner's code turned into the part's verdict."""
    try:
        return fn(*args, **kwargs)
    except Failed:
        raise
    except Exception as err:
        raise learner_error(part, err, doing, course) from None


def close(a: Any, b: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    """a and b agree as floats (a may be anything: a non-number never agrees)."""
    try:
        a = float(a)
    except (TypeError, ValueError):
        return False
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= abs_ + rel * max(abs(a), abs(b))


def num(x: Any) -> str:
    """A number as the checker prints it: 6 significant digits."""
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError):
        return repr(x)[:40]
