"""The notebook widgets in a real JupyterLab, driven by headless Chromium.

A Jupyter server starts on 127.0.0.1 (a free port, a random token, a temporary root and settings
directory), Chromium opens a notebook written here, runs all its cells, and then works the widgets
as a learner would: Next in the live stepper, a leaf edited (the displayed gradient must become
the engine's number), the training view stepped and run (its loss display must move), two inline
steppers (the arrow keys must drive only the focused one), and bad input shown in place. The
browser console must stay free of errors. The server is shut down in every case.

Needs the ``[notebook]`` extra (JupyterLab, ipykernel, anywidget), Chromium with chromedriver and
Graphviz: skipped on a workstation without them, a failure in CI (which installs them).
"""

from __future__ import annotations

import inspect
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from autograd import Value
from autograd.stepper import backward_steps, format_number
from tests.test_browser import CHROMEDRIVER, CHROMIUM, _missing

REPO = Path(__file__).resolve().parent.parent



def tanh_chain(a0: float = 0.5):
    """The 50-node graph of the latency figure: three leaves and 16 rounds of x ← tanh(x·b + c),
    51 values and 48 ops. The notebook runs this very function (its source goes into a cell)."""
    a, b, c = Value(a0, label="a"), Value(0.9, label="b"), Value(0.1, label="c")
    x = a
    for _ in range(16):
        x = (x * b + c).tanh()
    return x, a, b


CELLS = [
    "from autograd import Value, show_stepper\nfrom autograd.widgets import StepperWidget\n"
    "from nn import MLP, SGD\nfrom nn.data import xor\nfrom nn.widgets import TrainingView",
    inspect.getsource(tanh_chain)
    + "\nx, a, b = tanh_chain()\nstepper = StepperWidget(x, title='tanh chain')\nstepper",
    "X, y = xor()\nmodel = MLP(2, [4, 1], activation='tanh', output_activation='sigmoid', seed=3)\n"
    "view = TrainingView(model, X, y, optimizer=SGD(model.parameters(), lr=0.5), every=5)\nview",
    "p, q = Value(2.0, label='p'), Value(-3.0, label='q')\nshow_stepper((p * q + p).tanh(), height=420)",
    "u, w = Value(1.0, label='u'), Value(4.0, label='w')\nshow_stepper(u * w - u / w, height=420)",
    "StepperWidget(3)",
    "z = Value(2.0, label='z')\nStepperWidget((z.log() * z).tanh(), title='log')",
]


def _require() -> None:
    missing = _missing()
    for module in ("jupyterlab", "ipykernel", "anywidget", "nbformat"):
        try:
            __import__(module)
        except ImportError:
            missing.append(f"the {module} package (pip install -e '.[notebook]')")
    if missing:
        message = f"the Jupyter browser test needs {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must install them (.ci/run)")
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(settings: Path) -> None:
    """JupyterLab user settings for a quiet, fully rendered page: no news or update checks, and
    every cell kept in the page (no windowing), so the test can reach every output."""
    files = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for name, content in files.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content), encoding="utf-8")


@pytest.fixture
def jupyter(tmp_path):
    """A JupyterLab server on 127.0.0.1 with the test notebook in its root; yields (url, root)."""
    _require()
    import nbformat

    root = tmp_path / "root"
    root.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "widgets.ipynb")
    settings = tmp_path / "settings"
    _write_settings(settings)
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws"),
           "IPYTHONDIR": str(tmp_path / "ipython")}
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--ServerApp.port_retries=0", "--ServerApp.terminals_enabled=False",
         "--allow-root",  # CI runs as root
         "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run cells from the test
         "--LabApp.extension_manager=readonly"],  # no look-ups of extensions on the network
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Jupyter server did not start:\n"
                                   + (tmp_path / "server.log").read_text(errors="replace")[-3000:])
            time.sleep(0.3)
        yield f"{url}/lab/tree/widgets.ipynb?token={token}", tmp_path
    finally:
        _stop(server)
        log.close()
    assert server.poll() is not None, "the Jupyter server is still running"


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (it shuts its kernels down), SIGKILL if it lingers."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


@pytest.fixture
def chromium(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, what, timeout=60.0, show=None):
    """Poll `what(driver)` until it is truthy; on a time-out, say what `show` (an element) shows."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:  # a widget redraws its parts from the kernel's messages: an element read may be replaced
        return WebDriverWait(driver, timeout, poll_frequency=0.1,
                             ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: what(d))
    except TimeoutException:
        try:
            seen = show.text if show is not None else driver.find_element("tag name", "body").text[-3000:]
        except StaleElementReferenceException:
            seen = "(the element was redrawn)"
        raise AssertionError(f"timed out after {timeout} s; the page shows:\n{seen}") from None


def _do(driver, action, timeout=30.0):
    """Run `action(driver)` — find an element and act on it — again until no element it found was
    redrawn in between. A widget rebuilds parts of itself (the leaf table and the mode menu on
    every new leaf value or root value) from the kernel's messages, which come late on a busy
    machine: an element found a moment ago may be gone by the time it is used."""
    _wait(driver, lambda d: action(d) or True, timeout)


def _type_into(driver, within, css, text) -> None:
    """Replace the text of the field `css` inside `within` by `text` and press Enter."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    def action(d):
        field = within.find_element(By.CSS_SELECTOR, css)
        # one command: select all, then type (a stale field fails it before anything is sent)
        field.send_keys(Keys.CONTROL, "a", Keys.NULL, text, Keys.ENTER)

    _do(driver, action)


def _text(driver, css, within=None):
    from selenium.webdriver.common.by import By

    return (within or driver).find_element(By.CSS_SELECTOR, css).text


def test_widgets_in_jupyterlab(jupyter, chromium):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, tmp = jupyter
    driver = chromium
    shots = Path(os.environ.get("GLASSGRAD_SHOTS", tmp))
    shots.mkdir(parents=True, exist_ok=True)
    driver.get(url)
    # The notebook is open and its kernel idle: then run every cell, and wait for all of them.
    _wait(driver, lambda d: d.execute_script(
        "const w = window.jupyterapp && jupyterapp.shell.currentWidget;"
        "return !!(w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel"
        " && w.sessionContext.session.kernel.status === 'idle');"), timeout=120)
    driver.execute_script("jupyterapp.commands.execute('notebook:run-all-cells')")
    _wait(driver, lambda d: d.execute_script(
        "const cells = jupyterapp.shell.currentWidget.content.widgets;"
        "return cells.every(c => c.model.type !== 'code' || c.model.executionCount !== null)"
        " && jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle';"),
        timeout=120)
    errors = driver.execute_script(
        "return Array.from(document.querySelectorAll('.jp-OutputArea-output[data-mime-type="
        "\"application/vnd.jupyter.stderr\"]')).map(e => e.innerText)")
    assert not errors, errors

    widgets = _wait(driver, lambda d: (lambda found: found if len(found) == 3 else False)(
        d.find_elements(By.CSS_SELECTOR, ".gg-stepper")))
    stepper, bad, log_widget = widgets
    steps = list(backward_steps(tanh_chain()[0]))
    total = len(steps)
    assert total == 48

    # -- Next: the counter moves and the picture highlights the second step's node --------------------
    _wait(driver, lambda d: _text(d, ".gg-counter", stepper) == f"Step 1 of {total}")
    stepper.find_element(By.CSS_SELECTOR, ".gg-next").click()
    _wait(driver, lambda d: _text(d, ".gg-counter", stepper) == f"Step 2 of {total}")

    def current_node(d) -> str:  # the counter moves at once; the new picture comes from the kernel
        nodes = stepper.find_elements(By.CSS_SELECTOR, ".gg-picture g.node.current")
        assert len(nodes) <= 1
        return nodes[0].text.split("\n")[0] if nodes else ""

    _wait(driver, lambda d: current_node(d) == steps[1].name)
    assert steps[1].name in _text(driver, ".gg-explain", stepper)

    # -- a leaf edit: forward and backward re-run in the kernel, the new gradient shown ----------------
    x, a, b = tanh_chain()
    x.backward()
    before = _wait(driver, lambda d: _text(d, "tr[data-leaf='a'] .gg-leaf-grad", stepper))
    assert before == format_number(a.grad)
    x, a, b = tanh_chain(-1.25)  # the same graph at the edited point: the numbers to expect
    x.backward()
    want = format_number(a.grad)
    assert want != before
    _type_into(driver, stepper, "input.gg-leaf[data-leaf='a']", "-1.25")
    _wait(driver, lambda d: _text(d, "tr[data-leaf='a'] .gg-leaf-grad", stepper) == want, show=stepper)
    _wait(driver, lambda d: _text(d, "tr[data-leaf='b'] .gg-leaf-grad", stepper) == format_number(b.grad))
    _wait(driver, lambda d: _text(d, ".gg-root-value", stepper) == f"root = {format_number(x.data)}")
    latency = int(_wait(driver, lambda d: stepper.get_attribute("data-latency-ms")))
    print(f"\nlatency after a leaf edit on the 50-node graph (51 values, 48 ops): {latency} ms")
    (shots / "latency.txt").write_text(f"{latency}\n", encoding="utf-8")
    driver.execute_script("arguments[0].scrollIntoView()", stepper)
    stepper.screenshot(str(shots / "stepper_widget.png"))

    # -- the training view: Step three times, then Run and Pause; the loss display moves -------------
    view = driver.find_element(By.CSS_SELECTOR, ".gg-training")
    loss_text = view.find_element(By.CSS_SELECTOR, ".gg-loss-text")
    assert loss_text.get_attribute("data-steps") == "0"
    for k in range(1, 4):
        view.find_element(By.CSS_SELECTOR, ".gg-step").click()
        _wait(driver, lambda d, k=k: loss_text.get_attribute("data-steps") == str(k))
    first = float(loss_text.get_attribute("data-loss"))
    shown = loss_text.text
    view.find_element(By.CSS_SELECTOR, ".gg-run").click()
    _wait(driver, lambda d: int(loss_text.get_attribute("data-steps")) >= 200)
    view.find_element(By.CSS_SELECTOR, ".gg-pause").click()
    _wait(driver, lambda d: view.find_element(By.CSS_SELECTOR, ".gg-step").is_enabled())
    last = float(loss_text.get_attribute("data-loss"))
    assert loss_text.text != shown
    assert last < first, (first, last)
    driver.execute_script("arguments[0].scrollIntoView()", view)
    view.screenshot(str(shots / "training_view.png"))

    # -- two inline steppers: the arrow keys drive only the one that has focus ----------------------
    frames = driver.find_elements(By.CSS_SELECTOR, "iframe.glassgrad-stepper")
    assert len(frames) == 2

    def counter(frame) -> str:
        driver.switch_to.frame(frame)
        try:
            return driver.find_element(By.ID, "counter").text
        finally:
            driver.switch_to.default_content()

    def focus(frame) -> None:
        driver.execute_script("arguments[0].scrollIntoView()", frame)
        driver.switch_to.frame(frame)
        driver.find_element(By.TAG_NAME, "h1").click()
        driver.switch_to.default_content()

    assert [counter(f) for f in frames] == ["Step 1 of 3", "Step 1 of 3"]
    focus(frames[0])
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
    assert [counter(f) for f in frames] == ["Step 2 of 3", "Step 1 of 3"]
    focus(frames[1])
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT).perform()
    assert [counter(f) for f in frames] == ["Step 2 of 3", "Step 3 of 3"]
    ActionChains(driver).send_keys(Keys.ARROW_LEFT).perform()
    assert [counter(f) for f in frames] == ["Step 2 of 3", "Step 2 of 3"]
    driver.save_screenshot(str(shots / "inline_steppers.png"))
    # the live stepper's keys, too, act only while it has focus
    k = _text(driver, ".gg-counter", stepper)
    stepper.click()
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
    _wait(driver, lambda d: _text(d, ".gg-counter", stepper) != k)
    assert [counter(f) for f in frames] == ["Step 2 of 3", "Step 2 of 3"]

    # -- bad input: our message in place, and the widget still works ---------------------------------
    assert "expected a Value as the root, got int 3" in _text(driver, ".gg-error", bad)
    _type_into(driver, log_widget, "input.gg-leaf[data-leaf='z']", "-1")
    _wait(driver, lambda d: "undone" in _text(d, ".gg-error", log_widget))
    message = _wait(driver, lambda d: _text(d, ".gg-error", log_widget))
    assert "log" in message and "x > 0" in message, message
    _wait(driver, lambda d: log_widget.find_element(By.CSS_SELECTOR, "input.gg-leaf").get_attribute("value")
          == "2")  # the field is back at the number in force
    log_widget.find_element(By.CSS_SELECTOR, ".gg-next").click()
    _wait(driver, lambda d: _text(d, ".gg-counter", log_widget).startswith("Step 2 of"))
    _type_into(driver, log_widget, "input.gg-leaf[data-leaf='z']", "3")
    _wait(driver, lambda d: not log_widget.find_element(By.CSS_SELECTOR, ".gg-error").is_displayed())
    driver.save_screenshot(str(shots / "notebook.png"))

    # -- forward mode from the menu: tangents along z, and predict mode asks before it shows ----------
    from selenium.webdriver.support.ui import Select

    # the menu's options are rebuilt with the leaves (the edit above): find them again if so
    _do(driver, lambda d: Select(log_widget.find_element(By.CSS_SELECTOR, "select.gg-mode"))
        .select_by_value("forward"))
    _wait(driver, lambda d: "(forward, along z)" in _text(d, ".gg-explain", log_widget), show=log_widget)
    log_widget.find_element(By.CSS_SELECTOR, ".gg-predict-box").click()
    _wait(driver, lambda d: "What is the tangent of" in _text(d, ".gg-explain", log_widget))
    guess = log_widget.find_element(By.CSS_SELECTOR, "input.gg-guess")
    guess.send_keys("1", Keys.ENTER)  # d log(z) / dz at z = 3 is 1/3, not 1
    _wait(driver, lambda d: "Not quite" in _text(d, ".gg-feedback", log_widget), show=log_widget)
    assert "= 0.333333" in _text(driver, ".gg-feedback", log_widget)
    driver.execute_script("arguments[0].scrollIntoView()", log_widget)
    log_widget.screenshot(str(shots / "forward_predict.png"))

    # -- the browser console: no errors from the page or the widgets ---------------------------------
    severe = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert not severe, severe
