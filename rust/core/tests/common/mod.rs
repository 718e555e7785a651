//! Test helpers: a sink that records events as text, and one that rebuilds a `serde_json` value.
#![allow(dead_code)]

use instantjson_core::{Parser, ParserOptions, Repairs, Scalar, Seg, Sink};
use serde_json::{Map, Value};

/// Records every call as one line, with the path of the value, e.g. `delta steps[0].owner "an"`.
#[derive(Default)]
pub struct Dump {
    pub lines: Vec<String>,
    /// Path of each open container, and the path of the open string.
    paths: Vec<String>,
    open: String,
    /// Repairs told for the next done (written after it, so deltas still merge).
    repaired: Repairs,
}

/// A string as JSON text (unlike `{:?}`, it reads back with `serde_json`).
pub fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

impl Dump {
    fn child(&self, seg: Seg<'_>) -> String {
        let mut p = self.paths.last().cloned().unwrap_or_default();
        instantjson_core::path::push_seg(&mut p, seg, false);
        p
    }
}

impl Sink for Dump {
    fn begin_object(&mut self, seg: Seg<'_>) {
        let p = self.child(seg);
        self.paths.push(p);
    }
    fn begin_array(&mut self, seg: Seg<'_>) {
        let p = self.child(seg);
        self.paths.push(p);
    }
    fn end_container(&mut self) {
        let p = self.paths.pop().unwrap();
        self.lines.push(format!("end {p}"));
        self.take_repaired();
    }
    fn begin_string(&mut self, seg: Seg<'_>) {
        self.open = self.child(seg);
    }
    fn string_delta(&mut self, delta: &str) {
        assert!(!delta.is_empty(), "empty delta");
        self.lines.push(format!("delta {} {}", self.open, json(delta)));
    }
    fn end_string(&mut self, value: &str, last: &str) {
        assert!(value.ends_with(last));
        if !last.is_empty() {
            self.lines.push(format!("delta {} {}", self.open, json(last)));
        }
        self.lines.push(format!("done {} {}", self.open, json(value)));
        self.take_repaired();
    }
    fn scalar(&mut self, seg: Seg<'_>, value: Scalar<'_>) {
        let p = self.child(seg);
        let v = match value {
            Scalar::Null => "null".to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(n) => n.to_string(),
            Scalar::BigInt(t) => t.to_string(),
            Scalar::Float(f) => format!("{f:?}"),
        };
        self.lines.push(format!("done {p} {v}"));
        self.take_repaired();
    }
    fn repaired(&mut self, rules: Repairs) {
        self.repaired = rules;
    }
}

impl Dump {
    fn take_repaired(&mut self) {
        let r = std::mem::take(&mut self.repaired);
        if !r.is_empty() {
            let names: Vec<&str> = r.names().collect();
            self.lines.push(format!("repaired {}", names.join(",")));
        }
    }
}

/// Rebuilds the value as `serde_json` sees it (big integers become f64, as `serde_json` makes them).
#[derive(Default)]
pub struct Build {
    /// Open containers, each with its key in its parent (None under an array or at the root).
    stack: Vec<(Value, Option<String>)>,
    open_key: Option<String>,
    pub root: Option<Value>,
}

impl Build {
    fn put(&mut self, key: Option<String>, v: Value) {
        match self.stack.last_mut() {
            Some((Value::Object(m), _)) => {
                m.insert(key.expect("object member without key"), v);
            }
            Some((Value::Array(a), _)) => a.push(v),
            Some(_) => unreachable!(),
            None => self.root = Some(v),
        }
    }
}

fn key_of(seg: Seg<'_>) -> Option<String> {
    match seg {
        Seg::Key(k) => Some(k.to_string()),
        _ => None,
    }
}

impl Sink for Build {
    fn begin_object(&mut self, seg: Seg<'_>) {
        self.stack.push((Value::Object(Map::new()), key_of(seg)));
    }
    fn begin_array(&mut self, seg: Seg<'_>) {
        self.stack.push((Value::Array(vec![]), key_of(seg)));
    }
    fn end_container(&mut self) {
        let (v, key) = self.stack.pop().unwrap();
        self.put(key, v);
    }
    fn begin_string(&mut self, seg: Seg<'_>) {
        self.open_key = key_of(seg);
    }
    fn string_delta(&mut self, _: &str) {}
    fn end_string(&mut self, value: &str, _: &str) {
        let key = self.open_key.take();
        self.put(key, Value::String(value.to_string()));
    }
    fn scalar(&mut self, seg: Seg<'_>, value: Scalar<'_>) {
        let v = match value {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(n) => Value::from(n),
            Scalar::BigInt(t) => serde_json::from_str(t).unwrap(),
            Scalar::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        };
        self.put(key_of(seg), v);
    }
}

/// Parse `input` cut at `cuts` (byte positions); returns the dump and the error text if any.
pub fn dump_chunks(input: &[u8], cuts: &[usize], opts: ParserOptions) -> (Vec<String>, Option<String>) {
    let mut p = Parser::new(opts);
    let mut d = Dump::default();
    let mut last = 0;
    let mut err = None;
    for &c in cuts.iter().chain(std::iter::once(&input.len())) {
        let c = c.clamp(last, input.len());
        if let Err(e) = p.feed(&input[last..c], &mut d) {
            err = Some(e.to_string());
            break;
        }
        last = c;
    }
    if err.is_none() {
        if let Err(e) = p.finish(&mut d) {
            err = Some(e.to_string());
        }
    }
    (d.lines, err)
}

/// Merge consecutive deltas of one path, so dumps from different chunkings compare equal.
pub fn merge_deltas(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut acc: Option<(String, String)> = None;
    for l in lines {
        if let Some(rest) = l.strip_prefix("delta ") {
            let (path, text) = rest.split_at(rest.find(" \"").unwrap());
            let text: String = serde_json::from_str(&text[1..]).unwrap_or_default();
            match &mut acc {
                Some((p, t)) if p == path => t.push_str(&text),
                _ => {
                    if let Some((p, t)) = acc.take() {
                        out.push(format!("delta {p} {}", json(&t)));
                    }
                    acc = Some((path.to_string(), text));
                }
            }
        } else {
            if let Some((p, t)) = acc.take() {
                out.push(format!("delta {p} {}", json(&t)));
            }
            out.push(l.clone());
        }
    }
    if let Some((p, t)) = acc.take() {
        out.push(format!("delta {p} {}", json(&t)));
    }
    out
}
