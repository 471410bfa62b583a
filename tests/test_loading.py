"""Saving and loading models: every corruption is a ValueError naming the key, the model is left
unchanged, and an interrupted save never destroys the last good file."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pytest

import nn
from nn import MLP, SGD, Adam, bce, hinge, mse


@pytest.fixture
def saved(tmp_path: Path) -> tuple[MLP, Path]:
    model = MLP(2, [2, 1], activation="tanh", output_activation="sigmoid", seed=1)
    path = tmp_path / "model.json"
    nn.save(model, path)
    return model, path


def edit(path: Path, change) -> Path:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return path


def raw_number(path: Path, key: str, text: str) -> Path:
    """Write `text` (JSON that Python's json reads but never writes, such as 1e999) as `key`'s value."""
    spoilt, count = re.subn(rf'("{re.escape(key)}": )[^,\n}}]+', rf"\g<1>{text}", path.read_text())
    assert count == 1
    path.write_text(spoilt)
    return path


def set_state(key, value):
    return lambda d: d["state"].update({key: value})


# (what, how the file is spoiled, text the ValueError must contain)
CORRUPT = [
    ("truncated", lambda p: p.write_text(p.read_text()[:60]), "is not valid JSON (truncated or edited?)"),
    ("empty", lambda p: p.write_text(""), "is empty"),
    ("not UTF-8", lambda p: p.write_bytes(b"\x80\x81 pickle?"), "is not a text file (byte 0 is not UTF-8)"),
    ("a list", lambda p: p.write_text("[1, 2]"), "holds a JSON list, not an object"),
    ("nested too deep", lambda p: p.write_text("[" * 100_000 + "]" * 100_000), "nested too deeply"),
    ("no format", lambda p: edit(p, lambda d: d.pop("format")), "it has no 'format' key"),
    ("other format", lambda p: edit(p, lambda d: d.update(format="x/2")), "it has 'format': 'x/2'"),
    ("extra top-level key", lambda p: edit(p, lambda d: d.update(code="import os")),
     "unexpected key(s) ['code']"),
    ("five extra top-level keys", lambda p: edit(p, lambda d: d.update(dict.fromkeys("abcde", 0))),
     "unexpected key(s) ['a', 'b', 'c', 'd', 'e']; a model file has"),
    ("six extra top-level keys", lambda p: edit(p, lambda d: d.update(dict.fromkeys("abcdef", 0))),
     "unexpected key(s) ['a', 'b', 'c', 'd', 'e'] …; a model file has"),
    ("config missing", lambda p: edit(p, lambda d: d.pop("config")),
     "key 'config' must be a JSON object, got nothing"),
    ("state missing", lambda p: edit(p, lambda d: d.pop("state")),
     "key 'state' must be a JSON object, got nothing"),
    ("state is a list", lambda p: edit(p, lambda d: d.update(state=[0.1, 0.2])),
     "key 'state' must be a JSON object, got list"),
    ("missing key", lambda p: edit(p, lambda d: d["state"].pop("L1.N0.b")), "missing key(s) ['L1.N0.b']"),
    ("extra key", lambda p: edit(p, set_state("L1.N0.w9", 1.0)), "unexpected key(s) ['L1.N0.w9']"),
    ("text for a number", lambda p: edit(p, set_state("L0.N1.w0", "0.5")),
     "key 'L0.N1.w0' must be a finite number, got str '0.5'"),
    ("list for a number", lambda p: edit(p, set_state("L0.N1.w0", [0.5])),
     "key 'L0.N1.w0' must be a finite number, got list [0.5]"),
    ("null for a number", lambda p: edit(p, set_state("L0.N0.b", None)),
     "key 'L0.N0.b' must be a finite number, got NoneType None"),
    ("true for a number", lambda p: edit(p, set_state("L0.N0.b", True)),
     "key 'L0.N0.b' must be a finite number, got bool True"),
    ("NaN", lambda p: edit(p, set_state("L1.N0.w1", math.nan)),
     "key 'L1.N0.w1' must be a finite number, got float nan"),
    ("1e999", lambda p: raw_number(p, "L1.N0.b", "1e999"),
     "key 'L1.N0.b' must be a finite number, got float inf"),
    ("Infinity", lambda p: raw_number(p, "L0.N0.w1", "-Infinity"),
     "key 'L0.N0.w1' must be a finite number, got float -inf"),
    ("a 400-digit int", lambda p: edit(p, set_state("L0.N0.w0", 10 ** 400)),
     "key 'L0.N0.w0' must be a finite number, got int 1000"),
    # up to 1,000 digits a number is read (and shown cut to 40 characters); beyond, only counted
    ("a 1000-digit int", lambda p: edit(p, set_state("L0.N0.w0", 10 ** 999)),
     "key 'L0.N0.w0' must be a finite number, got int 1" + "0" * 39),
    ("a 1001-digit int", lambda p: edit(p, set_state("L0.N0.w0", 10 ** 1000)),
     "key 'L0.N0.w0' must be a finite number, got int <1,001 digits>"),
    ("config layer sizes do not match the state",
     lambda p: edit(p, lambda d: d["config"].update(nouts=[3, 1])),
     "missing key(s) ['L0.N2.w0', 'L0.N2.w1', 'L0.N2.b', 'L1.N0.w2']"),
    ("config nouts holds text", lambda p: edit(p, lambda d: d["config"].update(nouts=[2, "1"])),
     "config key 'nouts' must be a non-empty list of whole numbers ≥ 1, got list [2, '1']"),
    ("config nin is a list", lambda p: edit(p, lambda d: d["config"].update(nin=[2])),
     "config key 'nin' must be a whole number ≥ 1, got list [2]"),
    ("config activation unknown", lambda p: edit(p, lambda d: d["config"].update(activation="swish")),
     "activation='swish' is not known"),
    ("config extra key", lambda p: edit(p, lambda d: d["config"].update(dropout=0.5)),
     "unexpected key(s) ['dropout'] in 'config'"),
    ("config without nin", lambda p: edit(p, lambda d: d["config"].pop("nin")), "'config' has no key 'nin'"),
    ("config init_scale true", lambda p: edit(p, lambda d: d["config"].update(init_scale=True)),
     "config key 'init_scale' must be a finite number, got bool True"),
    ("config init_scale text", lambda p: edit(p, lambda d: d["config"].update(init_scale="2")),
     "config key 'init_scale' must be a finite number, got str '2'"),
    ("config init_scale 1e999", lambda p: raw_number(p, "init_scale", "1e999"),
     "config key 'init_scale' must be a finite number, got float inf"),
    ("config of a billion neurons", lambda p: edit(p, lambda d: d["config"].update(nouts=[10 ** 9, 1])),
     "describes 4000000001 parameters"),
    ("config of six huge layers", lambda p: edit(p, lambda d: d["config"].update(nouts=[1000] * 6)),
     "describes 5008000 parameters (2 inputs, layers [1000, 1000, 1000, 1000, 1000] …) but 'state' "
     "has 9; the two do not belong together"),
    # A config up to 1,000 weights larger than the state is built, so that the missing keys are named
    ("config 1000 weights more than the state",
     lambda p: edit(p, lambda d: d["config"].update(nin=1, nouts=[1009], bias=False)),
     "(1 inputs, layers [1009]): load_state_dict: missing key(s) ['L0.N2.w0', 'L0.N3.w0'"),
    ("config 1001 weights more than the state",
     lambda p: edit(p, lambda d: d["config"].update(nin=1, nouts=[1010], bias=False)),
     "describes 1010 parameters (1 inputs, layers [1010]) but 'state' has 9"),
    # no 'bias' key: MLP's default, biases, also when the weights are counted before building
    ("config without bias, too big", lambda p: edit(p, lambda d: (d["config"].pop("bias"),
                                                                 d["config"].update(nin=1, nouts=[600]))),
     "describes 1200 parameters (1 inputs, layers [600]) but 'state' has 9"),
]


@pytest.mark.parametrize("what,spoil,text", CORRUPT, ids=[c[0] for c in CORRUPT])
def test_a_corrupt_model_file_is_a_value_error_saying_what_is_wrong(saved, what, spoil, text):
    _, path = saved
    spoil(path)
    with pytest.raises(ValueError) as info:
        nn.load(path)
    message = str(info.value)
    assert message.startswith(f"load: {path}"), message
    assert text in message, message


def test_a_hand_written_file_with_only_nin_and_nouts_takes_mlps_defaults(tmp_path):
    path = tmp_path / "by-hand.json"
    path.write_text(json.dumps({"format": "glassgrad-mlp/1", "config": {"nin": 1, "nouts": [1]},
                                "state": {"L0.N0.w0": 0.5, "L0.N0.b": 0.25}}))
    model = nn.load(path)
    assert model.config == MLP(1, [1]).config            # relu, linear output, biases, …
    assert model([2.0]).data == 1.25


def test_loading_a_file_that_does_not_exist_is_file_not_found_naming_it(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        nn.load(tmp_path / "missing.json")
    assert str(tmp_path / "missing.json") in str(info.value)


class OpenFile:
    """A file object as `os.fdopen` returns it, to stand in for it with one method changed."""

    def __init__(self, f):
        self.f = f

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def test_a_file_that_grows_past_the_limit_or_does_not_say_its_size_is_read_one_byte_past_it(monkeypatch):
    status = Path("/proc/self/status")       # a regular file whose size reads as 0 bytes
    if not status.is_file() or status.stat().st_size != 0:
        pytest.skip("needs Linux's /proc")
    read: list[int] = []
    real_fdopen = os.fdopen

    class Counted(OpenFile):
        def read(self, *args):
            data = self.f.read(*args)
            read.append(len(data))
            return data

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: Counted(real_fdopen(fd, *a, **k)))
    with pytest.raises(ValueError) as info:
        nn.load(status, max_bytes=100)
    monkeypatch.undo()
    assert str(info.value) == (f"load: {status} is over the limit of 100 bytes "
                               f"(nn.load(path, max_bytes=...) to raise it)")
    assert sum(read) == 101                  # one byte past the limit tells, the rest is never read


def test_load_works_where_the_os_has_no_non_blocking_open(saved, monkeypatch):
    model, path = saved
    monkeypatch.delattr(os, "O_NONBLOCK", raising=False)  # as on Windows
    assert nn.load(path).state_dict() == model.state_dict()


def test_a_good_file_round_trips_exactly(saved):
    model, path = saved
    loaded = nn.load(path)
    assert loaded.state_dict() == model.state_dict() and loaded.config == model.config
    assert loaded([0.3, -0.7]).data == model([0.3, -0.7]).data


# --- load_state_dict leaves the model as it was ---------------------------------------------------

BAD_STATES = [
    ([1.0, 2.0], "expected a dict {parameter label: number}, got list"),
    ("L0.N0.w0", "expected a dict"),
    ({}, "missing key(s) ['L0.N0.w0', 'L0.N0.w1', 'L0.N0.b', 'L0.N1.w0', 'L0.N1.w1'] …"),
    (MLP(2, [3, 1]).state_dict(), "unexpected key(s) ['L0.N2.w0', 'L0.N2.w1', 'L0.N2.b', 'L1.N0.w2']"),
    (MLP(3, [2, 1]).state_dict(), "unexpected key(s) ['L0.N0.w2', 'L0.N1.w2']"),
]


@pytest.mark.parametrize("state,text", BAD_STATES, ids=["list", "str", "empty", "wider", "more inputs"])
def test_load_state_dict_refuses_a_state_of_another_shape_and_changes_nothing(state, text):
    model = MLP(2, [2, 1], seed=3)
    before = model.state_dict()
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    assert text in str(info.value)
    assert model.state_dict() == before


@pytest.mark.parametrize("bad", ["1", None, [1.0], {"v": 1}, math.nan, -math.inf, True, 10 ** 400])
def test_one_bad_number_changes_nothing_even_when_the_others_are_good(bad):
    model = MLP(2, [2, 1], seed=3)
    before = model.state_dict()
    state = {k: v + 1.0 for k, v in before.items()}
    state["L1.N0.b"] = bad                 # the very last parameter: all others were fine
    with pytest.raises(ValueError, match=r"key 'L1.N0.b' must be a finite number"):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_duplicate_labels_cannot_be_loaded_by_label():
    model = MLP(2, [1], seed=0)
    model.parameters()[1].label = "L0.N0.w0"
    with pytest.raises(ValueError, match=r"several parameters labelled \['L0.N0.w0'\]"):
        model.load_state_dict({"L0.N0.w0": 1.0, "L0.N0.b": 0.0})


# --- saving is atomic -------------------------------------------------------------------------------

def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "model.json")


@pytest.mark.parametrize("where", ["json.dumps", "os.fsync", "os.replace"])
def test_an_interrupted_save_keeps_the_previous_file_and_leaves_no_temporary_file(saved, monkeypatch, where):
    model, path = saved
    good = path.read_bytes()
    for p in model.parameters():
        p.data += 1.0                      # the model has changed since the last save

    def crash(*args, **kwargs):
        raise KeyboardInterrupt(f"simulated crash in {where}")

    module, name = where.split(".")
    monkeypatch.setattr({"json": json, "os": os}[module], name, crash)
    with pytest.raises(KeyboardInterrupt, match="simulated crash"):
        nn.save(model, path)
    monkeypatch.undo()
    assert path.read_bytes() == good       # the last good file, byte for byte
    assert leftovers(path.parent) == []    # and no half-written temporary file
    assert nn.load(path).state_dict() != model.state_dict()


def test_a_disk_error_while_writing_keeps_the_previous_file(saved, monkeypatch):
    model, path = saved
    good = path.read_bytes()
    real_fdopen = os.fdopen

    class FullDisk(OpenFile):
        def write(self, text):
            self.f.write(text[: len(text) // 2])   # half of it lands, then the disk is full
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: FullDisk(real_fdopen(fd, *a, **k)))
    with pytest.raises(OSError, match="No space left"):
        nn.save(model, path)
    monkeypatch.undo()
    assert path.read_bytes() == good and leftovers(path.parent) == []


def test_save_keeps_permissions_and_leaves_nothing_else(saved):
    model, path = saved
    os.chmod(path, 0o600)
    nn.save(model, path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert leftovers(path.parent) == []


def test_save_refuses_a_model_with_nan_weights_and_keeps_the_old_file(saved):
    model, path = saved
    good = path.read_bytes()
    model.parameters()[4].data = math.nan
    with pytest.raises(ValueError, match=r"save: .*model.json: parameter 'L0.N1.w1' is nan; .* is unchanged"):
        nn.save(model, path)
    assert path.read_bytes() == good and leftovers(path.parent) == []


def test_save_explains_what_it_cannot_save(tmp_path):
    with pytest.raises(TypeError, match=r"save: expects an MLP .* got Layer"):
        nn.save(MLP(2, [1]).layers[0], tmp_path / "x.json")
    with pytest.raises(FileNotFoundError, match=r"save: the folder .*missing does not exist"):
        nn.save(MLP(2, [1]), tmp_path / "missing" / "x.json")
    assert list(tmp_path.iterdir()) == []


# --- the rest of nn: arguments that are not what they should be -------------------------------------

NN_MISUSE = [
    (lambda m: mse(m([0, 1]), None), TypeError, "mse: targets must be a number, a Value or a sequence"),
    (lambda m: mse([m([0, 1])], "1"), TypeError, "mse: targets must be a number, a Value or a sequence"),
    (lambda m: mse([m([0, 1])], [math.nan]), ValueError, "mse: target 0 is nan"),
    (lambda m: mse(["a"], [1.0]), TypeError, "mse: prediction 0: expected a real number"),
    (lambda m: mse([m([0, 1]), 1.0], [1.0]), ValueError, "mse: 2 prediction(s) but 1 target(s)"),
    (lambda m: mse(m([0, 1]), 1.0, reduction="avg"), ValueError, "reduction='avg'; choose 'mean' or 'sum'"),
    (lambda m: bce(m([0, 1]), 2.0), ValueError, "bce: target 2 is outside [0, 1]"),
    (lambda m: hinge(m([0, 1]), 0), ValueError, "hinge: label 0 must be -1 or +1"),
    (lambda m: SGD(m), TypeError, "SGD: got the model itself; pass its parameters"),
    (lambda m: SGD(m.parameters), TypeError, "SGD: got the function 'parameters'; call it"),
    (lambda m: SGD(m.parameters(), lr=-1), ValueError, "SGD: lr must be a positive number, got -1"),
    (lambda m: SGD(m.parameters(), lr=math.nan), ValueError, "lr must be a positive number, got nan"),
    (lambda m: SGD(m.parameters(), momentum=1.0), ValueError, "momentum must be in [0, 1), got 1.0"),
    (lambda m: SGD([1.0]), TypeError, "SGD: parameter 0 is a float, not a Value"),
    (lambda m: SGD(5), TypeError, "SGD: expected a list of Values"),
    (lambda m: Adam(m.parameters(), betas=(0.9,)), ValueError, "Adam: betas must be two numbers in [0, 1)"),
    (lambda m: Adam(m.parameters(), eps=0), ValueError, "Adam: eps must be a small positive number"),
    # a bool is a slip, not the number 1 or 0 (lr=True was refused; these were taken)
    (lambda m: SGD(m.parameters(), momentum=False), ValueError, "momentum must be in [0, 1), got False"),
    (lambda m: Adam(m.parameters(), eps=True), ValueError, "eps must be a small positive number such "
                                                           "as 1e-8, got True"),
    (lambda m: Adam(m.parameters(), betas=(False, 0.9)), ValueError, "betas must be two numbers in "
                                                                     "[0, 1), e.g. (0.9, 0.999), got "
                                                                     "(False, 0.9)"),
    (lambda m: m(["a", 1.0]), TypeError, "MLP input: expected a real number"),
    (lambda m: m([1.0]), ValueError, "MLP: expected 2 inputs, got 1"),
    (lambda m: MLP(2, [1], init="he"), ValueError, "init='he' is not known"),
    (lambda m: MLP(2, []), ValueError, "nouts must list at least one layer size"),
]


@pytest.mark.parametrize("misuse,error,text", NN_MISUSE, ids=[t[2][:30] for t in NN_MISUSE])
def test_nn_misuse_is_explained(misuse, error, text):
    with pytest.raises(error) as info:
        misuse(MLP(2, [2, 1], seed=0))
    assert text in str(info.value)
