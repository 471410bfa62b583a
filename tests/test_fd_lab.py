"""The finite-difference lab: the V of forward and central differences, and the kink, in numbers."""

from __future__ import annotations

import math

import pytest
from test_demos import assert_picture

from demos import common, fd_lab

EPS = 2.0 ** -52


@pytest.mark.parametrize("name,x", [("exp", 1.0), ("sin", 0.5), ("tanh", 0.3), ("cube", -1.1)])
def test_truncation_falls_as_h_squared_central_and_as_h_forward(name, x):
    s = fd_lab.sweep(name, x)
    # on the truncation branch (h from 1e-1 to 1e-3) log error is a line in log h
    assert s.slope("central", 1e-1, 1e-3) == pytest.approx(2.0, abs=0.1)
    assert s.slope("forward", 1e-1, 1e-3) == pytest.approx(1.0, abs=0.1)
    # and on the round-off branch (h below 1e-10) the error grows as h shrinks: slope about −1
    assert s.slope("central", 1e-11, 1e-15) == pytest.approx(-1.0, abs=0.35)


@pytest.mark.parametrize("name,x", [("exp", 1.0), ("sin", 0.5), ("tanh", 0.3)])
def test_the_bottom_of_the_v_is_near_eps_to_the_third_for_central_differences(name, x):
    s = fd_lab.sweep(name, x)
    h_central, e_central = s.best("central")
    h_forward, e_forward = s.best("forward")
    # ε^(1/3) ≈ 6e-6 and ε^(1/2) ≈ 1.5e-8, within a decade and a quarter either way (the
    # constants f‴ and f″ and the noise of round-off, which makes the bottom flat, move it)
    assert abs(math.log10(h_central) - math.log10(EPS ** (1 / 3))) <= 1.25, h_central
    assert abs(math.log10(h_forward) - math.log10(EPS ** 0.5)) <= 1.25, h_forward
    assert e_central < 1e-9 and e_central < e_forward
    # h = 1e-12 is worse than h = 1e-5 for central differences: the point of part 1
    k5 = min(range(len(s.hs)), key=lambda k: abs(s.hs[k] - 1e-5))
    k12 = min(range(len(s.hs)), key=lambda k: abs(s.hs[k] - 1e-12))
    assert s.central[k12] > 100 * s.central[k5]


def test_at_a_kink_the_one_sided_slopes_never_agree():
    for h, left, right in fd_lab.kink_slopes(abs, 0.0, fd_lab.steps()):
        assert (left, right) == (-1.0, 1.0), h
    # on a smooth curve they close in as h shrinks
    smooth = fd_lab.kink_slopes(math.exp, 1.0, [1e-2, 1e-4])
    assert abs(smooth[1][2] - smooth[1][1]) < abs(smooth[0][2] - smooth[0][1]) / 50


def test_steps_run_from_1e_1_to_1e_15():
    hs = fd_lab.steps()
    assert hs[0] == pytest.approx(1e-1) and hs[-1] == pytest.approx(1e-15) and len(hs) == 57


def test_command_prints_the_table_and_draws_the_v(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(common, "OUT", tmp_path)
    assert fd_lab.main([]) == 0
    out = capsys.readouterr().out
    assert "truncation slope on log axes (h from 1e-1 to 1e-3): forward 1.01, central 2.00" in out
    assert "best h: forward 1e-08" in out and "central 3e-06" in out
    assert_picture(tmp_path / "fd_lab.png")
    assert fd_lab.main(["--function", "sin", "--x", "0.5", "--no-plot"]) == 0
    with pytest.raises(SystemExit) as bad:
        fd_lab.main(["--function", "log", "--x", "0"])
    assert bad.value.code == 2 and "above 0.1 for log" in capsys.readouterr().err
    for argv in (["--x", "nan"], ["--x", "800"], ["--function", "cube", "--x", "1e200"]):
        with pytest.raises(SystemExit) as bad:
            fd_lab.main(argv)
        assert bad.value.code == 2 and "argument --x" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        fd_lab.main(["--function", "cube", "--x", "1e200"])
    assert ("cube cannot be evaluated around 1e+200 (Numerical result out of range); choose a "
            "smaller point") in capsys.readouterr().err
