// Drives the browser client module (instantjson.js) under node 20 (fetch and ReadableStream are
// built in), for tests/web/test_web_client_js.py.
//   node client_check.mjs split SEED       SSE text on stdin -> its events, read in random pieces
//   node client_check.mjs stream URL        stream(URL) to the end -> the final state, plus the
//                                           Last-Event-ID headers the reconnections sent
import { readFileSync } from "node:fs";
import { readEvents, stream } from "../../python/instantjson/web/static/instantjson.js";

const [mode, arg] = process.argv.slice(2);

function random(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

if (mode === "split") {
  const bytes = new TextEncoder().encode(readFileSync(0, "utf8"));
  const next = random(Number(arg));
  const body = new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; ) {
        const n = 1 + Math.floor(next() * 7); // 1 to 7 bytes: splits UTF-8 characters and CRLF pairs
        controller.enqueue(bytes.slice(i, i + n));
        i += n;
      }
      controller.close();
    },
  });
  const out = [];
  for await (const event of readEvents(body)) out.push(event);
  process.stdout.write(JSON.stringify(out));
} else if (mode === "stream") {
  const sent = [];
  const recordingFetch = (url, init) => {
    sent.push(init.headers["Last-Event-ID"] ?? null);
    return fetch(url, init);
  };
  const state = await stream(arg, { fetch: recordingFetch, retryDelay: 50 });
  process.stdout.write(JSON.stringify({ state, sent }));
}
