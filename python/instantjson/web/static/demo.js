// The demo page of `python -m instantjson demo --web`: asks the server for a shared response,
// then renders it with instantjson.js. Each field is a DOM node found by its path, created when
// its first piece arrives, updated in place as it grows, highlighted when it completes.
import { createState, stream } from "/static/instantjson.js";

const $ = (id) => document.getElementById(id);
const SAVE = "instantjson-demo:";
let current = null; // {id, state, abort, stats, nodes, started}

function pathOf(keys) {
  let out = "";
  for (const key of keys) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

function humanize(key) {
  return String(key).replace(/[_-]+/g, " ");
}

function display(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function nodeAt(keys) {
  const nodes = current.nodes;
  const id = pathOf(keys);
  if (nodes.has(id)) return nodes.get(id);
  if (keys.length === 0) {
    const body = $("fields");
    body.replaceChildren();
    const root = { el: body, body, kind: null };
    nodes.set(id, root);
    return root;
  }
  const parent = nodeAt(keys.slice(0, -1));
  const key = keys[keys.length - 1];
  if (parent.kind === null) {
    parent.kind = typeof key === "number" ? "list" : "object";
    if (parent.kind === "list" && keys.length > 1) parent.body.classList.add("cards");
  }
  const el = document.createElement(typeof key === "number" ? "article" : "div");
  el.className = typeof key === "number" ? "card" : "field";
  el.dataset.path = id;
  const label = document.createElement("div");
  label.className = "label";
  label.textContent = typeof key === "number" ? `#${key + 1}` : humanize(key);
  const check = document.createElement("span");
  check.className = "check";
  check.textContent = "✓";
  label.append(check);
  const body = document.createElement("div");
  body.className = "body";
  el.append(label, body);
  parent.body.append(el);
  const node = { el, body, kind: null, value: null };
  nodes.set(id, node);
  return node;
}

function setLeaf(keys, text, complete) {
  const node = nodeAt(keys);
  if (!node.value) {
    node.kind = "leaf";
    node.value = document.createElement("div");
    node.value.className = "value";
    node.body.append(node.value);
  }
  node.value.textContent = text;
  node.value.classList.toggle("streaming-value", !complete);
}

function fill(keys, value, flash) {
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    const node = nodeAt(keys);
    if (entries.length === 0 && node.kind === null) setLeaf(keys, Array.isArray(value) ? "(none)" : "{}", true);
    for (const [k, v] of entries) fill([...keys, k], v, false);
  } else {
    setLeaf(keys, display(value), true);
  }
  if (keys.length) {
    const node = nodeAt(keys);
    node.el.classList.add("complete");
    if (flash) {
      node.el.classList.remove("flash");
      void node.el.offsetWidth; // restart the animation
      node.el.classList.add("flash");
    }
  }
}

function renderState(state) {
  $("text").textContent = state.text;
  if (state.data !== undefined) {
    const walk = (keys, value) => {
      const path = pathOf(keys);
      if (state.complete[path] || keys.length === 0) {
        if (keys.length) return fill(keys, value, false);
      } else if (typeof value === "string") {
        return setLeaf(keys, value, false);
      }
      if (value !== null && typeof value === "object") {
        const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
        for (const [k, v] of entries) walk([...keys, k], v);
      }
    };
    walk([], state.data);
  }
  renderStats(state);
}

function renderStats(state) {
  const s = current.stats;
  $("stat-events").textContent = String(s.events);
  $("stat-fields").textContent = String(Object.keys(state.complete).length);
  $("stat-first").textContent = s.first != null ? `${s.first} ms` : "—";
  $("stat-total").textContent = s.total != null ? `${s.total} ms` : "—";
  if (state.meta) {
    $("stat-model").textContent = state.meta.model || "—";
    const u = state.meta.usage || {};
    $("stat-tokens").textContent = u.total_tokens != null ? `${u.input_tokens} → ${u.output_tokens}` : "—";
  }
}

function setStatus(kind, text) {
  const el = $("status");
  el.dataset.state = kind;
  el.textContent = text;
  $("text").classList.toggle("streaming", kind === "streaming");
}

function save() {
  if (!current) return;
  try {
    sessionStorage.setItem(SAVE + current.id, JSON.stringify({ state: current.state, stats: current.stats }));
  } catch (e) {
    /* storage full or disabled: a reload then starts the replay from the first event */
  }
}

let saveTimer = null;
function saveSoon() {
  if (saveTimer === null) saveTimer = setTimeout(() => { saveTimer = null; save(); }, 200);
}

function onEvent(name, data, state) {
  const s = current.stats;
  s.events += 1;
  if (name === "delta") {
    $("text").append(data);
  } else if (name === "done") {
    $("text").textContent = state.text;
  } else if (name === "instant") {
    if (typeof data.keys[0] === "string" && data.keys[0].startsWith("$")) return;
    if (data.complete) {
      if (s.first == null) s.first = Math.round(performance.now() - current.started);
      fill(data.keys, data.value, true);
    } else {
      setLeaf(data.keys, display(state.data === undefined ? "" : getLeaf(state.data, data.keys)), false);
    }
  } else if (name === "error") {
    const el = $("error");
    el.hidden = false;
    el.textContent = `${data.type}: ${data.message}`;
  } else if (name === "end" && s.total == null && current.fresh) {
    s.total = Math.round(performance.now() - current.started);
  }
  renderStats(state);
  saveSoon();
}

function getLeaf(root, keys) {
  let node = root;
  for (const k of keys) node = node == null ? undefined : node[k];
  return node ?? "";
}

async function watch(id, fresh) {
  if (current) current.abort.abort();
  const saved = !fresh && JSON.parse(sessionStorage.getItem(SAVE + id) || "null");
  const state = saved ? saved.state : createState();
  current = {
    id, state, fresh, abort: new AbortController(), nodes: new Map(), started: performance.now(),
    stats: saved ? saved.stats : { events: 0, first: null, total: null },
  };
  const mine = current;
  $("fields").innerHTML = '<p class="empty">Fields appear here as they complete.</p>';
  $("text").textContent = "";
  $("error").hidden = true;
  $("share").href = `${location.pathname}#r=${id}`;
  renderState(state);
  document.body.dataset.response = id;
  setStatus("streaming", state.lastEventId ? `resuming after event ${state.lastEventId}` : "streaming");
  try {
    await stream(`/api/responses/${id}/stream`, { state, onEvent, signal: mine.abort.signal });
    if (current !== mine) return;
    setStatus(state.error ? "error" : "complete", state.error ? "failed" : "complete");
  } catch (error) {
    if (current !== mine || mine.abort.signal.aborted) return;
    setStatus("error", "disconnected");
    $("error").hidden = false;
    $("error").textContent = String(error.message || error);
  } finally {
    if (current === mine) {
      document.body.dataset.done = "true";
      save();
    }
  }
}

$("ask").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("send").disabled = true;
  document.body.dataset.done = "false";
  try {
    const reply = await fetch("/api/responses", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: $("prompt").value }),
    });
    const { id } = await reply.json();
    history.replaceState(null, "", `#r=${id}`);
    await watch(id, true);
  } finally {
    $("send").disabled = false;
  }
});

window.addEventListener("pagehide", save);
window.addEventListener("hashchange", () => {
  const id = new URLSearchParams(location.hash.slice(1)).get("r");
  if (id && (!current || current.id !== id)) watch(id, false);
});

const initial = new URLSearchParams(location.hash.slice(1)).get("r");
if (initial) watch(initial, false);
