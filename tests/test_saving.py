"""What `save` writes, `load` reads — or `save` refuses and the old file stays; only regular files.

`save` runs `load`'s own check (`nn.io.model_from_json`) on the text it is about to write, so the
round trip is a property: over generated models, label edits and configs, either `save` refuses
(and nothing changes on disk) or `load` gives back exactly what was saved.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import stat
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import nn.io
from nn import MLP


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def saved(tmp_path: Path) -> tuple[MLP, Path, bytes]:
    model = MLP(2, [2, 1], activation="tanh", seed=1)
    path = tmp_path / "model.json"
    nn.save(model, path)
    return model, path, path.read_bytes()


# --- save refuses what load would refuse, before writing ------------------------------------------

def test_two_parameters_labelled_alike_are_refused_not_merged(saved):
    model, path, good = saved
    model.parameters()[1].label = "L0.N0.w0"       # today's file would silently lose a weight
    with pytest.raises(ValueError, match=r"several parameters are labelled \['L0.N0.w0'\]; .* one "
                                         r"would be lost\. Nothing was written"):
        nn.save(model, path)
    assert path.read_bytes() == good and files(path.parent) == ["model.json"]


def test_a_renamed_parameter_is_refused_because_load_would_refuse_it(saved):
    model, path, good = saved
    model.parameters()[0].label = "first weight"
    with pytest.raises(ValueError, match=r"missing key\(s\) \['L0.N0.w0'\]; unexpected key\(s\) "
                                         r"\['first weight'\].* nn\.load would refuse this file, so "
                                         r"nothing was written"):
        nn.save(model, path)
    assert path.read_bytes() == good


def test_labels_swapped_between_parameters_are_refused(saved):
    model, path, good = saved
    a, b = model.parameters()[:2]
    a.label, b.label = b.label, a.label             # every key is there, in the wrong place
    with pytest.raises(ValueError, match="not in the order MLP gives them"):
        nn.save(model, path)
    assert path.read_bytes() == good


@pytest.mark.parametrize("seed", ["abc", 1.5, True, [1]])
def test_a_seed_load_cannot_take_is_refused_when_the_model_is_made(seed):
    with pytest.raises(TypeError, match=r"MLP: seed must be a whole number or None"):
        MLP(2, [1], seed=seed)


def test_a_numpy_integer_seed_is_saved_as_a_plain_number(tmp_path):
    np = pytest.importorskip("numpy")
    model = MLP(2, [1], seed=np.int64(7))
    nn.save(model, tmp_path / "m.json")
    assert nn.load(tmp_path / "m.json").config["seed"] == 7


@pytest.mark.parametrize("key,value,text", [
    ("seed", "abc", "config key 'seed' must be a whole number or null, got str 'abc'"),
    ("seed", 1.5, "config key 'seed' must be a whole number or null, got float 1.5"),
    ("init_scale", math.inf, "cannot be written as JSON"),
    ("dropout", 0.5, "unexpected key(s) ['dropout'] in 'config'"),
])
def test_a_config_changed_after_the_model_was_made_is_checked_too(saved, key, value, text):
    model, path, good = saved
    model.config[key] = value
    with pytest.raises(ValueError) as info:
        nn.save(model, path)
    assert text in str(info.value) and "nothing was written" in str(info.value).lower()
    assert path.read_bytes() == good


def test_the_reason_load_would_refuse_is_given_whole_once_with_the_path_save_was_given(saved):
    model, path, good = saved
    model.parameters()[0].label = "first weight"
    with pytest.raises(ValueError) as info:
        nn.save(model, path)
    # load_state_dict's own sentence ends in a full stop: it is not doubled, and nothing is cut
    assert str(info.value) == (
        f"save: {path}: bad 'state' for the 'config' (2 inputs, layers [2, 1]): load_state_dict: "
        f"missing key(s) ['L0.N0.w0']; unexpected key(s) ['first weight']. The saved model does not "
        f"match this architecture (MLP(Layer(2 -> 2, tanh), Layer(2 -> 1, linear))). nn.load would "
        f"refuse this file, so nothing was written (the file is unchanged)")
    assert path.read_bytes() == good


def test_many_parameters_labelled_alike_are_named_five_at_most_and_the_rest_marked(tmp_path):
    model = MLP(2, [4, 1], seed=0)
    params = model.parameters()
    for i in range(6):                         # six labels used twice each
        params[6 + i].label = params[i].label
    with pytest.raises(ValueError) as info:
        nn.save(model, tmp_path / "m.json")
    assert str(info.value) == (
        f"save: {tmp_path / 'm.json'}: several parameters are labelled ['L0.N0.b', 'L0.N0.w0', "
        f"'L0.N0.w1', 'L0.N1.b', 'L0.N1.w0'] …; a model file keys weights by label, so one would be "
        f"lost. Nothing was written.")
    assert files(tmp_path) == []


# --- only regular files ----------------------------------------------------------------------------

def special_files(folder: Path) -> dict[str, Path]:
    """A directory, a FIFO, a socket and (as root, as in CI) devices like /dev/null and /dev/loop0."""
    made = {"a directory": folder / "dir.json", "a FIFO (named pipe)": folder / "fifo.json"}
    made["a directory"].mkdir()
    os.mkfifo(made["a FIFO (named pipe)"])
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock.json"))
    sock.close()
    made["a socket"] = folder / "sock.json"
    try:
        os.mknod(folder / "null.json", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        made["a character device"] = folder / "null.json"
        os.mknod(folder / "loop.json", 0o600 | stat.S_IFBLK, os.makedev(7, 0))
        made["a block device"] = folder / "loop.json"
    except PermissionError:  # not root: the three above still cover the check
        pass
    return made


@pytest.fixture
def short_tmp():
    # A socket's path must fit in ~100 bytes, shorter than pytest's tmp_path can be.
    with tempfile.TemporaryDirectory(prefix="gg") as folder:
        yield Path(folder)


def test_save_refuses_every_target_that_is_not_a_regular_file_and_leaves_it_alone(short_tmp):
    model = MLP(2, [1], seed=0)
    for kind, path in special_files(short_tmp).items():
        mode = os.stat(path).st_mode
        refused = rf"^save: .* is {re.escape(kind)}, not a regular file; it is left alone"
        with pytest.raises(ValueError, match=refused):
            nn.save(model, path)
        assert os.stat(path).st_mode == mode, kind           # still what it was
        link = short_tmp / f"link-to-{path.name}"
        link.symlink_to(path)
        with pytest.raises(ValueError, match=rf"is {re.escape(kind)}, not a regular file"):
            nn.save(model, link)                             # a link to it: the same answer
        assert os.stat(path).st_mode == mode and link.is_symlink()
    assert not [n for n in os.listdir(short_tmp) if n.endswith(".tmp")]


def test_load_refuses_every_file_that_is_not_regular_without_reading_or_blocking(short_tmp):
    targets = special_files(short_tmp)
    targets["a character device"] = Path("/dev/zero")   # endless: reading it would fill memory
    result: dict[str, str] = {}

    def load_all():
        for kind, path in targets.items():
            try:
                nn.load(path)
            except (ValueError, OSError) as err:
                result[kind] = str(err)

    t = threading.Thread(target=load_all, daemon=True)   # a FIFO used to block here for ever
    t.start()
    t.join(timeout=30)
    assert not t.is_alive(), "load blocked"
    for kind, path in targets.items():
        assert result[kind].startswith(f"load: {path} is {kind}, not a regular file"), result[kind]


def test_save_through_a_symlink_replaces_the_file_it_points_to_and_keeps_the_link(saved):
    model, path, _ = saved
    link = path.parent / "latest.json"
    link.symlink_to(path.name)
    model.parameters()[0].data = 0.125
    nn.save(model, link)
    assert link.is_symlink() and os.readlink(link) == path.name     # the link is still a link
    assert nn.load(path).parameters()[0].data == 0.125              # and its target was written
    assert files(path.parent) == ["latest.json", "model.json"]


def test_long_file_names_get_a_temporary_name_that_fits(tmp_path):
    model = MLP(2, [1], seed=0)
    longest = "m" * 250 + ".json"          # 255 bytes: the most most file systems allow
    nn.save(model, tmp_path / longest)     # the temporary name is cut to fit
    assert nn.load(tmp_path / longest).state_dict() == model.state_dict()
    accented = "é" * 120 + ".json"         # 245 bytes of UTF-8: cut on a character boundary
    nn.save(model, tmp_path / accented)
    assert files(tmp_path) == sorted([longest, accented])
    with pytest.raises(ValueError, match=r"the file name 'mmmm.*' is 305 bytes; this file system allows 255"):
        nn.save(model, tmp_path / ("m" * 300 + ".json"))


def fake_file_system(monkeypatch, name_max):
    """pathconf as on a file system whose longest name is `name_max` bytes; None: one that will not say."""
    real = os.pathconf

    def pathconf(folder, name):
        if name_max is None:
            raise OSError(22, "Invalid argument")
        return name_max if name == "PC_NAME_MAX" else real(folder, name)

    monkeypatch.setattr(os, "pathconf", pathconf)


@pytest.mark.parametrize("system,limit", [("eCryptfs", 143), ("silent", 255), ("no pathconf", 255)])
def test_a_name_is_refused_when_longer_than_the_file_system_allows_or_255_if_it_will_not_say(
        tmp_path, monkeypatch, system, limit):
    if system == "no pathconf":
        monkeypatch.delattr(os, "pathconf", raising=False)  # as on Windows
    else:
        fake_file_system(monkeypatch, {"eCryptfs": 143, "silent": None}[system])
    model = MLP(2, [1], seed=0)
    fits = "m" * (limit - 5) + ".json"
    nn.save(model, tmp_path / fits)
    with pytest.raises(ValueError) as info:
        nn.save(model, tmp_path / ("m" + fits))
    assert str(info.value) == (f"save: the file name '{'m' * 48}…[{limit + 1} chars]' is "
                               f"{limit + 1} bytes; this file system allows {limit}")
    assert files(tmp_path) == [fits]


def test_a_file_of_a_type_python_has_no_name_for_is_refused_as_a_special_file(tmp_path, monkeypatch):
    path = tmp_path / "door.json"
    path.write_text("a Solaris door")
    real = os.stat

    def door_stat(p, *args, **kwargs):        # what stat says of a door (S_IFDOOR) on Solaris
        info = real(p, *args, **kwargs)
        if os.fspath(p) == os.path.realpath(path):
            return os.stat_result((0o150644, *tuple(info)[1:]))
        return info

    monkeypatch.setattr(os, "stat", door_stat)
    with pytest.raises(ValueError) as info:
        nn.save(MLP(2, [1], seed=0), path)
    monkeypatch.undo()
    assert str(info.value) == (f"save: {os.path.realpath(path)} is a special file, not a regular "
                               f"file; it is left alone. Save the model to a file name instead.")
    assert path.read_text() == "a Solaris door"


# --- load: a stated size limit, the config checked before building, long numbers ------------------

def test_load_refuses_a_file_over_the_size_limit_before_reading_it(saved, monkeypatch):
    _, path, _ = saved
    assert nn.io.MAX_BYTES == 64 * 2**20
    size = path.stat().st_size
    with pytest.raises(ValueError, match=rf"is {size:,} bytes, over the limit of 100 "
                                         r"\(nn.load\(path, max_bytes=...\) to raise it\)"):
        nn.load(path, max_bytes=100)
    monkeypatch.setattr(os, "read", lambda *a: pytest.fail("read"))  # refused from its size alone
    with pytest.raises(ValueError, match="over the limit"):
        nn.load(path, max_bytes=100)
    monkeypatch.undo()
    assert nn.load(path, max_bytes=size).config["nouts"] == [2, 1]


def test_a_forged_config_is_checked_against_the_weights_before_any_model_is_built(saved, monkeypatch):
    _, path, _ = saved
    data = json.loads(path.read_text())
    data["config"]["nouts"] = [100_000, 1]      # 400,001 parameters; the file holds 9
    path.write_text(json.dumps(data))
    monkeypatch.setattr(nn.io, "MLP", lambda **config: pytest.fail(f"built a model for {config}"))
    with pytest.raises(ValueError, match=r"describes 400001 parameters \(2 inputs, layers "
                                         r"\[100000, 1\]\) but 'state' has 9"):
        nn.load(path)


@pytest.mark.parametrize("where", ["nin", "weight"])
def test_integers_beyond_pythons_digit_limit_get_our_message_naming_the_key(saved, where):
    _, path, _ = saved
    text = path.read_text()
    if where == "nin":
        text = text.replace('"nin": 2', '"nin": ' + "9" * 5000)
        expected = "config key 'nin' must be a whole number ≥ 1, got int <5,000 digits>"
    else:
        key = '"L0.N0.b": 0.0'
        assert key in text
        text = text.replace(key, '"L0.N0.b": -' + "9" * 5000)
        expected = "key 'L0.N0.b' must be a finite number, got int <5,000 digits>"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        nn.load(path)
    assert expected in str(info.value)


@pytest.mark.parametrize("where", ["state key", "activation", "format", "config key"])
def test_a_ten_megabyte_string_in_a_model_file_gives_a_short_message(saved, where):
    _, path, _ = saved
    data = json.loads(path.read_text())
    huge = "x" * 10_000_000
    if where == "state key":
        data["state"][huge] = 1.0
    elif where == "activation":
        data["config"]["activation"] = huge
    elif where == "format":
        data["format"] = huge
    else:
        data["config"][huge] = 1
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError) as info:
        nn.load(path)
    assert len(str(info.value)) < 600 + len(str(path)), where
    assert "xxx" in str(info.value)


# --- the round trip, as a property -----------------------------------------------------------------

configs = st.fixed_dictionaries({
    "nin": st.integers(1, 3),
    "nouts": st.lists(st.integers(1, 3), min_size=1, max_size=3),
    "activation": st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
    "output_activation": st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
    "bias": st.booleans(),
    "init": st.sampled_from(["uniform", "normal", "xavier"]),
    "init_scale": st.floats(0.01, 10.0),
    "seed": st.none() | st.integers(-2**70, 2**70),
})
# What a user might do to a model before saving it: relabel, duplicate a label, swap two labels,
# set a weight to a number JSON cannot hold, or edit the config.
edits = st.sampled_from(["none", "relabel", "duplicate", "swap", "nan", "config"])
label_text = st.text(min_size=0, max_size=12)
config_values = st.sampled_from([("seed", "abc"), ("seed", 1.5), ("nin", 0), ("nouts", []),
                                 ("bias", "yes"), ("init", 3), ("activation", "swish"),
                                 ("seed", None), ("init_scale", 2)])


@settings(max_examples=60)  # each example writes, fsyncs and renames a file: disk time, not CPU
@given(config=configs, edit=edits, index=st.integers(0, 10_000), text=label_text, change=config_values)
def test_whatever_save_writes_load_reads_back_exactly(tmp_path_factory, config, edit, index, text,
                                                      change):
    folder = tmp_path_factory.mktemp("roundtrip")
    path = folder / "model.json"
    path.write_text("the previous file")
    model = MLP(**config)
    params = model.parameters()
    i, j = index % len(params), (index // len(params)) % len(params)
    if edit == "relabel":
        params[i].label = text
    elif edit == "duplicate":
        params[i].label = params[j].label
    elif edit == "swap":
        params[i].label, params[j].label = params[j].label, params[i].label
    elif edit == "nan":
        params[i].data = math.nan
    elif edit == "config":
        model.config[change[0]] = change[1]
    try:
        nn.save(model, path)
    except ValueError:
        assert path.read_text() == "the previous file"       # refused: nothing changed
        assert files(folder) == ["model.json"]
        assert edit != "none"                                 # an untouched model always saves
        return
    loaded = nn.load(path)
    assert loaded.config == model.config
    assert loaded.state_dict() == model.state_dict()
    assert [p.data for p in loaded.parameters()] == [p.data for p in params]  # each in its place
    x = [0.5] * config["nin"]
    assert repr(loaded(x)) == repr(model(x))  # the same network: bit for bit


# --- what the file holds -----------------------------------------------------------------------------

def test_the_file_is_indented_json_in_a_fixed_order_with_every_number_as_python_writes_it(tmp_path):
    model = MLP(1, [1], activation="tanh", seed=0)
    model.parameters()[0].data = 0.1
    model.parameters()[1].data = -1 / 3
    nn.save(model, tmp_path / "m.json")
    assert (tmp_path / "m.json").read_text() == """{
 "format": "glassgrad-mlp/1",
 "config": {
  "nin": 1,
  "nouts": [
   1
  ],
  "activation": "tanh",
  "output_activation": "linear",
  "bias": true,
  "init": "uniform",
  "init_scale": 1.0,
  "seed": 0
 },
 "state": {
  "L0.N0.w0": 0.1,
  "L0.N0.b": -0.3333333333333333
 }
}"""


def test_a_wide_model_without_biases_round_trips(tmp_path):
    # 1,001 weights and no biases: counted with biases it would look like a forged config
    model = MLP(1, [1001], bias=False, seed=2)
    nn.save(model, tmp_path / "wide.json")
    loaded = nn.load(tmp_path / "wide.json")
    assert loaded.config["bias"] is False and loaded.state_dict() == model.state_dict()
