"""One check per part: `check_partN(course_dir) -> Result` (run by `grader` in its own process)."""

from .check_calculus import check_part1, check_part2
from .check_engine import check_part3, check_part4, check_part5
from .check_nn import check_part6, check_part7

__all__ = ["check_part1", "check_part2", "check_part3", "check_part4", "check_part5", "check_part6",
           "check_part7"]
