"""The tutorial demos in their quick modes: the figures they print, the pictures they write.

Every picture goes to the test's tmp dir (GLASSGRAD_OUT and demos.common.OUT), never into the repo.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from demos import breaking_it, common, gallery, house_prices, linear_collapse, moons, xor
from demos.presets import PRESETS, plateau_exit, run_preset
from nn import MLP
from nn.data import XOR_X, XOR_Y, houses, noisy_bit_pairs, two_moons
from nn.numpy_reference import NumpyMLP

PARITY = 1e-9  # engine vs hand-derived NumPy: the lead measured ~1e-14, so 1e-9 leaves no doubt


@pytest.fixture(autouse=True)
def out_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSGRAD_OUT", str(tmp_path))
    monkeypatch.setattr(common, "OUT", tmp_path)
    return tmp_path


def assert_picture(path: Path, min_bytes: int = 8_000) -> None:
    """A real PNG with something drawn on it: big enough and not one flat colour."""
    import matplotlib.pyplot as plt

    assert path.exists(), f"{path} was not written"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > min_bytes, f"{path} is only {path.stat().st_size} bytes"
    pixels = plt.imread(path)
    assert pixels.shape[0] > 150 and pixels.shape[1] > 250
    assert pixels[..., :3].std() > 0.05, f"{path} is (nearly) blank"


def number_after(label: str, text: str) -> float:
    match = re.search(re.escape(label) + r"\s*([-+0-9.e]+)", text)
    assert match, f"{label!r} not in output:\n{text}"
    return float(match.group(1))


# --- the XOR presets ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_matches_the_numpy_reference_step_by_step(name):
    preset = PRESETS[name]
    run = run_preset(preset, steps=preset.quick_steps)
    assert len(run.engine_losses) == len(run.reference_losses) == preset.quick_steps
    assert run.max_loss_gap < PARITY
    assert run.max_weight_gap < PARITY
    np.testing.assert_allclose(run.engine_outputs, run.reference_outputs, rtol=0, atol=PARITY)
    assert run.engine_losses[-1] < run.engine_losses[0]  # training does something


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_command_prints_parity_and_writes_the_loss_curves(name, out_dir, capsys):
    assert xor.main(["--preset", name, "--quick"]) == 0
    out = capsys.readouterr().out
    assert number_after("largest per-step |loss_engine − loss_reference| =", out) < PARITY
    assert number_after("largest final weight difference", out) < PARITY
    assert "final predictions" in out and "result:" in out
    if name == "noisy-1000":  # the recipe that stalls says so, in so many words
        assert "STALLED" in out
    assert_picture(out_dir / f"xor_preset_{name}.png")


def test_presets_start_engine_and_reference_from_the_same_weights():
    run = run_preset(PRESETS["bias-column"], steps=1)
    # after one step both took the same first loss from the same weights: bit-for-bit equal
    assert run.engine_losses[0] == run.reference_losses[0]
    assert run.X.shape == (4, 3) and np.all(run.X[:, 2] == 1.0)


def test_no_bias_preset_has_no_bias_and_uses_half_sse():
    run = run_preset(PRESETS["no-bias"], steps=1)
    assert all(b is None for b in run.reference.b)
    assert all(n.b is None for layer in run.model.layers for n in layer.neurons)
    # ½·Σ error² at the start: four errors near ±0.5, so about 4 × ½ × 0.25 = 0.5
    assert 0.3 < run.engine_losses[0] < 0.8


def test_noisy_1000_stalls_at_the_know_nothing_loss():
    run = run_preset(PRESETS["noisy-1000"], steps=20)
    assert run.max_loss_gap < PARITY
    # the reference alone (parity holds) for the recipe's full 1,000 steps: still on the plateau
    ref = run.reference
    losses = ref.train(run.X, run.Y, run.lr, PRESETS["noisy-1000"].steps - 20)
    assert abs(losses[-1] - run.baseline) < 1e-3 * run.baseline
    assert abs(run.accuracy - max(run.Y.mean(), 1 - run.Y.mean())) < 1e-12  # the majority class


def test_noisy_1000_plateau_is_left_only_long_after_the_recipe_stops():
    run = run_preset(PRESETS["noisy-1000"], steps=5)
    exit_step = plateau_exit(run, more_steps=40_000)
    assert exit_step is not None and exit_step > PRESETS["noisy-1000"].steps * 5


def test_list_presets_and_bad_flags(capsys):
    assert xor.main(["--list-presets"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in PRESETS)
    for argv, message in ((["--preset", "nope"], "invalid choice"), (["--steps", "0"], "≥ 1"),
                          (["--lr", "-1"], "positive"),
                          (["--preset", "classic", "--hidden", "3"], "--hidden applies")):
        with pytest.raises(SystemExit) as exit_info:
            xor.main(argv)
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err


def test_main_job_quick_run_is_right_on_all_four_rows(out_dir, capsys):
    assert xor.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "4/4 predictions on the right side of 0.5" in out
    assert_picture(out_dir / "xor_loss.png")
    assert xor.X == XOR_X and xor.Y == XOR_Y


def test_main_job_draws_the_graph_or_says_graphviz_is_missing(out_dir, monkeypatch, capsys):
    model, _ = xor.train(steps=50, verbose=False)
    monkeypatch.setenv("PATH", "")  # no `dot` to be found
    assert xor.write_graph_pictures(model) == []
    assert "no graph picture" in capsys.readouterr().out


# --- the other stories --------------------------------------------------------------------------


def test_breaking_it_shows_each_failure():
    setups = {s.name: s for s in breaking_it.run(1000, [42])}
    assert setups["working (main job)"].solved(42)
    high = setups["lr too high"]
    assert not high.solved(42) and high.losses[42][-1] > 0.25
    assert breaking_it.what_happened(high, 42).startswith("saturated")
    low = setups["lr too low"]
    assert not low.solved(42) and low.losses[42][-1] > 0.24  # MSE starts near 0.25 and hardly moves
    assert not setups["only 1 hidden"].solved(42)


def test_breaking_it_command_prints_the_table_and_one_picture(out_dir, capsys):
    assert breaking_it.main(["--quick"]) == 0
    out = capsys.readouterr().out
    for name in ("working (main job)", "lr too high", "lr too low", "only 2 hidden", "only 1 hidden"):
        assert name in out
    assert "seeds solved" in out
    assert_picture(out_dir / "breaking_it.png", min_bytes=20_000)


def test_house_prices_learns_about_200_dollars_per_square_foot(out_dir, capsys):
    result = house_prices.train(steps=50)
    assert result.slope == pytest.approx(200.0, abs=5.0)  # $/sq ft
    assert result.price(2_500) == pytest.approx(500_000.0, abs=5_000.0)
    # and it is the least-squares line, which gradient descent on the bowl must reach
    assert result.slope == pytest.approx(result.exact_slope, rel=1e-3)
    assert result.price(2_500) == pytest.approx(
        result.exact_slope * 2_500 + result.exact_intercept, rel=1e-4)
    assert result.losses[-1] < result.losses[0] / 100
    assert house_prices.main(["--quick"]) == 0
    assert "prediction for 2,500 sq ft: $" in capsys.readouterr().out
    assert_picture(out_dir / "house_prices.png")


def test_moons_quick_run_separates_every_training_point(out_dir, capsys):
    assert moons.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert number_after("training accuracy", out) == 100.0
    first, last = number_after("step    1  loss", out), number_after("step   60  loss", out)
    assert last < first / 10
    assert_picture(out_dir / "moons.png")


def test_moons_picture_uses_the_same_function_as_the_engine():
    from demos.training import predict

    model = moons.make_model(seed=3)
    points = np.random.default_rng(0).uniform(-2, 2, size=(50, 2))
    np.testing.assert_allclose(NumpyMLP.from_mlp(model).predict(points).ravel(), predict(model, points),
                               rtol=0, atol=1e-12)


def test_linear_layers_collapse_to_one_and_cannot_learn_xor():
    result = linear_collapse.run(steps=2000, seed=42)
    assert result.gap_before < 1e-12 and result.gap_after < 1e-12
    X = np.array(XOR_X)
    single = linear_collapse.collapse(result.linear)
    assert len(single.layers) == 1 and len(single.parameters()) == 3
    # no plane does better than MSE 0.25 on XOR, and the deep linear net gets there
    assert result.linear_losses[-1] >= 0.25 - 1e-12
    assert result.linear_losses[-1] == pytest.approx(0.25, abs=1e-6)
    from demos.training import accuracy, predict

    assert accuracy(predict(result.sigmoid, X), np.array(XOR_Y)) == 1.0
    assert result.sigmoid_losses[-1] < 0.01


def test_collapse_refuses_a_net_with_activations():
    with pytest.raises(ValueError, match="linear"):
        linear_collapse.collapse(MLP(2, [3, 1], activation="sigmoid", seed=0))


def test_linear_collapse_command_writes_its_picture(out_dir, capsys):
    assert linear_collapse.main(["--steps", "200"]) == 0
    out = capsys.readouterr().out
    assert number_after("largest |deep − collapsed| on 200 random inputs:", out) < 1e-12
    assert_picture(out_dir / "linear_collapse.png", min_bytes=20_000)


@pytest.mark.parametrize("module", [breaking_it, house_prices, moons, linear_collapse, gallery])
def test_every_demo_has_help_and_refuses_bad_flags(module, capsys):
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0 and "usage:" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--no-such-flag"])
    assert exit_info.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err


# --- the gallery --------------------------------------------------------------------------------


def test_gallery_writes_small_pictures_where_told(tmp_path):
    target = tmp_path / "gallery"
    assert gallery.main(["--quick", "--out", str(target), "--only", "house_prices"]) == 0
    picture = target / "house_prices.png"
    assert_picture(picture)
    assert picture.stat().st_size < 80_000
    assert common.DPI == 110  # put back afterwards


def test_readme_gallery_shows_every_picture_the_gallery_makes():
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\(docs/([\w.-]+\.png)\)", readme))
    assert linked == set(gallery.PICTURES)
    for name in linked:
        assert_picture(root / "docs" / name)


# --- the datasets -------------------------------------------------------------------------------


def test_two_moons_is_seeded_balanced_and_labelled_plus_minus_one():
    X, y = two_moons(100, noise=0.1, seed=1)
    assert X.shape == (100, 2) and sorted(set(y.tolist())) == [-1.0, 1.0]
    assert (y == 1).sum() == 50
    np.testing.assert_array_equal(X, two_moons(100, noise=0.1, seed=1)[0])
    assert not np.array_equal(X, two_moons(100, noise=0.1, seed=2)[0])
    clean, _ = two_moons(10, noise=0.0)
    np.testing.assert_allclose(clean[0], [1.0, 0.0], atol=1e-12)  # t = 0 on the upper moon
    with pytest.raises(ValueError, match="noise"):
        two_moons(10, noise=-1.0)


def test_noisy_bit_pairs_label_the_clean_bits():
    X, y = noisy_bit_pairs(500, noise=0.1, seed=4)
    assert X.shape == (500, 2) and set(y.tolist()) <= {0.0, 1.0}
    bits = np.round(X).astype(int)  # noise 0.1 never moves a bit past 0.5 in 500 draws at this seed
    np.testing.assert_array_equal(y, bits[:, 0] ^ bits[:, 1])
    with pytest.raises(ValueError, match="positive"):
        noisy_bit_pairs(0)


def test_houses_cost_about_200_dollars_per_square_foot():
    sizes, prices = houses()
    assert len(sizes) >= 5
    assert np.all(np.abs(prices / sizes - 200.0) < 15.0)
