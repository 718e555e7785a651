// A second, independent fold of a Vercel AI SDK UI message stream, in plain JavaScript (node, no
// packages), following packages/ai/src/ui/process-ui-message-stream.ts of vercel/ai for the
// parts instantjson sends. Reads the SSE body on stdin; prints {message, finishReason, errors}.
import { readFileSync } from "node:fs";

const body = readFileSync(0, "utf8");

// eventsource-parser, as far as the SDK needs it: events end at a blank line, comments skipped,
// data lines joined with "\n"; parseJsonEventStream then drops "[DONE]" and JSON-parses the rest.
function* events(text) {
  let data = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      if (data.length) yield data.join("\n");
      data = [];
    } else if (line.startsWith(":")) {
      continue;
    } else if (line.startsWith("data:")) {
      data.push(line.slice(5).replace(/^ /, ""));
    }
  }
}

const message = { id: null, role: "assistant", metadata: null, parts: [] };
let activeText = {};
let activeReasoning = {};
const partialToolCalls = {};
let finishReason = null;
const errors = [];

function parsePartial(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function toolPart(id) {
  for (let i = message.parts.length - 1; i >= 0; i--) {
    if (message.parts[i].toolCallId === id) return message.parts[i];
  }
  throw new Error(`no tool part for ${id}`);
}

function mergeMetadata(metadata) {
  if (metadata != null) {
    message.metadata = message.metadata != null ? { ...message.metadata, ...metadata } : metadata;
  }
}

for (const data of events(body)) {
  if (data === "[DONE]") continue;
  const chunk = JSON.parse(data);
  switch (chunk.type) {
    case "text-start":
    case "reasoning-start": {
      const family = chunk.type.split("-")[0];
      const part = { type: family, text: "", state: "streaming" };
      (family === "text" ? activeText : activeReasoning)[chunk.id] = part;
      message.parts.push(part);
      break;
    }
    case "text-delta":
      activeText[chunk.id].text += chunk.delta; // throws, as the SDK does, when the part is not open
      break;
    case "reasoning-delta":
      activeReasoning[chunk.id].text += chunk.delta;
      break;
    case "text-end":
      activeText[chunk.id].state = "done";
      delete activeText[chunk.id];
      break;
    case "reasoning-end":
      activeReasoning[chunk.id].state = "done";
      delete activeReasoning[chunk.id];
      break;
    case "tool-input-start":
      partialToolCalls[chunk.toolCallId] = { text: "", toolName: chunk.toolName };
      message.parts.push({ type: `tool-${chunk.toolName}`, toolCallId: chunk.toolCallId, state: "input-streaming", input: null });
      break;
    case "tool-input-delta": {
      const call = partialToolCalls[chunk.toolCallId];
      call.text += chunk.inputTextDelta;
      toolPart(chunk.toolCallId).input = parsePartial(call.text);
      break;
    }
    case "tool-input-available":
      Object.assign(toolPart(chunk.toolCallId), { state: "input-available", input: chunk.input });
      break;
    case "tool-input-error":
      Object.assign(toolPart(chunk.toolCallId), {
        state: "output-error", input: null, rawInput: chunk.input, errorText: chunk.errorText,
      });
      break;
    case "start-step":
      message.parts.push({ type: "step-start" });
      break;
    case "finish-step":
      activeText = {};
      activeReasoning = {};
      break;
    case "start":
      if (chunk.messageId != null) message.id = chunk.messageId;
      mergeMetadata(chunk.messageMetadata);
      break;
    case "finish":
      if (chunk.finishReason != null) finishReason = chunk.finishReason;
      mergeMetadata(chunk.messageMetadata);
      break;
    case "message-metadata":
      mergeMetadata(chunk.messageMetadata);
      break;
    case "error":
      errors.push(chunk.errorText);
      break;
    default:
      if (chunk.type.startsWith("data-")) {
        if (chunk.transient) break;
        const existing = chunk.id != null
          ? message.parts.find((p) => p.type === chunk.type && p.id === chunk.id)
          : undefined;
        if (existing) existing.data = chunk.data;
        else message.parts.push(chunk);
      } else {
        throw new Error(`unknown chunk type ${chunk.type}`);
      }
  }
}

process.stdout.write(JSON.stringify({ message, finishReason, errors }));
