"""Save and load an `MLP` as JSON: its architecture and its parameters. No pickle, no code runs."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .module import MLP

FORMAT = "glassgrad-mlp/1"


def save(model: MLP, path: str | os.PathLike) -> None:
    """Write `model` to `path` as JSON, atomically: a crash mid-save never destroys the old file."""
    path = Path(path)
    data = {"format": FORMAT, "config": model.config, "state": model.state_dict()}
    text = json.dumps(data, indent=1, allow_nan=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic on POSIX and Windows
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str | os.PathLike) -> MLP:
    """Read a model written by `save`. Bad or truncated files raise `ValueError` saying what is wrong."""
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"load: {path} is not valid JSON (truncated or edited?): {err}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"load: {path} is not a glassgrad model file (expected "
                         f"'format': {FORMAT!r})")
    for key in ("config", "state"):
        if not isinstance(data.get(key), dict):
            raise ValueError(f"load: {path} has no {key!r} object")
    config = data["config"]
    try:
        model = MLP(**config)
    except TypeError as err:
        raise ValueError(f"load: {path} has a bad 'config': {err}") from None
    model.load_state_dict(data["state"])
    return model
