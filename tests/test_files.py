"""Pictures and pages are written atomically: a failed write (a full disk, Ctrl-C) leaves the old file
whole and no temporary file behind; `render` without Graphviz never overwrites a file of the user's;
and Graphviz jobs have time limits that say what to do."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from autograd import Value, parse_expression, render
from autograd import files as files_module
from autograd.files import write_atomic
from autograd.stepper import write_stepper_html
from autograd.viz import (
    DOT_TIMEOUT,
    GraphvizNotFound,
    GraphvizTimeout,
    draw_dot,
    draw_frames,
    draw_step,
    svg_source,
)
from demos import common


def example() -> Value:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    return (a * b + a).tanh()


@pytest.fixture
def full_disk(monkeypatch):
    """Every write_atomic fails as a full disk would: after part of the bytes are in the file."""
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, f):
            self.f = f

        def write(self, data):
            self.f.write(data[: len(data) // 2])  # part of it lands on disk, then the disk is full
            self.f.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    monkeypatch.setattr(files_module.os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(tmp_path, full_disk):
    target = tmp_path / "picture.svg"
    target.write_text("the old picture")
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "<svg>" + "x" * 10_000 + "</svg>")
    assert target.read_text() == "the old picture"
    assert [p.name for p in tmp_path.iterdir()] == ["picture.svg"]


@pytest.mark.parametrize("suffix", [".svg", ".png", ".dot"])
def test_render_on_a_full_disk_keeps_the_old_picture(suffix, tmp_path, full_disk, needs_dot):
    target = tmp_path / f"graph{suffix}"
    target.write_bytes(b"old")
    with pytest.raises(OSError, match="No space left"):
        render(example(), target)
    assert target.read_bytes() == b"old"
    assert len(list(tmp_path.iterdir())) == 1


def test_the_stepper_page_on_a_full_disk_keeps_the_old_page(tmp_path, full_disk, needs_dot):
    page = tmp_path / "steps.html"
    page.write_text("old page")
    with pytest.raises(OSError, match="No space left"):
        write_stepper_html(example(), page)
    assert page.read_text() == "old page"
    assert len(list(tmp_path.iterdir())) == 1


def test_a_demo_figure_on_a_full_disk_keeps_the_old_figure(tmp_path, monkeypatch, full_disk):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setattr(common, "OUT", tmp_path)
    (tmp_path / "fig.png").write_bytes(b"old figure")
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    with pytest.raises(OSError, match="No space left"):
        common.save_figure(fig, "fig.png")
    assert (tmp_path / "fig.png").read_bytes() == b"old figure"
    assert len(list(tmp_path.iterdir())) == 1


def test_ctrl_c_during_a_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(files_module.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "page.html", "<html>")
    assert list(tmp_path.iterdir()) == []


def test_only_regular_files_are_replaced(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        write_atomic(tmp_path, "x")
    if hasattr(os, "mkfifo"):  # POSIX
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        with pytest.raises(ValueError, match="not a regular file"):
            write_atomic(fifo, "x")
        assert stat.S_ISFIFO(fifo.lstat().st_mode)
    if os.path.exists("/dev/null"):
        with pytest.raises(ValueError, match="not a regular file"):
            write_atomic("/dev/null", "x")
        assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)  # still the device, as root too


def test_a_symlink_is_replaced_and_its_target_left_alone(tmp_path):
    target = tmp_path / "real.svg"
    target.write_text("real")
    link = tmp_path / "link.svg"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert target.read_text() == "real" and not link.is_symlink() and link.read_text() == "new"


def test_the_permissions_of_a_replaced_file_are_kept(tmp_path):
    target = tmp_path / "page.html"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() == "new"


def test_a_name_near_the_length_limit_still_gets_a_temporary_name(tmp_path):
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    target = tmp_path / ("g" * (limit - 4) + ".svg")
    write_atomic(target, "picture")
    assert target.read_text() == "picture"
    assert len(list(tmp_path.iterdir())) == 1


def test_overwrite_false_never_replaces(tmp_path):
    target = tmp_path / "mine.dot"
    target.write_text("mine")
    with pytest.raises(FileExistsError, match="already exists and was left as it is"):
        write_atomic(target, "theirs", overwrite=False)
    assert target.read_text() == "mine" and len(list(tmp_path.iterdir())) == 1
    assert write_atomic(tmp_path / "new.dot", "new", overwrite=False).read_text() == "new"


def test_render_without_graphviz_never_overwrites_the_users_dot_file(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    mine = tmp_path / "graph.dot"
    mine.write_text("my own notes, not a graph")
    with pytest.raises(GraphvizNotFound) as info:
        render(example(), tmp_path / "graph.svg")
    assert "graph.dot already exists and was left as it is" in str(info.value)
    assert mine.read_text() == "my own notes, not a graph"
    assert not (tmp_path / "graph.svg").exists()


def test_render_refuses_a_folder(tmp_path):
    (tmp_path / "g.svg").mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        render(example(), tmp_path / "g.svg")


# --- time limits ---------------------------------------------------------------------------------

def test_a_graphviz_job_past_its_time_limit_is_stopped_with_advice(tmp_path, needs_dot):
    with pytest.raises(GraphvizTimeout, match=r"took more than 1e-06 s .* draw a smaller sub-graph"):
        render(example(), tmp_path / "g.svg", timeout=1e-6)
    assert list(tmp_path.iterdir()) == []
    assert DOT_TIMEOUT <= 120


def test_inline_display_in_jupyter_has_the_time_limit_too(monkeypatch, needs_dot):
    """draw_dot(root, max_nodes=…) shown in a notebook: Graphviz stops at DOT_TIMEOUT, no endless wait."""
    from autograd import viz

    picture = draw_dot(example())
    assert picture._repr_mimebundle_()["image/svg+xml"].lstrip().startswith("<?xml")
    monkeypatch.setattr(viz, "DOT_TIMEOUT", 1e-6)
    with pytest.raises(GraphvizTimeout, match="took more than 1e-06 s"):
        picture._repr_mimebundle_()
    with pytest.raises(GraphvizTimeout):
        picture._repr_mimebundle_(include=["image/png"])


def test_a_value_shared_by_100_ops_lays_out_bottom_to_top(needs_dot):
    """x + x + … + x: 100 terms sharing one leaf. Uncapped, one bottom-to-top picture took dot over
    two minutes (network simplex); draw_dot caps its iterations, so it is drawn within the limit."""
    x = Value(1.0, label="x")
    root = parse_expression("+".join(["x"] * 100), {"x": x})
    dot = draw_dot(root, rankdir="BT")
    assert 'nslimit=5' in dot.source and 'nslimit1=5' in dot.source
    svg = svg_source(dot)  # GraphvizTimeout after DOT_TIMEOUT seconds without the cap
    assert svg.count('class="node"') == 100 + 99  # x and 99 sums, and 99 op nodes


class FakeClock:
    """Seconds that pass only when the test says so: the time each picture 'takes'."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_stepper_measures_chooses_and_caps_its_layout(needs_dot):
    x = Value(1.0, label="x")
    root = (x * 2.0 + x).tanh()
    steps = list(root.backward_steps())
    clock = FakeClock()
    cost = {"BT": 2.0, "LR": 0.5}  # seconds per picture in each layout (the fake clock's)
    drawn: list[str] = []

    def draw(k: int, direction: str):
        clock.now += cost[direction]
        drawn.append(direction)
        return draw_step(root, steps[k % len(steps)], {}, {x: "x"}, rankdir=direction)

    # 3 pictures × 2 s is under the 10 s that counts as slow: the layout asked for is kept
    pictures, rankdir = draw_frames(draw, 3, rankdir="BT", clock=clock)
    assert rankdir == "BT" and drawn == ["BT"] * 3 and len(pictures) == 3
    # 30 pictures × 20 s is slow, and left-to-right is 40 times faster: it is chosen
    drawn.clear()
    cost["BT"] = 20.0
    pictures, rankdir = draw_frames(draw, 30, rankdir="BT", clock=clock)
    assert rankdir == "LR" and drawn == ["BT"] + ["LR"] * 30 and len(pictures) == 30
    assert all("<svg" in p for p in pictures)
    # when no layout fits the time limit, it says so before the long wait starts
    drawn.clear()
    cost["LR"] = 15.0
    with pytest.raises(GraphvizTimeout, match=r"drawing 30 pictures of this graph would take "
                                              r"Graphviz about 10 minutes .* more than timeout=120 s"):
        draw_frames(draw, 30, rankdir="BT", clock=clock)
    assert drawn == ["BT", "LR"]  # the first picture in each layout, nothing more
