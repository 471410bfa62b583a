"""`python -m demos.modes` in its quick mode: the pass counts, the sweep, the picture, Newton."""

from __future__ import annotations

import re

import pytest
from test_demos import assert_picture

from demos import common, modes
from nn import mse


@pytest.fixture(autouse=True)
def out_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSGRAD_OUT", str(tmp_path))
    monkeypatch.setattr(common, "OUT", tmp_path)
    return tmp_path


def counts(label: str, text: str) -> tuple[int, int, int, int]:
    """(fwd passes, fwd nodes, rev passes, rev nodes) from the row that starts with `label`."""
    line = next(line for line in text.splitlines() if line.strip().startswith(label))
    numbers = re.findall(r"\d+\.\d+|\d+", line[line.index(label) + len(label):])
    fp, fn, _, rp, rn, _ = numbers
    return int(fp), int(fn), int(rp), int(rn)


def test_quick_run_counts_passes_plots_and_takes_newton_steps(out_dir, capsys):
    assert modes.main(["--quick"]) == 0
    out = capsys.readouterr().out
    fp, fn, rp, rn = counts("XOR loss, ℝ^17 → ℝ (its parameters)", out)
    assert (fp, rp) == (17, 1) and fn > 10 * rn  # one reverse pass, seventeen forward ones
    fp, _, rp, _ = counts("XOR hidden layer, ℝ → ℝ⁴ (a curve)", out)
    assert (fp, rp) == (1, 4)
    for k in (1, 2, 4, 8):
        assert counts(f"f, n = {k}", out)[::2] == (k, 1)
        assert counts(f"g, m = {k}", out)[::2] == (1, k)
    assert float(re.search(r"the two modes agree to (\S+)", out).group(1)) < 1e-12
    assert_picture(out_dir / "modes.png", min_bytes=20_000)
    newton = int(re.search(r"Newton: (\d+) steps", out).group(1))
    descent = int(re.search(r"lr = [0-9.]+\s+(\d+) steps", out).group(1))
    assert newton <= 8 and descent >= 100 * newton


def test_the_loss_of_parameters_is_the_models_loss():
    model = modes.xor_model()
    f = modes.loss_of_parameters(model, modes.XOR_X, modes.XOR_Y)
    params = model.parameters()
    assert f(*params).data == mse([model(x) for x in modes.XOR_X], modes.XOR_Y).data
    assert model.parameters() == params  # put back afterwards


def test_newton_solves_the_linear_system():
    assert modes.solve([[2.0, 1.0], [1.0, 3.0]], [3.0, 5.0]) == pytest.approx([0.8, 1.4], rel=1e-14)


def test_help_and_bad_flags(capsys):
    with pytest.raises(SystemExit) as exit_info:
        modes.main(["--help"])
    assert exit_info.value.code == 0 and "usage:" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        modes.main(["--no-such-flag"])
    assert exit_info.value.code == 2


def test_an_out_setting_that_is_a_file_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    a_file = tmp_path / "pictures"
    a_file.write_text("not a folder")
    monkeypatch.setattr(common, "OUT", a_file)
    monkeypatch.setenv("GLASSGRAD_OUT", str(a_file))
    with pytest.raises(SystemExit) as exit_info:
        modes.main(["--quick"])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2 and "is a file, not a folder" in err and out == ""
