//! Plain Chat Completions chunks, recognized without building Python objects.
//!
//! Nearly every chunk of a Chat Completions stream carries nothing but a few characters of
//! `choices[0].delta.content`, and the adapter (`openai.py`) turns it into the same two items
//! every time: the payload and its text. For such a chunk the frame decoder skips the payload's
//! dict: it parses the text into a small Rust tree, checks that the chunk is plain, and hands
//! Python the text alone (`Frame.text`). Any chunk with anything more (usage, a finish reason, an
//! error, tool calls, reasoning, a key this module does not list) is decoded in full as before and
//! goes through the adapter; so is every chunk while the adapter still needs the stream's id and
//! model. "Plain" is deliberately narrow: a chunk this module accepts is one for which the
//! adapter's result is its text alone (tested against the adapter on recorded streams and on
//! generated chunks).

use instantjson_core::{parse_whole_str, Build, ParserOptions};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

use crate::framing::Frame;

/// A JSON value, as far as the check needs it.
enum Val {
    Null,
    Str(String),
    Int(i64),
    /// Any other scalar (true, false, a float, a big integer).
    Other,
    Arr(Vec<Val>),
    Obj(Vec<(Key, Val)>),
    /// An object key (only while an object is built).
    Key(Key),
}

/// The keys a plain chunk may hold (no allocation per key); any other is `Unknown`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Id,
    Model,
    Created,
    SystemFingerprint,
    ServiceTier,
    Obfuscation,
    Object,
    Usage,
    Choices,
    Index,
    FinishReason,
    Logprobs,
    Delta,
    Content,
    Role,
    Unknown,
}

impl Key {
    fn of(text: &str) -> Key {
        match text {
            "id" => Key::Id,
            "model" => Key::Model,
            "created" => Key::Created,
            "system_fingerprint" => Key::SystemFingerprint,
            "service_tier" => Key::ServiceTier,
            "obfuscation" => Key::Obfuscation,
            "object" => Key::Object,
            "usage" => Key::Usage,
            "choices" => Key::Choices,
            "index" => Key::Index,
            "finish_reason" => Key::FinishReason,
            "logprobs" => Key::Logprobs,
            "delta" => Key::Delta,
            "content" => Key::Content,
            "role" => Key::Role,
            _ => Key::Unknown,
        }
    }
}

/// Builds the tree. Only the strings the check reads are kept (the value of `content` and of
/// `object`): the key just read tells, since a string value follows its key directly. Any other
/// string is `Other`, which no check accepts where it wants a string.
struct Tree {
    last_key: Key,
}

impl Build for Tree {
    type Value = Val;
    fn null(&mut self) -> Option<Val> {
        Some(Val::Null)
    }
    fn boolean(&mut self, _: bool) -> Option<Val> {
        Some(Val::Other)
    }
    fn int(&mut self, value: i64) -> Option<Val> {
        Some(Val::Int(value))
    }
    fn big_int(&mut self, _: &str) -> Option<Val> {
        None // beyond i64: the full path decides (Python's digit limit may fail the payload)
    }
    fn float(&mut self, _: f64) -> Option<Val> {
        Some(Val::Other)
    }
    fn string(&mut self, text: &str, _: bool) -> Option<Val> {
        Some(match self.last_key {
            Key::Content | Key::Object => Val::Str(text.to_owned()),
            _ => Val::Other,
        })
    }
    fn key(&mut self, text: &str, _: bool) -> Option<Val> {
        // a key no plain chunk has: give up at once (the chunk goes the full way)
        let key = Some(Key::of(text)).filter(|k| *k != Key::Unknown)?;
        self.last_key = key;
        Some(Val::Key(key))
    }
    fn array(&mut self, items: std::vec::Drain<'_, Val>) -> Option<Val> {
        Some(Val::Arr(items.collect()))
    }
    fn object(&mut self) -> Option<Val> {
        Some(Val::Obj(Vec::with_capacity(8))) // a chunk's objects have up to 8 members
    }
    fn insert(&mut self, object: &mut Val, key: Val, value: Val) -> Option<()> {
        let (Val::Obj(members), Val::Key(key)) = (object, key) else {
            return None;
        };
        // a later duplicate replaces the value, as in the dict Python would build
        match members.iter_mut().find(|(k, _)| *k == key) {
            Some(member) => member.1 = value,
            None => members.push((key, value)),
        }
        Some(())
    }
}

/// The text of `data` when it is a plain Chat Completions chunk (see the module docs), else None.
pub fn plain_chat_text(data: &str) -> Option<String> {
    let opts = ParserOptions::default().with_string_deltas(false);
    let mut tree = Tree { last_key: Key::Unknown };
    let Val::Obj(top) = parse_whole_str(data, &opts, &mut tree)? else {
        return None;
    };
    let mut text = None;
    for (key, value) in top {
        match key {
            // read by the adapter only while it still needs the id and model (then: no fast path)
            Key::Id | Key::Model | Key::Created | Key::SystemFingerprint | Key::ServiceTier | Key::Obfuscation => {}
            Key::Object if matches!(&value, Val::Str(s) if s == "chat.completion.chunk") => {}
            Key::Usage if matches!(value, Val::Null) => {}
            Key::Choices => text = Some(choice_text(value)?),
            _ => return None,
        }
    }
    text
}

/// `choices`: one choice, index 0, a delta of text only, no finish reason.
fn choice_text(choices: Val) -> Option<String> {
    let Val::Arr(mut choices) = choices else { return None };
    let Some(Val::Obj(choice)) = choices.pop().filter(|_| choices.is_empty()) else {
        return None;
    };
    let mut text = None;
    for (key, value) in choice {
        match key {
            Key::Index if matches!(value, Val::Int(0)) => {}
            Key::FinishReason if matches!(value, Val::Null) => {}
            Key::Logprobs => {}
            Key::Delta => text = Some(delta_text(value)?),
            _ => return None,
        }
    }
    text
}

/// `delta`: `content` a string, beside at most `role` and `index`.
fn delta_text(delta: Val) -> Option<String> {
    let Val::Obj(delta) = delta else { return None };
    let mut text = None;
    for (key, value) in delta {
        match (key, value) {
            (Key::Content, Val::Str(s)) => text = Some(s),
            (Key::Role | Key::Index, _) => {}
            _ => return None,
        }
    }
    text
}

/// What `plain_chat_entries` returns: entries, texts, the parse error, the end of the run, and
/// the events that stopped it for typed output.
type PlainRun<'py> = (
    Bound<'py, PyList>,
    Bound<'py, PyList>,
    Option<Bound<'py, PyAny>>,
    usize,
    Option<Bound<'py, PyList>>,
);

/// The log entries of the run of plain chunks in `frames` from index `start` on, made in one
/// call instead of one Python step per chunk (`Pipeline._feed_frames`, while the adapter's
/// `plain_texts_only` holds): for each chunk `"original_delta"` and its JSON text, then, when its
/// text is not empty, `"delta"` and the text and `"instant"` and each event `parse(text)` returns.
/// A `ParseError` from `parse` is logged as `"_parse_error"` and `parse` is not called again.
///
/// With `typed` (typed output, #10), the run also stops after a chunk whose events the typed
/// tracker must see: more than one, or one that is complete; and, when `done_of` is given (the
/// parser, while the tracker says the root may close), after a chunk that left `done_of.done`
/// true. The caller feeds those events to the tracker and goes on.
///
/// Returns `(entries, texts, error, end, stopped)`: the entries laid flat, the run's non-empty
/// texts, the `ParseError` raised in the run (or None), the index of the first frame not taken
/// (the first that is not a plain chunk, `len(frames)` when all are, or the one after the chunk
/// that stopped the run for typed output), and that chunk's events (None when nothing stopped
/// it). Any other exception from `parse` propagates, as it would from the Python path.
#[pyfunction]
#[pyo3(signature = (frames, start, parse, typed=false, done_of=None))]
pub fn plain_chat_entries<'py>(
    py: Python<'py>,
    frames: &Bound<'py, PyList>,
    start: usize,
    parse: Option<Bound<'py, PyAny>>,
    typed: bool,
    done_of: Option<&Bound<'py, PyAny>>,
) -> PyResult<PlainRun<'py>> {
    let (original, delta, instant) = (
        intern!(py, "original_delta"),
        intern!(py, "delta"),
        intern!(py, "instant"),
    );
    let mut entries: Vec<Bound<'py, PyAny>> = Vec::new();
    let mut texts: Vec<Bound<'py, PyString>> = Vec::new();
    let mut parse = parse;
    let mut error = None;
    let mut stopped = None;
    let mut end = start;
    while end < frames.len() {
        let item = frames.get_item(end)?;
        let Ok(frame) = item.cast::<Frame>() else { break };
        let frame = frame.get();
        let Some(chunk) = &frame.text else { break };
        end += 1;
        entries.push(original.clone().into_any());
        entries.push(frame.data.bind(py).clone().into_any());
        let chunk = chunk.bind(py);
        if chunk.len()? == 0 {
            continue;
        }
        texts.push(chunk.clone());
        entries.push(delta.clone().into_any());
        entries.push(chunk.clone().into_any());
        let Some(feed) = &parse else { continue };
        match feed.call1((chunk,)) {
            Ok(events) => {
                let events = events.cast_into::<PyList>()?;
                for event in events.iter() {
                    entries.push(instant.clone().into_any());
                    entries.push(event);
                }
                if typed && typed_must_see(py, &events, done_of)? {
                    stopped = Some(events);
                    break;
                }
            }
            Err(err) if err.is_instance(py, crate::errors::parse_error_class(py)?) => {
                let value = err.into_value(py).into_bound(py).into_any();
                entries.push(intern!(py, "_parse_error").clone().into_any());
                entries.push(value.clone());
                error = Some(value);
                parse = None;
            }
            Err(err) => return Err(err),
        }
    }
    Ok((PyList::new(py, entries)?, PyList::new(py, texts)?, error, end, stopped))
}

/// Whether the typed tracker must see a chunk's `events` (`Pipeline._feed_typed`): more than
/// one, one that is complete, or none or one delta that left `done_of.done` true.
fn typed_must_see(py: Python<'_>, events: &Bound<'_, PyList>, done_of: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
    match events.len() {
        0 => {}
        1 => {
            let first = events.get_item(0)?;
            if first.getattr(intern!(py, "is_complete"))?.is_truthy()? {
                return Ok(true);
            }
        }
        _ => return Ok(true),
    }
    match done_of {
        Some(parser) => parser.getattr(intern!(py, "done"))?.is_truthy(),
        None => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::plain_chat_text;

    #[test]
    fn only_text_chunks_are_plain() {
        let plain = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi \"x\""},"logprobs":null,"finish_reason":null}]}"#;
        assert_eq!(plain_chat_text(plain).as_deref(), Some("Hi \"x\""));
        for not_plain in [
            r#"{"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]}"#,
            r#"{"choices":[{"index":1,"delta":{"content":"a"}}]}"#,
            r#"{"choices":[{"delta":{"content":"a","refusal":null}}]}"#,
            r#"{"choices":[{"delta":{"content":null}}]}"#,
            r#"{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}"#,
            r#"{"choices":[{"delta":{"content":"a"}}],"usage":{"prompt_tokens":1}}"#,
            r#"{"choices":[{"delta":{"content":"a"}}],"error":null}"#,
            r#"{"choices":[{"delta":{"content":"a"}}],"object":"error"}"#,
            r#"{"choices":[]}"#,
            r#"{"created":123456789012345678901234567890,"choices":[{"delta":{"content":"a"}}]}"#,
            r#"{"choices":[{"delta":{"content":"a"}}],"#,
            "[1]",
        ] {
            assert_eq!(plain_chat_text(not_plain), None, "{not_plain}");
        }
    }
}
