// The browser side of nn.widgets.TrainingView: Run / Pause / Step buttons, the loss curve (SVG)
// and the decision regions (a canvas), drawn from what the kernel sends. Nothing is trained here.

const SVG = "http://www.w3.org/2000/svg";

function h(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function s(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  return node;
}

// Output t in [0, 1] (0: the lower target, 1: the upper one) as a colour: blue to orange.
function colour(t) {
  const u = Math.max(0, Math.min(1, t));
  const a = [116, 169, 207], b = [253, 174, 97];
  return `rgb(${a.map((x, i) => Math.round(x + (b[i] - x) * u)).join(",")})`;
}

// Class k of a classifier: a light shade for its region, a dark one for its points.
const CLASS_COLOURS = [
  ["#a5c8e4", "#1c7ed6"], ["#fdc48a", "#e8590c"], ["#b2dfb0", "#2b8a3e"], ["#d9c2ec", "#7048e8"],
  ["#f4b4c4", "#c2255c"], ["#c9c9c9", "#495057"], ["#f3e29a", "#e67700"], ["#a8e0e0", "#0b7285"],
];
const classColour = (k, dark) => CLASS_COLOURS[((k % 8) + 8) % 8][dark ? 1 : 0];

function render({ model, el }) {
  const root = h("div", { class: "gg-training", tabindex: "0" });
  const nav = h("div", { class: "gg-nav" });
  const run = h("button", { type: "button", class: "gg-run" }, "▶ Run");
  const pause = h("button", { type: "button", class: "gg-pause" }, "Pause");
  const step = h("button", { type: "button", class: "gg-step" }, "Step");
  const lossText = h("span", { class: "gg-loss-text", "aria-live": "polite" });
  nav.append(run, pause, step, lossText);
  const error = h("div", { class: "gg-error", role: "alert" });
  const plots = h("div", { class: "gg-plots" });
  const W = 380, H = 260, M = 40;
  const curve = s("svg", { class: "gg-curve", width: W, height: H, viewBox: `0 0 ${W} ${H}` });
  const canvas = h("canvas", { class: "gg-regions", width: "260", height: "260" });
  plots.append(curve, canvas);
  root.append(nav, error, plots);
  el.append(root);

  function send(action) { model.send({ action }); }
  run.addEventListener("click", () => send("run"));
  pause.addEventListener("click", () => send("pause"));
  step.addEventListener("click", () => send("step"));

  function showState() {
    const running = model.get("running");
    run.disabled = running;
    pause.disabled = !running;
    step.disabled = running;
    const loss = model.get("loss");
    const n = model.get("steps");
    const shown = loss === null ? "not finite" : Number(loss).toPrecision(5);
    lossText.textContent = n ? `step ${n} · loss ${shown}` : "not trained yet";
    lossText.dataset.loss = n && loss !== null ? String(loss) : "";
    lossText.dataset.steps = String(n);
    const message = model.get("error");
    error.textContent = message;
    error.hidden = !message;
  }

  function showCurve() {
    const pts = model.get("curve");
    curve.replaceChildren();
    curve.append(s("rect", { x: 0, y: 0, width: W, height: H, fill: "#fff" }));
    curve.append(s("line", { x1: M, y1: H - M, x2: W - 10, y2: H - M, stroke: "#888" }));
    curve.append(s("line", { x1: M, y1: 10, x2: M, y2: H - M, stroke: "#888" }));
    const label = s("text", { x: M, y: H - 12, "font-size": 11, fill: "#555" });
    label.textContent = "training step →";
    curve.append(label);
    if (pts.length === 0) return;
    const xmax = Math.max(1, pts[pts.length - 1][0]);
    const ys = pts.map((p) => p[1]).filter(Number.isFinite);
    if (ys.length === 0) return;
    const ymax = Math.max(...ys), ymin = Math.min(0, ...ys);
    const sx = (x) => M + (x / xmax) * (W - M - 10);
    const sy = (y) => H - M - ((y - ymin) / ((ymax - ymin) || 1)) * (H - M - 10);
    const line = pts.filter((p) => Number.isFinite(p[1])).map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`);
    curve.append(s("polyline", { points: line.join(" "), fill: "none", stroke: "#d9480f", "stroke-width": 2 }));
    for (const [y, text] of [[ymax, ymax], [ymin, ymin]]) {
      const t = s("text", { x: 2, y: sy(y) + 4, "font-size": 10, fill: "#555" });
      t.textContent = Number(text).toPrecision(2);
      curve.append(t);
    }
    const title = s("text", { x: M + 4, y: 14, "font-size": 12, fill: "#222" });
    title.textContent = "loss";
    curve.append(title);
  }

  function showRegions() {
    const n = model.get("grid_size");
    canvas.hidden = n === 0;
    if (n === 0) return;
    const grid = model.get("grid");
    const [x0, x1, y0, y1] = model.get("bounds");
    const [lo, hi] = model.get("levels");
    const classes = model.get("classes");
    const ctx = canvas.getContext("2d");
    const size = canvas.width, cell = size / n;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, size, size);
    grid.forEach((v, k) => {
      ctx.fillStyle = classes ? classColour(v, false) : colour((v - lo) / ((hi - lo) || 1));
      ctx.fillRect((k % n) * cell, Math.floor(k / n) * cell, cell + 0.5, cell + 0.5);
    });
    for (const [px, py, t] of model.get("points")) {
      const cx = ((px - x0) / (x1 - x0)) * size, cy = ((y1 - py) / (y1 - y0)) * size;
      ctx.beginPath();
      ctx.arc(cx, cy, 5, 0, 2 * Math.PI);
      ctx.fillStyle = classes ? classColour(t, true) : (t - lo) / ((hi - lo) || 1) > 0.5 ? "#e8590c" : "#1c7ed6";
      ctx.fill();
      ctx.strokeStyle = "#222";
      ctx.stroke();
    }
  }

  const handlers = {
    "change:running": showState, "change:loss": showState, "change:steps": showState,
    "change:error": showState, "change:curve": showCurve, "change:grid": showRegions,
  };
  for (const [event, fn] of Object.entries(handlers)) model.on(event, fn);
  showState();
  showCurve();
  showRegions();
  return () => { for (const [event, fn] of Object.entries(handlers)) model.off(event, fn); };
}

export default { render };
