// instantjson.js: the browser side of instantjson.web (protocol "instantjson"). An ES module,
// no build step, no dependency: import it from wherever the server mounts it.
//
//   import { stream } from "/instantjson/instantjson.js";
//   const state = await stream("/api/responses/42/stream", {
//     onEvent: (name, data, state) => render(state),   // after each event is folded in
//   });
//   state.data      // the structured answer, filled in as its fields complete
//   state.text      // the answer text
//
// `stream()` reads the server-sent events with fetch() and a ReadableStream, folds each one into
// a live state object, and, when the connection drops before the `end` event, reconnects with
// the `Last-Event-ID` header so the server replays only what was missed (from its replay log: no
// new model request). Pass the `state` of an earlier stream (saved in sessionStorage, say) to
// resume it after a page reload.

/** A new, empty state: what `stream()` fills in. */
export function createState() {
  return {
    text: "", // the answer text (delta events)
    reasoning: "", // the reasoning text (reasoning_delta events)
    data: undefined, // the structured value, built from instant events
    complete: {}, // path -> true once that value is complete
    toolCalls: [], // [{id, name, arguments}] from tool_calls fragments
    meta: null, // {id, model, finish_reason, usage} at the end
    error: null, // {type, message, ...} if the response failed
    ended: false, // true after the server's `end` event
    lastEventId: null, // the id of the last event folded in (a string, as SSE has it)
  };
}

function container(nextKey) {
  return typeof nextKey === "number" ? [] : {};
}

/** Set `value` at `keys` (an array of object keys and list indexes) inside `root`; returns the root. */
export function setPath(root, keys, value) {
  if (keys.length === 0) return value;
  if (root === undefined || root === null || typeof root !== "object") root = container(keys[0]);
  let node = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i];
    if (node[key] === undefined || node[key] === null || typeof node[key] !== "object") {
      node[key] = container(keys[i + 1]);
    }
    node = node[key];
  }
  node[keys[keys.length - 1]] = value;
  return root;
}

/** The value at `keys` inside `root` (undefined when absent). */
export function getPath(root, keys) {
  let node = root;
  for (const key of keys) {
    if (node === undefined || node === null) return undefined;
    node = node[key];
  }
  return node;
}

/** Fold one event (its name and decoded data) into `state`; returns the state. Instant events
 * under `$tool_calls` (a tool call's arguments) are kept out of `state.data`. */
export function applyEvent(state, name, data) {
  switch (name) {
    case "delta":
      state.text += data;
      break;
    case "reasoning_delta":
      state.reasoning += data;
      break;
    case "done":
      state.text = data;
      break;
    case "reasoning_done":
      state.reasoning = data;
      break;
    case "instant": {
      if (typeof data.keys[0] === "string" && data.keys[0].startsWith("$")) break;
      if (data.complete) {
        state.data = setPath(state.data, data.keys, data.value);
        state.complete[data.path] = true;
      } else {
        const before = getPath(state.data, data.keys);
        state.data = setPath(state.data, data.keys, (typeof before === "string" ? before : "") + data.delta);
      }
      break;
    }
    case "tool_calls": {
      let call = state.toolCalls[data.index];
      if (!call) call = state.toolCalls[data.index] = { id: null, name: null, arguments: "" };
      call.id = call.id || data.id;
      call.name = call.name || data.name;
      call.arguments += data.arguments_delta || "";
      break;
    }
    case "meta":
      state.meta = data;
      break;
    case "error":
      state.error = data;
      break;
    case "end":
      state.ended = true;
      break;
    default:
      break; // extra, typed, and events of later versions: available to onEvent
  }
  return state;
}

/** Parse a byte stream of server-sent events (WHATWG rules): yields {event, id, data}. */
export async function* readEvents(body, signal) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data = [];
  let id = null;
  try {
    while (true) {
      if (signal && signal.aborted) return;
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let start = 0;
      while (true) {
        const match = /\r\n|\r|\n/.exec(buffer.slice(start));
        if (!match) break;
        // a "\r" at the very end may be the first half of "\r\n": wait for more, unless it is the end
        if (!done && match[0] === "\r" && start + match.index === buffer.length - 1) break;
        const line = buffer.slice(start, start + match.index);
        start += match.index + match[0].length;
        if (line === "") {
          if (data.length) yield { event: event || "message", id, data: data.join("\n") };
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue; // a comment (keep-alive ping)
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? "" : line.slice(colon + 1);
        if (val.startsWith(" ")) val = val.slice(1);
        if (field === "event") event = val;
        else if (field === "data") data.push(val);
        else if (field === "id" && !val.includes("\0")) id = val;
      }
      buffer = buffer.slice(start);
      if (done) return; // an event without its blank line is dropped, as WHATWG says
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Stream `url` into a state object, resuming by event id whenever the connection drops.
 * Options: `state` (resume it: its lastEventId is sent), `onEvent(name, data, state)` called
 * after each event is folded in, `headers`, `signal` (an AbortSignal: stop), `retries` (5),
 * `retryDelay` (ms, 500), `fetch` (the function to use). Resolves with the state after the
 * `end` event; rejects when the retries are exhausted or the server answers with an error status.
 */
export async function stream(url, options = {}) {
  const state = options.state || createState();
  const fetchFn = options.fetch || globalThis.fetch.bind(globalThis);
  const retries = options.retries ?? 5;
  const retryDelay = options.retryDelay ?? 500;
  let failures = 0;
  while (!state.ended) {
    const headers = { Accept: "text/event-stream", ...(options.headers || {}) };
    if (state.lastEventId !== null) headers["Last-Event-ID"] = state.lastEventId;
    try {
      const response = await fetchFn(url, { headers, signal: options.signal, cache: "no-store" });
      if (!response.ok) {
        const error = new Error(`GET ${url}: HTTP ${response.status}`);
        error.status = response.status;
        throw error;
      }
      for await (const message of readEvents(response.body, options.signal)) {
        const data = message.data ? JSON.parse(message.data) : null;
        if (message.id !== null && message.event !== "end") state.lastEventId = message.id;
        applyEvent(state, message.event, data);
        failures = 0;
        if (options.onEvent) options.onEvent(message.event, data, state);
      }
    } catch (error) {
      if ((options.signal && options.signal.aborted) || error.status) throw error;
      if (++failures > retries) throw error;
    }
    if (options.signal && options.signal.aborted) break;
    if (!state.ended) await new Promise((resolve) => setTimeout(resolve, retryDelay));
  }
  return state;
}
