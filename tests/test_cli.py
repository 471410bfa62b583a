"""The demos' command line ends without a traceback: bad settings are usage errors before any work,
divergence is exit status 1, Ctrl-C is one line and exit status 130 with no file half-written."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_fuzz_inputs import Reached, run_main

from demos import common, house_prices, iris, linear_collapse, spiral, xor

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def out_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSGRAD_OUT", str(tmp_path))
    monkeypatch.setattr(common, "OUT", tmp_path)
    return tmp_path


# --- GLASSGRAD_OUT is checked before training ----------------------------------------------------

PICTURE_DEMOS = ["demos.xor", "demos.breaking_it", "demos.house_prices", "demos.linear_collapse",
                 "demos.moons", "demos.iris", "demos.spiral", "demos.fd_lab"]


def refused_before_work(module_name: str, out: Path, monkeypatch, text: str) -> None:
    monkeypatch.setenv("GLASSGRAD_OUT", str(out))
    result, stdout, stderr = run_main(module_name, [], out)  # the training functions raise Reached
    assert isinstance(result, SystemExit) and result.code == 2, (result, stderr)
    assert not isinstance(result, Reached)
    assert "usage:" in stderr and text in stderr and "Traceback" not in stderr, stderr
    assert stdout == ""  # not a line of training was printed


@pytest.mark.parametrize("module_name", PICTURE_DEMOS)
def test_an_out_setting_that_is_a_file_is_refused_before_training(module_name, tmp_path, monkeypatch):
    a_file = tmp_path / "pictures"
    a_file.write_text("not a folder")
    refused_before_work(module_name, a_file, monkeypatch, f"GLASSGRAD_OUT={a_file} is a file")
    refused_before_work(module_name, a_file / "below", monkeypatch, "is a file, not a folder")
    assert a_file.read_text() == "not a folder"


@pytest.mark.parametrize("module_name", PICTURE_DEMOS)
def test_an_out_setting_nobody_can_write_is_refused_before_training(module_name, monkeypatch):
    # /proc takes no new folders, not even root's (CI runs as root, so chmod would not do)
    refused_before_work(module_name, Path("/proc/glassgrad-out"), monkeypatch, "is not writable")


@pytest.mark.skipif(getattr(os, "geteuid", lambda: -1)() == 0,
                    reason="root writes in a read-only folder anyway")
def test_a_read_only_out_folder_is_refused_before_training(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        refused_before_work("demos.moons", locked, monkeypatch, "is not writable")
    finally:
        locked.chmod(0o700)


def test_a_good_out_setting_is_made_and_used(tmp_path, monkeypatch):
    target = tmp_path / "new" / "pictures"
    result, _, stderr = run_main("demos.moons", ["--quick"], target)
    assert isinstance(result, Reached), stderr  # training was reached: the folder passed
    assert target.is_dir()


# --- divergence ----------------------------------------------------------------------------------

@pytest.mark.parametrize("module,argv", [
    (house_prices, ["--lr", "1e300"]),  # OverflowError in the engine: x ** 2 beyond 1.8e308
    (house_prices, ["--lr", "1e308"]),  # printed "$nan per sq ft" and exit status 0
    (house_prices, ["--lr", "3"]),  # every number finite, the loss a million times its start
    (xor, ["--lr", "1e300", "--steps", "5"]),
    (linear_collapse, ["--lr-linear", "1e300", "--steps", "5"]),  # printed "final loss: linear nan"
    (iris, ["--lr", "1e300", "--quick"]),  # printed losses of 1e300 and exit status 0
    (spiral, ["--lr", "1e300", "--quick"]),  # a ValueError traceback from cross_entropy
])
def test_a_learning_rate_that_overflows_is_reported_as_divergence(module, argv, out_dir, capsys):
    assert module.main(argv) == 1
    captured = capsys.readouterr()
    assert re.search(r"^error: training diverged at step \d+ of \d+.* try a smaller learning rate",
                     captured.err, re.M), captured.err
    assert "nan" not in captured.out.lower() and "Traceback" not in captured.err
    assert list(out_dir.iterdir()) == []  # no picture of a diverged fit


# --- XOR with more hidden neurons than a picture holds ------------------------------------------

def test_xor_with_35_hidden_neurons_says_why_the_picture_was_skipped(out_dir, capsys):
    status = xor.main(["--steps", "3", "--hidden", "35"])
    out = capsys.readouterr().out
    assert status in (0, 1)  # 3 steps do not solve XOR; what matters is the ending
    assert re.search(r"\(graph pictures skipped: the graph behind this value has 5\d\d nodes .*, "
                     r"more than max_nodes=500; a picture that size is unreadable", out), out
    assert not (out_dir / "xor_graph.svg").exists()


# --- Ctrl-C --------------------------------------------------------------------------------------

INTERRUPTED = "interrupted (Ctrl-C): stopped; no file was left half-written"


def interrupt(argv: list[str], out: Path, ready: str, stream: str = "stdout") -> tuple[int, str]:
    """Run a demo, wait for `ready` in its output, press Ctrl-C (SIGINT); (exit status, stderr)."""
    env = {**os.environ, "GLASSGRAD_OUT": str(out), "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", *argv], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        watched = proc.stdout if stream == "stdout" else proc.stderr
        seen = []
        for line in watched:  # the demo has started its work once this line is out
            seen.append(line)
            if ready in line:
                break
        else:
            raise AssertionError(f"{argv} ended before {ready!r}: {''.join(seen)}")
        # A moment for lazy imports right after that line: a SIGINT that lands inside NumPy's
        # Cython module set-up (np.random's first use) is dropped there, before our code sees it.
        time.sleep(0.5)
        # On a busy machine the set-up above can take longer than that moment, and the SIGINT is
        # lost: then Ctrl-C is pressed again, as a person would (at most a few times).
        for _ in range(5):
            proc.send_signal(signal.SIGINT)
            try:
                _, stderr = proc.communicate(timeout=8)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            raise AssertionError(f"{argv} did not stop after five Ctrl-Cs")
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    if stream == "stderr":
        stderr = "".join(seen) + stderr
    return proc.returncode, stderr


@pytest.mark.parametrize("argv,ready", [
    (["demos.xor", "--steps", "10000000"], "XOR: 2-4-1"),
    (["demos.moons", "--steps", "100000"], "Two moons:"),
    (["demos.house_prices", "--steps", "10000000"], "House prices:"),
    (["demos.linear_collapse", "--steps", "10000000"], "Linear collapse:"),
    (["demos.breaking_it", "--steps", "10000000"], "Breaking XOR:"),
    (["demos.iris", "--steps", "1000000"], "Iris:"),
    (["demos.spiral", "--epochs", "100000"], "Spiral:"),
    (["demos.gallery", "--only", "moons", "--out", "{tmp}/docs"], "=== moons.png"),
])
def test_ctrl_c_in_a_demo_prints_one_line_and_exits_130(argv, ready, tmp_path):
    argv = [word.replace("{tmp}", str(tmp_path)) for word in argv]
    status, stderr = interrupt(argv, tmp_path, ready)
    assert status == 130, stderr
    assert stderr.splitlines() == [INTERRUPTED]  # once, even from a demo the gallery runs
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # no picture, not half of one


def test_ctrl_c_while_the_stepper_draws_leaves_no_page(tmp_path, needs_dot):
    page = tmp_path / "steps.html"
    page.write_text("the old page")  # an earlier page survives whole
    expression = "+".join(["x"] * 60)
    status, stderr = interrupt(["demos.step", expression, "x=1", "--html", str(page)], tmp_path,
                               "drawing 59 pictures", stream="stderr")
    assert status == 130, stderr
    assert stderr.splitlines()[-1] == INTERRUPTED and "Traceback" not in stderr
    assert len(stderr.splitlines()) == 2  # the "drawing…" line and the one about Ctrl-C
    assert page.read_text() == "the old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["steps.html"]  # no temporary file left


def test_command_turns_ctrl_c_into_status_130(capsys):
    @common.command
    def main(argv=None) -> int:
        raise KeyboardInterrupt

    assert main([]) == 130
    assert capsys.readouterr().err == INTERRUPTED + "\n"


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal needs a POSIX system")
def test_ctrl_c_at_the_steppers_prompt_prints_one_line_and_exits_130():
    """The stepper waiting for Enter on a real (pseudo-)terminal; Ctrl-C is typed, as a person would."""
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program (os._exit if exec fails, never return to pytest)
        try:
            os.chdir(ROOT)
            os.environ["PYTHONPATH"] = str(ROOT)
            os.execv(sys.executable, [sys.executable, "-m", "demos.step", "tanh(x*w + b)", "x=2",
                                      "w=-3", "b=6.88"])
        finally:
            os._exit(127)
    seen = b""

    def read_until(marker: bytes, polls: int = 600) -> bool:
        nonlocal seen
        for _ in range(polls):  # 0.1 s each: by default up to a minute
            if marker in seen:
                return True
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    seen += os.read(fd, 65536)
                except OSError:  # the program ended
                    break
        return marker in seen

    try:
        assert read_until(b"[Enter] next, q quit > "), seen.decode("utf-8", "replace")[-500:]
        # Ctrl-C: the terminal sends SIGINT to the program. Python's input() has a race: a SIGINT
        # that lands after the prompt is written but before the read starts is only acted on when
        # the read returns. A person presses Ctrl-C again; so does this test, at most a few times.
        for _ in range(5):
            time.sleep(0.2)
            os.write(fd, b"\x03")
            if read_until(INTERRUPTED.encode(), polls=50):
                break
        assert INTERRUPTED.encode() in seen, seen.decode("utf-8", "replace")[-500:]
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 130
    assert b"Traceback" not in seen
    after = seen.split(b"[Enter] next, q quit > ", 1)[1].decode()
    lines = [line.replace("^C", "") for line in after.replace("\r", "").split("\n")]
    assert [line for line in lines if line.strip()] == [INTERRUPTED]  # one line, whatever ^Cs echoed
