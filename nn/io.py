"""Save and load an `MLP` as JSON: its architecture and its parameters. No pickle, no code runs."""

from __future__ import annotations

import json
import math
import os
import secrets
from pathlib import Path
from typing import Any

from .module import MLP

FORMAT = "glassgrad-mlp/1"


def save(model: MLP, path: str | os.PathLike) -> None:
    """Write `model` to `path` as JSON, atomically: a crash mid-save never destroys the old file.

    The text goes to a temporary file next to `path`, is flushed to disk, and only then renamed
    over `path` (`os.replace` is atomic), so `path` holds either the old model or the new one,
    never half of each. A model with a NaN or infinite weight is refused before anything is written.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"save: expects an MLP (the file records its architecture), got "
                        f"{type(model).__name__}; for another Module, json.dump(model.state_dict())")
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"save: the folder {path.parent} does not exist; create it first "
                                f"(Path(...).mkdir(parents=True))")
    state = model.state_dict()
    for key, x in state.items():
        if not math.isfinite(x):
            raise ValueError(f"save: parameter {key!r} is {x}; a model with NaN/inf weights cannot "
                             f"be loaded again, so it is not saved ({path} is unchanged). "
                             f"Find where training diverged (autograd.detect_anomaly() helps).")
    text = json.dumps({"format": FORMAT, "config": model.config, "state": state},
                      indent=1, allow_nan=False)
    try:
        mode = path.stat().st_mode & 0o777  # keep the permissions of the file we replace
    except FileNotFoundError:
        mode = None
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # 0o666 before the umask, like any new file; O_EXCL: never write into someone else's file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)  # atomic on POSIX and Windows
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: The keys of a model file's "config" (the arguments of `MLP`) and what each must hold.
_CONFIG = {
    "nin": "a whole number ≥ 1", "nouts": "a non-empty list of whole numbers ≥ 1",
    "activation": "a string", "output_activation": "a string", "bias": "true or false",
    "init": "a string", "init_scale": "a finite number", "seed": "a whole number or null",
}


def _whole(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 1


def _config_ok(key: str, x: Any) -> bool:
    if key == "nin":
        return _whole(x)
    if key == "nouts":
        return isinstance(x, list) and bool(x) and all(_whole(n) for n in x)
    if key == "bias":
        return isinstance(x, bool)
    if key == "init_scale":
        return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
    if key == "seed":
        return x is None or (isinstance(x, int) and not isinstance(x, bool))
    return isinstance(x, str)


def _check_config(config: dict[str, Any], where: str) -> None:
    extra = sorted(k for k in config if k not in _CONFIG)
    if extra:
        raise ValueError(f"{where}: unexpected key(s) {extra} in 'config'; it takes {sorted(_CONFIG)}")
    for key in ("nin", "nouts"):
        if key not in config:
            raise ValueError(f"{where}: 'config' has no key {key!r} ({_CONFIG[key]})")
    for key, x in config.items():
        if not _config_ok(key, x):
            raise ValueError(f"{where}: config key {key!r} must be {_CONFIG[key]}, got "
                             f"{type(x).__name__} {x!r:.40}")


def _count_parameters(config: dict[str, Any]) -> int:
    sizes = [config["nin"], *config["nouts"]]
    bias = 1 if config.get("bias", True) else 0
    return sum((sizes[i] + bias) * sizes[i + 1] for i in range(len(sizes) - 1))


def load(path: str | os.PathLike) -> MLP:
    """Read a model written by `save`. Nothing in the file is ever run: it is JSON, checked key by key.

    A file that is not UTF-8 JSON, is truncated, lacks or adds keys, has a config that does not fit
    its weights, or holds a non-number, NaN or infinity raises `ValueError` naming the key.
    """
    where = f"load: {path}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{where} is not a text file (byte {err.start} is not UTF-8); a glassgrad "
                         f"model file is JSON written by nn.save") from None
    if not text.strip():
        raise ValueError(f"{where} is empty; was the save interrupted before glassgrad wrote it "
                         f"atomically, or is it the wrong file?")
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{where} is not valid JSON (truncated or edited?): {err}") from None
    except RecursionError:
        raise ValueError(f"{where} is nested too deeply to be a glassgrad model file") from None
    if not isinstance(data, dict):
        raise ValueError(f"{where} holds a JSON {type(data).__name__}, not an object with "
                         f"'format', 'config' and 'state'")
    if data.get("format") != FORMAT:
        found = f"'format': {data['format']!r:.40}" if "format" in data else "no 'format' key"
        raise ValueError(f"{where} is not a glassgrad model file: it has {found}, expected "
                         f"'format': {FORMAT!r}")
    extra = sorted(k for k in data if k not in ("format", "config", "state"))
    if extra:
        raise ValueError(f"{where}: unexpected key(s) {extra!s:.60}; a model file has 'format', "
                         f"'config' and 'state'")
    for key in ("config", "state"):
        if not isinstance(data.get(key), dict):
            got = type(data[key]).__name__ if key in data else "nothing"
            raise ValueError(f"{where}: key {key!r} must be a JSON object, got {got}")
    config, state = data["config"], data["state"]
    _check_config(config, where)
    expected = _count_parameters(config)
    if expected > max(4 * len(state), 100_000):  # a forged config must not make us build millions
        raise ValueError(f"{where}: the 'config' describes {expected} parameters "
                         f"({config['nin']} inputs, layers {config['nouts']}) but 'state' has "
                         f"{len(state)}; the two do not belong together")
    try:
        model = MLP(**config)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: bad 'config': {err}") from None
    try:
        model.load_state_dict(state)
    except ValueError as err:
        raise ValueError(f"{where}: bad 'state' for the 'config' ({config['nin']} inputs, "
                         f"layers {config['nouts']}): {err}") from None
    return model
