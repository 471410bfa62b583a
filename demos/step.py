"""Step through a backward pass, one node at a time, in the terminal (or as an HTML page).

    python -m demos.step "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.88
    python -m demos.step "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.88 --all
    python -m demos.step "sigmoid(x*w + b)" x=1 w=0.5 b=-2 --html out/neuron.html
    python -m demos.step "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.88 --mode fwd --wrt x1
    python -m demos.step "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.88 --mode both --wrt x1 \
        --html out/modes.html

`--mode fwd` steps through forward mode instead (tangents ∂node/∂x1 from the inputs up, for the
input named by `--wrt`); `--mode both` shows both passes over the same graph (as an HTML page:
side by side). In a terminal each step waits for Enter (q quits); `--all` prints every step at
once, and so does a run whose input is not a terminal (a pipe, CI), so it never waits for a key.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Iterable, Sequence

from autograd import Value, jvp, topological_order
from autograd.parse import FUNCTIONS, ParseError, parse_expression
from autograd.stepper import (
    ForwardStep,
    Step,
    backward_steps,
    d,
    format_number,
    forward_steps,
    node_names,
    reading_order,
    write_stepper_html,
)
from autograd.stepper_modes import forward_stepper_html, modes_stepper_html, write_page
from autograd.viz import GraphvizNotFound, GraphvizTimeout
from demos.common import command, output_file


def binding(text: str) -> tuple[str, float]:
    """``name=number`` from the command line."""
    name, sep, number = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected name=number, got {text!r} (e.g. x1=2)")
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: expected a number after '=', got {number!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{name}: expected a finite number, got {number!r}")
    return name, value


def forward_listing(root: Value) -> list[str]:
    """The forward pass as text: every value in the order the expression reads, each after its inputs."""
    order = reading_order(root)
    names = node_names(order)
    width = max(len(names[n]) for n in order)
    lines = []
    for node in order:
        how = "" if not node.children else (f"   ({node.op_info.symbol} from "
                                            f"{', '.join(names[c] for c in node.children)})")
        lines.append(f"  {names[node]:<{width}} = {format_number(node.data)}{how}")
    return lines


def step_through(steps: Iterable[Step | ForwardStep], write: Callable[[str], None],
                 ask: Callable[[], str] | None) -> int:
    """Print the steps; with `ask`, wait for it between steps ("q" stops). Returns steps shown."""
    shown = 0
    for step in steps:
        if ask is not None and shown > 0:
            try:
                answer = ask()
            except EOFError:  # input ran out: show the rest without waiting
                answer, ask = "", None
            if answer.strip().lower() in ("q", "quit"):
                write(f"(stopped after step {shown} of {step.total})")
                return shown
        write("")
        write(str(step))
        shown += 1
    return shown


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demos.step", description=__doc__.split("\n\n")[0],
        epilog=f"Functions: {', '.join(sorted(FUNCTIONS))}. Operators: + - * / ** and parentheses. "
               f"An expression that starts with '-' goes after '--' (options before it): "
               f"python -m demos.step --all -- \"-x*y\" x=1 y=2")
    parser.add_argument("expression", help='e.g. "tanh(x1*w1 + x2*w2 + b)"')
    parser.add_argument("bindings", nargs="*", type=binding, metavar="name=number",
                        help="a value for every name in the expression")
    parser.add_argument("--all", action="store_true", help="print every step without waiting")
    parser.add_argument("--html", metavar="FILE", type=output_file, help="write the stepper as one HTML page")
    parser.add_argument("--mode", choices=("rev", "fwd", "both"), default="rev",
                        help="rev: the backward pass (default); fwd: forward mode, the tangents "
                             "∂node/∂WRT from the inputs up; both: the two passes over the same graph")
    parser.add_argument("--wrt", metavar="NAME",
                        help="fwd/both: the input to differentiate by (default: the first name given)")
    args = parser.parse_args(argv)
    if args.wrt is not None and args.mode == "rev":
        parser.error("--wrt goes with --mode fwd or --mode both (the backward pass gives every "
                     "input's derivative at once)")

    leaves: dict[str, Value] = {}
    for name, value in args.bindings:
        if name in leaves:
            parser.error(f"{name} is given twice")
        leaves[name] = Value(value, label=name)
    try:
        root = parse_expression(args.expression, leaves)
    except ParseError as err:
        print(f"error in the expression: {err}", file=sys.stderr)
        return 2
    except ValueError as err:  # a binding's name cannot be a name
        parser.error(str(err))
    order = topological_order(root)
    in_graph = set(order)
    unused = [name for name, leaf in leaves.items() if leaf not in in_graph]
    if unused:
        print(f"note: {', '.join(unused)} not used in the expression", file=sys.stderr)
    if args.mode != "rev":
        used = [name for name in leaves if name not in unused]
        if not used:
            parser.error(f"--mode {args.mode} needs an input to differentiate by; bind one, e.g. x=1")
        wrt = args.wrt if args.wrt is not None else used[0]
        if wrt not in leaves:
            parser.error(f"--wrt {wrt}: no input of that name; the inputs are {', '.join(used)}")
        if wrt in unused:
            parser.error(f"--wrt {wrt}: the expression does not use {wrt}; pick one of {', '.join(used)}")
        return _modes(args, root, leaves, wrt, used)

    if args.html:
        total = sum(1 for n in order if n.children)
        print(f"drawing {total} picture{'s' if total != 1 else ''} with Graphviz…", file=sys.stderr,
              flush=True)
        try:
            path = write_stepper_html(root, args.html, title=f"Backward pass of {args.expression}")
        except (GraphvizNotFound, GraphvizTimeout, ValueError, ArithmeticError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        print(f"wrote {path}: {sum(1 for n in order if n.children)} steps; open it in a browser")
        return 0

    print(f"expression: {' '.join(args.expression.split())}")
    print("forward pass (every value, in reading order):")
    print("\n".join(forward_listing(root)))
    total = sum(1 for n in order if n.children)
    interactive = not args.all and sys.stdin.isatty()
    print(f"\nbackward pass: {total} step{'s' if total != 1 else ''}, root first"
          + (" — Enter for the next step, q to quit" if interactive and total > 1 else ""))
    ask = (lambda: input("[Enter] next, q quit > ")) if interactive else None
    try:
        shown = step_through(backward_steps(root), print, ask)
    except (ValueError, ArithmeticError) as err:  # the engine's own message: op, inputs, what to do
        print(f"\nerror: {err}", file=sys.stderr)
        return 1
    if shown < total:
        return 0
    print("\ngradients of the named values (d root / d name):")
    width = max((len(n) for n in leaves), default=0)
    for name, leaf in leaves.items():
        if name not in unused:
            print(f"  {name:<{width}} = {format_number(leaf.grad)}")
    check = _check_against_backward(args.expression, dict(args.bindings), leaves)
    print(f"\ncheck: backward() on a fresh copy gives {'the same' if check else 'DIFFERENT'} gradients")
    return 0 if check else 1


def _modes(args: argparse.Namespace, root: Value, leaves: dict[str, Value], wrt: str,
           used: list[str]) -> int:
    """--mode fwd and --mode both: the forward pass along `wrt` (and the backward pass beside it)."""
    x = leaves[wrt]
    total = sum(1 for n in topological_order(root) if n.children)
    if args.html:
        pictures = total * (2 if args.mode == "both" else 1)
        print(f"drawing {pictures} pictures with Graphviz…", file=sys.stderr, flush=True)
        try:
            if args.mode == "fwd":
                page = forward_stepper_html(root, x, title=f"Forward pass of {args.expression}, "
                                                           f"by {wrt}")
            else:
                page = modes_stepper_html(root, x, title=f"Forward and reverse mode on {args.expression}")
            path = write_page(page, args.html)
        except (GraphvizNotFound, GraphvizTimeout, ValueError, ArithmeticError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        both = " a pass, the two passes side by side" if args.mode == "both" else ""
        print(f"wrote {path}: {total} steps{both}; open it in a browser")
        return 0

    names = node_names(reading_order(root))
    print(f"expression: {' '.join(args.expression.split())}")
    print("forward pass (every value, in reading order):")
    print("\n".join(forward_listing(root)))
    interactive = not args.all and sys.stdin.isatty()
    ask = (lambda: input("[Enter] next, q quit > ")) if interactive else None
    wanted = f"{d(names[root])}/{d(wrt)}"
    print(f"\nforward-mode pass: {total} step{'s' if total != 1 else ''}, inputs first, computing "
          f"the tangents ∂node/{d(wrt)} (tangent {wrt} = 1, every other input 0)"
          + (" — Enter for the next step, q to quit" if interactive and total > 1 else ""))
    steps: list[ForwardStep] = []

    def kept(records: Iterable[ForwardStep]) -> Iterable[ForwardStep]:
        for step in records:
            steps.append(step)
            yield step

    try:
        if step_through(kept(forward_steps(root, {x: 1.0})), print, ask) < total:
            return 0
    except (ValueError, ArithmeticError) as err:
        print(f"\nerror: {err}", file=sys.stderr)
        return 1
    tangent = steps[-1].tangent
    numbers = {name: leaves[name].data for name in leaves}
    order = list(numbers)
    _, same = jvp(lambda *vs: parse_expression(args.expression, dict(zip(order, vs))),
                  [numbers[n] for n in order], [1.0 if n == wrt else 0.0 for n in order])
    fresh = {name: Value(v, label=name) for name, v in numbers.items()}
    parse_expression(args.expression, fresh).backward()
    print(f"\n{wanted} = {format_number(tangent)}   (one forward pass: this input only)")
    print(f"check: jvp gives {'the same' if same == tangent else 'a DIFFERENT'} tangent; backward() "
          f"gives {wanted} = {format_number(fresh[wrt].grad)}")
    if args.mode == "both":
        print(f"\nbackward pass: {total} step{'s' if total != 1 else ''}, root first, computing "
              f"{d(names[root])}/∂(every input) at once")
        if step_through(backward_steps(root), print, ask) < total:
            return 0
        print("\ngradients of the named values (d root / d name):")
        width = max(len(n) for n in used)
        for name in used:
            print(f"  {name:<{width}} = {format_number(leaves[name].grad)}")
        print(f"\npasses for all {len(used)} derivatives: forward mode {len(used)} (one per input), "
              f"reverse mode 1")
    return 0 if same == tangent else 1


def _check_against_backward(text: str, numbers: dict[str, float], stepped: dict[str, Value]) -> bool:
    """Build the expression again, call backward(), compare: the stepper is the same pass."""
    fresh = {name: Value(x, label=name) for name, x in numbers.items()}
    parse_expression(text, fresh).backward()
    return all(fresh[name].grad == stepped[name].grad for name in fresh)


if __name__ == "__main__":
    sys.exit(main())
