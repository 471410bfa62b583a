"""Run one part's check on a learner's course folder, in a process of its own.

    python -m demos.course.grader COURSE_DIR PART RESULT_FILE

`demos.course.cli` starts this with a time limit and reads RESULT_FILE (JSON) afterwards; if the
file is missing, the process died (a crash, a time-out, ``os._exit``) and the CLI says so. Here:

- the learner's folder goes first on ``sys.path``, so ``import mygrad`` finds their package;
- their modules may not import glassgrad itself, PyTorch or micrograd (the course is to build it);
- what they print is kept, up to `PRINT_LIMIT` characters: beyond that the next print raises;
- any exception escaping their code becomes a verdict naming their file and line.
"""

from __future__ import annotations

import builtins
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import PRINT_LIMIT
from .result import Failed, ForbiddenImport, PrintedTooMuch, Result, learner_error

#: top-level packages the learner's modules may not import
FORBIDDEN = ("autograd", "nn", "demos", "torch", "micrograd", "jax", "tensorflow", "tinygrad")


class CappedOutput(io.TextIOBase):
    """A stand-in for stdout that keeps the first `limit` characters and then refuses more."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size, self.parts = limit, 0, []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.size += len(text)
        if self.size > self.limit:
            raise PrintedTooMuch(f"your code printed more than {self.limit:,} characters")
        self.parts.append(text)
        return len(text)

    def text(self) -> str:
        return "".join(self.parts)


def guard_imports(course: Path) -> Callable[[], None]:
    """Make the learner's modules unable to import FORBIDDEN packages; returns the undo."""
    original = builtins.__import__
    root = str(course.resolve())

    def guarded(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (),
                level: int = 0) -> Any:
        top = name.split(".")[0]
        if level == 0 and top in FORBIDDEN and globals:
            where = str(globals.get("__file__") or "")
            if where.startswith(root):
                raise ForbiddenImport(f"{Path(where).name} imports {top}: the course is to build the "
                                      f"engine yourself, so your code may use the standard library "
                                      f"(math, random) but not {top}")
        return original(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded
    return lambda: setattr(builtins, "__import__", original)


def load_check(part: int) -> Callable[[Path], Result]:
    from . import checks

    return getattr(checks, f"check_part{part}")


def grade(course: Path, part: int) -> Result:
    """Check `part` of the course in `course`, turning every escape of the learner's code into a verdict."""
    check = load_check(part)  # the checker's own imports, before the learner's guard goes up
    sys.path.insert(0, str(course.resolve()))
    forget_learner_modules()
    undo = guard_imports(course)
    out = CappedOutput(PRINT_LIMIT)
    real_stdout = sys.stdout
    sys.stdout = out
    try:
        return check(course)
    except Failed as failed:
        return failed.result
    except PrintedTooMuch as err:
        return Result(part, "ERROR", [f"{err} (a print inside a loop?); the check stopped there"],
                      f"{part}:printed")
    except ForbiddenImport as err:
        return Result(part, "ERROR", [str(err)], f"{part}:import")
    except ModuleNotFoundError as err:
        if err.name != "hypothesis":
            return learner_error(part, err, f"while checking part {part}", course).result
        return Result(part, "ERROR", ["the checker needs Hypothesis to generate graphs: "
                                      "pip install -e '.[course]' (or pip install hypothesis)"],
                      f"{part}:setup")
    except SyntaxError as err:
        return Result(part, "ERROR", [f"{Path(err.filename or '?').name}, line {err.lineno}: "
                                      f"SyntaxError: {err.msg}"], f"{part}:syntax")
    except Exception as err:  # the learner's code, outside what the check expected
        return learner_error(part, err, f"while checking part {part}", course).result
    finally:
        sys.stdout = real_stdout
        undo()
        sys.path.remove(str(course.resolve()))
        forget_learner_modules()


def forget_learner_modules() -> None:
    """Drop imported `mygrad` modules, so that the next grading imports the learner's files afresh."""
    for name in [m for m in sys.modules if m == "mygrad" or m.startswith("mygrad.")]:
        del sys.modules[name]


def main(argv: list[str]) -> int:
    course, part, result_file = Path(argv[0]), int(argv[1]), Path(argv[2])
    sys.setrecursionlimit(1000)  # the learner sees Python's usual limit, whatever ours is
    result = grade(course, part)
    result_file.write_text(json.dumps(result.to_json()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
