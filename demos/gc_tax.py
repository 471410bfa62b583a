"""What Python's cyclic garbage collector charges a growing graph, by GC-tracked objects per step.

    python -m demos.gc_tax                  # 10⁶ chain steps per variant (about 15 s)
    python -m demos.gc_tax --steps 100000   # smaller

The benchmark's `chain` (y = y·1.0001 + 0.0001, 10⁶ steps) spends about half its time in the
cyclic GC, although glassgrad makes no reference cycles: the collector does not know that, and
while a graph grows it walks every tracked object again each time their number has grown by a
quarter (CPython 3.11's rule for full collections). Class instances and tuples are tracked; floats
and strings are not. So the GC's bill depends on how many tracked objects a step makes:

- ``glassgrad``: the engine itself.
- ``6 a step``: stand-in nodes with glassgrad's slots, in glassgrad's shape: per op a node, its
  ``children`` tuple and a constant leaf for the plain number.
- ``4 a step``: the two inputs kept in two slots of the node instead of a tuple.
- ``2 a step``: constants folded into the op node as well (what PyTorch does).

Each variant builds the same chain and reports seconds to build it, seconds of that in the GC,
and how many full (generation 2) collections ran.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value
from demos.common import command, positive_int


class TupleNode:
    """glassgrad's node layout: the inputs in a `children` tuple."""

    __slots__ = ("_op", "children", "data", "grad", "label")

    def __init__(self, data: float, children: tuple = ()) -> None:
        self._op, self.children, self.data, self.grad, self.label = None, children, data, 0.0, ""


class SlotNode:
    """The inputs in two slots, no tuple."""

    __slots__ = ("_op", "a", "b", "data", "grad", "label")

    def __init__(self, data: float, a: Any = None, b: Any = None) -> None:
        self._op, self.a, self.b, self.data, self.grad, self.label = None, a, b, data, 0.0, ""


def step_glassgrad(y: Any) -> Any:
    return y * 1.0001 + 0.0001


def step_6(y: Any) -> Any:
    y = TupleNode(y.data * 1.0001, (y, TupleNode(1.0001)))
    return TupleNode(y.data + 0.0001, (y, TupleNode(0.0001)))


def step_4(y: Any) -> Any:
    y = SlotNode(y.data * 1.0001, y, SlotNode(1.0001))
    return SlotNode(y.data + 0.0001, y, SlotNode(0.0001))


def step_2(y: Any) -> Any:
    y = SlotNode(y.data * 1.0001, y)
    return SlotNode(y.data + 0.0001, y)


VARIANTS: dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]] = {
    "glassgrad": (lambda: Value(1.0), step_glassgrad),
    "6 a step": (lambda: TupleNode(1.0), step_6),
    "4 a step": (lambda: SlotNode(1.0), step_4),
    "2 a step": (lambda: SlotNode(1.0), step_2),
}


def tracked_per_step(start: Callable[[], Any], step: Callable[[Any], Any], steps: int = 1000) -> float:
    """GC-tracked objects a chain step leaves alive, counted with `gc.get_objects()`."""
    gc.collect()
    before = len(gc.get_objects())
    y = start()
    for _ in range(steps):
        y = step(y)
    grown = len(gc.get_objects()) - before
    del y
    return grown / steps


def measure(start: Callable[[], Any], step: Callable[[Any], Any], steps: int) -> dict[str, float]:
    """Build `steps` chain steps with the GC on; the seconds, the GC's seconds, full collections."""
    gc.collect()
    spent, full, began = 0.0, 0, 0.0

    def watch(phase: str, info: dict[str, Any]) -> None:
        nonlocal spent, full, began
        if phase == "start":
            began = time.perf_counter()
        else:
            spent += time.perf_counter() - began
            full += info["generation"] == 2

    gc.callbacks.append(watch)
    try:
        t0 = time.perf_counter()
        y = start()
        for _ in range(steps):
            y = step(y)
        seconds = time.perf_counter() - t0
    finally:
        gc.callbacks.remove(watch)
    del y
    return {"build": seconds, "gc": spent, "full": full}


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.gc_tax", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=positive_int, default=1_000_000,
                        help="chain steps per variant (1000000)")
    args = parser.parse_args(argv)
    if not gc.isenabled():
        parser.error("the garbage collector is off; this demo measures what it costs")
    print(f"{args.steps:,} chain steps, y = y·1.0001 + 0.0001, garbage collector on")
    print(f"{'variant':<10} {'tracked objects a step':>22} {'build s':>8} {'of it GC s':>11} "
          f"{'full collections':>17}")
    for name, (start, step) in VARIANTS.items():
        per_step = tracked_per_step(start, step)
        r = measure(start, step, args.steps)
        print(f"{name:<10} {per_step:>22.0f} {r['build']:>8.3f} {r['gc']:>11.3f} {r['full']:>17}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
