"""The HTML stepper page in a real headless Chromium: buttons, arrow keys, counter, pictures.

Needs Debian's `chromium` and `chromium-driver` (CI installs both) and Graphviz. Without them the
test is skipped on a workstation, but fails when `CI` is set: CI must run it.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

from autograd import Value, parse_expression
from autograd.stepper import backward_steps, format_number, write_stepper_html

CHROMIUM = os.environ.get("GLASSGRAD_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("GLASSGRAD_CHROMEDRIVER", "/usr/bin/chromedriver")
EXPRESSION = "tanh(x1*w1 + x2*w2 + b)"
BINDINGS = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.88}


def _missing() -> list[str]:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if shutil.which("dot") is None:
        missing.append("dot (Graphviz)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    return missing


def _require_browser() -> None:
    """Skip on a workstation without Chromium; fail loudly in CI, which must run this test."""
    missing = _missing()
    if missing:
        message = f"the browser test needs {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must install them (.ci/run: apt-get install chromium "
                        f"chromium-driver graphviz)")
        pytest.skip(message)


@pytest.fixture
def browser(tmp_path):
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _page(tmp_path: Path) -> tuple[Path, list]:
    """Write the stepper page, and the steps of the same pass as records (the expected texts)."""
    root = parse_expression(EXPRESSION, BINDINGS)
    path = write_stepper_html(root, tmp_path / "steps.html", title=f"Backward pass of {EXPRESSION}")
    expected = list(backward_steps(parse_expression(EXPRESSION, BINDINGS)))
    return path, expected


def _visible(driver):
    from selenium.webdriver.common.by import By

    frames = [f for f in driver.find_elements(By.CSS_SELECTOR, "section.frame") if f.is_displayed()]
    assert len(frames) == 1, f"expected exactly one visible frame, found {len(frames)}"
    frame = frames[0]
    current = frame.find_elements(By.CSS_SELECTOR, "svg g.node.current")
    assert len(current) == 1, "the visible picture must highlight exactly one node as current"
    return frame, current[0]


def test_stepper_page_in_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path, steps = _page(tmp_path)
    assert len(steps) == 5
    browser.get(path.as_uri())
    counter = browser.find_element(By.ID, "counter")
    assert counter.text == "Step 1 of 5"
    assert browser.find_element(By.ID, "prev").get_attribute("disabled") is not None

    seen_nodes = []
    for k, advance in enumerate([None, "button", "key", "key", "key"]):
        if advance == "button":
            browser.find_element(By.ID, "next").click()
        elif advance == "key":
            browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
        step = steps[k]
        assert counter.text == f"Step {k + 1} of 5"
        frame, current = _visible(browser)
        # The highlighted node of the picture is this step's node: its name is in its first cell.
        assert current.text.split("\n")[0] == step.name, (k, current.text)
        explanation = frame.find_element(By.CSS_SELECTOR, ".explain").text
        for child in step.children:
            assert child.formula in explanation, (k, child.formula, explanation)
        seen_nodes.append(step.name)
        if k == 0:
            shot = tmp_path / "stepper.png"
            browser.save_screenshot(str(shot))
    assert seen_nodes == ["tanh(x1*w1 + x2*w2 + b)", "x1*w1 + x2*w2 + b", "x1*w1 + x2*w2",
                          "x1*w1", "x2*w2"]
    assert browser.find_element(By.ID, "next").get_attribute("disabled") is not None
    # The step at x1*w1 multiplies by the other factor: ∂(x1*w1)/∂x1 = w1 = -3.
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    assert counter.text == "Step 4 of 5"
    frame, current = _visible(browser)
    assert "∂(x1*w1)/∂x1 = -3" in frame.text and "rule of ×: ∂(a·b)/∂a = b" in frame.text
    # Grads not reached yet are shown as "?", known ones as numbers: at step 4, x2 is unknown.
    assert "grad ?" in " ".join(frame.find_element(By.CSS_SELECTOR, ".picture").text.split())

    _assert_not_blank(shot)


def _assert_not_blank(png: Path) -> None:
    """The screenshot shows a page with a picture: many dark pixels and several colours."""
    from PIL import Image

    image = Image.open(io.BytesIO(png.read_bytes())).convert("RGB")
    width, height = image.size
    assert width >= 800 and height >= 600, image.size
    data = image.tobytes()
    pixels = list(zip(data[0::3], data[1::3], data[2::3]))
    dark = sum(1 for r, g, b in pixels if r + g + b < 300)
    colours = len(set(pixels))
    assert dark / len(pixels) > 0.005, f"only {dark} dark pixels: the page looks blank"
    assert colours > 20, f"only {colours} distinct colours: the page looks blank"
    # The highlight colour of the current node (#ffb347, anti-aliasing aside) is on screen.
    orange = sum(1 for r, g, b in pixels if r > 240 and 160 < g < 190 and 50 < b < 90)
    assert orange > 200, f"only {orange} orange pixels: the current node is not highlighted"


def test_missing_browser_fails_in_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setattr(f"{__name__}.CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="/nonexistent/chromium"):
        _require_browser()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="/nonexistent/chromium"):
        _require_browser()


# Rendered size of the smallest SVG text on the page, in CSS pixels (font size × the SVG's scale).
_SMALLEST_TEXT = """
var sizes = Array.prototype.map.call(document.querySelectorAll(arguments[0]), function (t) {
  var m = t.getScreenCTM();
  return parseFloat(getComputedStyle(t).fontSize) * Math.sqrt(m.a * m.a + m.b * m.b);
});
return sizes.length ? Math.min.apply(null, sizes) : -1;
"""


def test_the_xor_pictures_read_at_100_percent_in_a_1400_px_window(browser, tmp_path):
    """The flagship graph fits the window's width (no sideways scrolling) with text of about 11 px
    or more; the neuron's stepper page draws its picture unscaled (text at 11 px at least)."""
    from demos.xor_pictures import write_pictures
    from nn import MLP

    model = MLP(2, [4, 1], activation="sigmoid", output_activation="sigmoid", init="normal",
                init_scale=0.5, seed=42)
    graph, page = write_pictures(model, tmp_path)
    browser.set_window_size(1400, 900)
    browser.get(graph.as_uri())
    width, inner = browser.execute_script(
        "return [document.documentElement.getBoundingClientRect().width, window.innerWidth];")
    assert width <= inner - 15, (width, inner)  # room for a vertical scrollbar, none sideways
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth;")
    assert browser.execute_script(_SMALLEST_TEXT, "text") >= 10.5
    browser.get(page.as_uri())
    smallest = browser.execute_script(_SMALLEST_TEXT, "section.frame:not([hidden]) svg text")
    assert smallest >= 11, smallest


# --- forward mode, and the two modes side by side ----------------------------------------------


def test_forward_stepper_page_in_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from autograd.stepper import forward_steps
    from autograd.stepper_modes import forward_stepper_html, write_page

    leaves = {k: Value(v, label=k) for k, v in BINDINGS.items()}
    root = parse_expression(EXPRESSION, leaves)
    path = write_page(forward_stepper_html(root, leaves["x1"]), tmp_path / "fwd.html")
    steps = list(forward_steps(root, {leaves["x1"]: 1.0}))
    browser.get(path.as_uri())
    counter = browser.find_element(By.ID, "counter")
    for k, advance in enumerate([None, "button", "key", "key", "key"]):
        if advance == "button":
            browser.find_element(By.ID, "next").click()
        elif advance == "key":
            browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
        step = steps[k]
        assert counter.text == f"Step {k + 1} of 5"
        frame, current = _visible(browser)
        assert current.text.split("\n")[0] == step.name, (k, current.text)
        # the table's numbers: each input's tangent, local × tangent, and the node's tangent
        cells = [row.find_elements(By.TAG_NAME, "td")
                 for row in frame.find_elements(By.CSS_SELECTOR, ".explain tbody tr")]
        assert [c[1].text for c in cells] == [format_number(i.tangent) for i in step.children]
        assert [c[3].text.split(" = ")[-1] for c in cells] == [format_number(i.contribution)
                                                                for i in step.children]
        assert frame.find_element(By.CSS_SELECTOR, "b.tangent").text == format_number(step.tangent)
        # in the picture, the current node's cell shows its tangent now
        assert current.text.split("\n")[-1] == f"tangent {format_number(step.tangent)}"
        if k == 0:
            shot = tmp_path / "fwd.png"
            browser.save_screenshot(str(shot))
    assert steps[0].name == "x1*w1" and steps[-1].name == EXPRESSION
    assert browser.find_element(By.ID, "next").get_attribute("disabled") is not None
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    assert counter.text == "Step 4 of 5"
    _assert_not_blank(shot)


def test_side_by_side_modes_page_in_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from autograd.stepper import backward_steps, forward_steps
    from autograd.stepper_modes import modes_stepper_html, write_page

    leaves = {k: Value(v, label=k) for k, v in BINDINGS.items()}
    root = parse_expression(EXPRESSION, leaves)
    path = write_page(modes_stepper_html(root, leaves["x1"]), tmp_path / "both.html")
    fresh = {k: Value(v, label=k) for k, v in BINDINGS.items()}
    fsteps = list(forward_steps(parse_expression(EXPRESSION, fresh), {fresh["x1"]: 1.0}))
    rsteps = list(backward_steps(parse_expression(EXPRESSION, BINDINGS)))
    browser.get(path.as_uri())
    counter = browser.find_element(By.ID, "counter")
    assert browser.find_element(By.CSS_SELECTOR, "b.fwd-passes").text == "5"
    assert browser.find_element(By.CSS_SELECTOR, "b.rev-passes").text == "1"
    for k, advance in enumerate([None, "key", "button", "key", "key"]):
        if advance == "button":
            browser.find_element(By.ID, "next").click()
        elif advance == "key":
            browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
        assert counter.text == f"Step {k + 1} of 5"
        frames = [f for f in browser.find_elements(By.CSS_SELECTOR, "section.frame") if f.is_displayed()]
        assert len(frames) == 1
        for mode, step in (("fwd", fsteps[k]), ("rev", rsteps[k])):
            pane = frames[0].find_element(By.CSS_SELECTOR, f'.pane[data-mode="{mode}"]')
            (current,) = pane.find_elements(By.CSS_SELECTOR, "svg g.node.current")
            assert current.is_displayed()
            # its first drawn text is the name (the SVG <title> holds Graphviz's id, not drawn)
            name = current.find_elements(By.CSS_SELECTOR, "text")[0].get_attribute("textContent")
            assert name == step.name, (mode, k, current.text)
            rows = pane.find_elements(By.CSS_SELECTOR, ".explain tbody tr")
            assert len(rows) == len(step.children)
            for row, child in zip(rows, step.children):
                text = row.text
                assert format_number(child.contribution) in text, (mode, k, text)
        if k == 0:
            shot = tmp_path / "both.png"
            browser.save_screenshot(str(shot))
    results = frames[0].find_elements(By.CSS_SELECTOR, "p.done")
    assert "∂x1 = -1.50292" in results[0].text and "For the other 4 input(s)" in results[0].text
    assert "∂w1 = 1.00194" in results[1].text and "∂b = 0.500972" in results[1].text
    _assert_not_blank(shot)
