"""Regenerate the README gallery: every tutorial demo's picture, as a small PNG under docs/.

    python -m demos.gallery              # the full runs (about 4 minutes on 2 cores): what README shows
    python -m demos.gallery --quick      # every demo in its quick mode, for a fast look
    python -m demos.gallery --only moons --only house_prices
    make gallery                         # the same as the first line

Each picture is made by running the demo exactly as its README command does (same defaults), with
the output folder pointed at docs/ and a lower resolution so the committed files stay small.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from demos import (
    breaking_it,
    common,
    fd_lab,
    house_prices,
    iris,
    linear_collapse,
    modes,
    moons,
    spiral,
    xor,
)
from demos.common import command, output_folder
from demos.presets import PRESETS

DOCS = Path(__file__).resolve().parent.parent / "docs"
GALLERY_DPI = 80


def _main_job(quick: bool) -> None:
    # Only the loss curve: the main job's graph and stepper pages are not gallery pictures.
    _, losses = xor.train(2000 if quick else 10_000, verbose=False)
    xor.plot_losses(losses)


def _demo(main: Callable[[Sequence[str] | None], int], *argv: str) -> Callable[[bool], None]:
    def run(quick: bool) -> None:
        status = main([*argv, *(["--quick"] if quick else [])])
        if status == 130:  # Ctrl-C inside the demo, which said so: stop the gallery, quietly
            raise SystemExit(130)
        if status != 0:
            raise RuntimeError(f"{main.__module__} {' '.join(argv)} exited with status {status}")

    return run


#: picture file -> (the README command that makes it, how the gallery runs it)
PICTURES: dict[str, tuple[str, Callable[[bool], None]]] = {
    "xor_loss.png": ("python -m demos.xor", _main_job),
    **{f"xor_preset_{name}.png": (f"python -m demos.xor --preset {name}",
                                  _demo(xor.main, "--preset", name)) for name in PRESETS},
    "breaking_it.png": ("python -m demos.breaking_it", _demo(breaking_it.main)),
    "house_prices.png": ("python -m demos.house_prices", _demo(house_prices.main)),
    "moons.png": ("python -m demos.moons", _demo(moons.main)),
    "linear_collapse.png": ("python -m demos.linear_collapse", _demo(linear_collapse.main)),
    "spiral.png": ("python -m demos.spiral", _demo(spiral.main)),
    "iris.png": ("python -m demos.iris", _demo(iris.main)),
    # the lab is quick either way: it has no --quick mode
    "fd_lab.png": ("python -m demos.fd_lab", lambda quick: fd_lab.main([])),
    "modes.png": ("python -m demos.modes", _demo(modes.main)),
}


def regenerate(out: Path, quick: bool = False, only: Sequence[str] = ()) -> list[tuple[Path, float]]:
    """Run the demos with their pictures going to `out`; returns each picture and its run time."""
    chosen = [name for name in PICTURES if not only or name.removesuffix(".png") in only]
    before = common.OUT, common.DPI
    common.OUT, common.DPI = out, GALLERY_DPI
    made = []
    try:
        for name in chosen:
            command, run = PICTURES[name]
            print(f"\n=== {name}: {command}{' --quick' if quick else ''}", flush=True)
            start = time.perf_counter()
            run(quick)
            made.append((out / name, time.perf_counter() - start))
    finally:
        common.OUT, common.DPI = before
    return made


@command
def main(argv: Sequence[str] | None = None) -> int:
    names = [name.removesuffix(".png") for name in PICTURES]
    parser = argparse.ArgumentParser(prog="python -m demos.gallery", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=output_folder, default=DOCS, help=f"where the PNGs go ({DOCS})")
    parser.add_argument("--quick", action="store_true", help="every demo in its quick mode")
    parser.add_argument("--only", action="append", choices=names, metavar="PICTURE", default=[],
                        help=f"just this picture (repeatable): {', '.join(names)}")
    args = parser.parse_args(argv)

    made = regenerate(args.out, args.quick, args.only)
    print("\ngallery:")
    missing = [path for path, _ in made if not path.exists()]
    for path, seconds in made:
        size = f"{path.stat().st_size / 1024:6.1f} KB" if path.exists() else "   MISSING"
        print(f"  {path}  {size}  ({seconds:.1f}s)")
    if missing:
        print(f"error: {len(missing)} picture(s) were not written (is matplotlib installed?)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
