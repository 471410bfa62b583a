// The browser side of autograd.widgets.StepperWidget: it shows what the kernel sends (an SVG
// picture, an HTML table, the leaves) and sends back clicks, keys and typed numbers. No number is
// computed here. Keys act only while this widget has focus, so several steppers share a page.

function h(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el }) {
  const root = h("div", { class: "gg-stepper", tabindex: "0", "data-lm-suppress-shortcuts": "true" });
  const title = h("div", { class: "gg-title" });
  const error = h("div", { class: "gg-error", role: "alert" });
  const nav = h("div", { class: "gg-nav" });
  const prev = h("button", { type: "button", class: "gg-prev" }, "◀ Prev");
  const counter = h("span", { class: "gg-counter", "aria-live": "polite" });
  const next = h("button", { type: "button", class: "gg-next" }, "Next ▶");
  const play = h("button", { type: "button", class: "gg-play" }, "▶ Play");
  const modeBox = h("select", { class: "gg-mode", title: "which pass to step through" });
  const seedLabel = h("label", { class: "gg-seed-label" }, "along ");
  const seedBox = h("select", { class: "gg-seed", title: "forward mode: the input whose tangent is 1" });
  seedLabel.append(seedBox);
  const predictLabel = h("label", { class: "gg-predict-toggle" });
  const predictBox = h("input", { type: "checkbox", class: "gg-predict-box" });
  predictLabel.append(predictBox, document.createTextNode(" predict the gradient"));
  const status = h("span", { class: "gg-status" });
  nav.append(prev, counter, next, play, modeBox, seedLabel, predictLabel, status);
  const body = h("div", { class: "gg-body" });
  const picture = h("div", { class: "gg-picture" });
  const side = h("div", { class: "gg-side" });
  const explain = h("div", { class: "gg-explain" });
  const guessRow = h("div", { class: "gg-guess-row" });
  const guess = h("input", { type: "text", class: "gg-guess", inputmode: "decimal", placeholder: "your gradient" });
  guessRow.append(guess);
  const feedback = h("div", { class: "gg-feedback" });
  const leavesBox = h("div", { class: "gg-leaves" });
  side.append(explain, guessRow, feedback, leavesBox);
  body.append(picture, side);
  root.append(title, error, nav, body);
  el.append(root);

  let timer = null;
  let editStarted = null; // performance.now() of the last leaf edit, until its redraw arrives

  function go(k) {
    const total = model.get("total");
    if (total === 0) return;
    const target = Math.max(0, Math.min(total - 1, k));
    if (target !== model.get("index")) {
      model.set("index", target);
      model.save_changes();
    }
  }
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "▶ Play";
  }
  function showNav() {
    const total = model.get("total");
    const k = model.get("index");
    counter.textContent = total ? `Step ${k + 1} of ${total}` : "no steps";
    prev.disabled = total === 0 || k === 0;
    next.disabled = total === 0 || k >= total - 1;
    play.disabled = total === 0;
    if (next.disabled) stop();
  }
  function showModes() {
    const modes = model.get("modes");
    modeBox.replaceChildren(...modes.map((m) => h("option", { value: m }, m)));
    modeBox.value = model.get("mode");
    modeBox.hidden = modes.length < 2;
    seedLabel.hidden = model.get("mode") !== "forward";
    seedBox.replaceChildren(...model.get("leaves").map((leaf) => h("option", { value: leaf.name }, leaf.name)));
    seedBox.value = model.get("seed");
  }
  function showLeaves() {
    const table = h("table", { class: "gg-leaf-table" });
    const head = h("tr");
    head.append(h("th", {}, "leaf"), h("th", {}, "value (edit, Enter)"), h("th", {}, "grad"));
    table.append(head);
    model.get("leaves").forEach((leaf, i) => {
      const row = h("tr", { "data-leaf": leaf.name });
      const field = h("input", { type: "text", class: "gg-leaf", inputmode: "decimal", "data-leaf": leaf.name });
      field.value = leaf.value;
      let sent = leaf.value;
      function commit() {
        if (field.value.trim() === "" || field.value === sent) return;
        sent = field.value;
        editStarted = performance.now();
        model.send({ edit: i, value: field.value });
      }
      field.addEventListener("change", commit); // leaving the field
      field.addEventListener("keydown", (e) => {
        if (e.key === "Enter") { commit(); e.preventDefault(); }
        e.stopPropagation(); // typed keys belong to the field, not to the notebook or the stepper
      });
      const cell = h("td");
      cell.append(field);
      row.append(h("td", { class: "gg-leaf-name" }, leaf.name), cell, h("td", { class: "gg-leaf-grad" }, leaf.grad));
      table.append(row);
    });
    const rootLine = h("p", { class: "gg-root-value" }, `root = ${model.get("root_value")}`);
    leavesBox.replaceChildren(...(model.get("leaves").length ? [table] : []),
                              ...(model.get("root_value") ? [rootLine] : []));
  }
  function showError() {
    const message = model.get("error");
    error.textContent = message;
    error.hidden = !message;
  }
  function showPredict() {
    predictBox.checked = model.get("predict");
    guessRow.hidden = !(model.get("predict") && !model.get("revealed")) || model.get("total") === 0;
    if (!guessRow.hidden) guess.value = "";
    feedback.innerHTML = model.get("feedback"); // built and escaped by the kernel
  }
  function showFrame() {
    picture.innerHTML = model.get("picture"); // SVG from Graphviz, labels escaped by the kernel
    explain.innerHTML = model.get("explain");
    if (editStarted !== null) {
      const started = editStarted;
      editStarted = null;
      // Measured once the browser has laid the new picture out: the time a learner waits.
      requestAnimationFrame(() => {
        const ms = Math.round(performance.now() - started);
        root.dataset.latencyMs = String(ms);
        status.textContent = `redrawn in ${ms} ms`;
      });
    }
  }
  function edited() {
    // An edit that failed comes back as an error with no new picture: stop the clock there too.
    if (editStarted !== null && model.get("error")) {
      editStarted = null;
      status.textContent = "";
    }
  }

  prev.addEventListener("click", () => { stop(); go(model.get("index") - 1); });
  next.addEventListener("click", () => { stop(); go(model.get("index") + 1); });
  play.addEventListener("click", () => {
    if (timer !== null) { stop(); return; }
    if (model.get("index") >= model.get("total") - 1) go(0);
    play.textContent = "Pause";
    timer = setInterval(() => {
      if (model.get("index") >= model.get("total") - 1) stop();
      else go(model.get("index") + 1);
    }, 900);
  });
  modeBox.addEventListener("change", () => { model.set("mode", modeBox.value); model.save_changes(); });
  seedBox.addEventListener("change", () => { model.set("seed", seedBox.value); model.save_changes(); });
  predictBox.addEventListener("change", () => { model.set("predict", predictBox.checked); model.save_changes(); });
  guess.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { model.send({ guess: guess.value }); e.preventDefault(); }
  });
  root.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return; // typing, not stepping
    if (e.key === "ArrowRight") go(model.get("index") + 1);
    else if (e.key === "ArrowLeft") go(model.get("index") - 1);
    else return;
    stop();
    e.preventDefault();
    e.stopPropagation();
  });

  const handlers = {
    "change:title": () => { title.textContent = model.get("title"); title.hidden = !model.get("title"); },
    "change:index": showNav,
    "change:total": showNav,
    "change:modes": showModes,
    "change:mode": showModes,
    "change:leaves": () => { showLeaves(); showModes(); },
    "change:seed": showModes,
    "change:root_value": showLeaves,
    "change:error": () => { showError(); edited(); showLeaves(); }, // fields back to the numbers in force
    "change:picture": showFrame,
    "change:explain": showFrame,
    "change:predict": showPredict,
    "change:revealed": showPredict,
    "change:feedback": showPredict,
  };
  for (const [event, fn] of Object.entries(handlers)) model.on(event, fn);
  handlers["change:title"]();
  showError();
  showNav();
  showModes();
  showLeaves();
  showPredict();
  showFrame();
  return () => {
    stop();
    for (const [event, fn] of Object.entries(handlers)) model.off(event, fn);
  };
}

export default { render };
