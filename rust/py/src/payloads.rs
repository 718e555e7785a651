//! `PayloadTexts`: the JSON texts of one response's `original_delta` payloads, each kept as its
//! difference from a reference text.
//!
//! A provider streams hundreds of payloads that repeat nearly all of their bytes: a Chat
//! Completions chunk is about 200 bytes of which only the few of `delta.content` change. Each text
//! is kept as the bytes that differ from the last reference text (`mid`) plus how many bytes of
//! the reference come before (`head`) and after (`tail`) them; a text that differs from its
//! reference in more than half of its bytes becomes the next reference. Appending is one pass over
//! the text (no compression, no Python object); reading text `k` is two copies.
//!
//! The replay log (`_replay.py`) keeps one store per response: the flat list's slot of every
//! payload text holds the store, and `at(pos)` finds the text by that slot's flat position. A
//! finished log keeps `export()`'s bytes compressed (the columns repeat: the head and tail of
//! consecutive texts are mostly equal) and `load()`s them again for a late reader.

use std::sync::{Mutex, MutexGuard};

use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

use crate::strings::{new_str, utf8_of};

/// One reference text: the index of the first text that uses it, and its bytes.
struct Reference {
    first: u32,
    text: Box<str>,
}

#[derive(Default)]
struct Store {
    references: Vec<Reference>,
    /// Per text: its slot's position in the log's flat list (strictly increasing).
    pos: Vec<u32>,
    /// Per text: the bytes of its reference before and after its own bytes.
    head: Vec<u32>,
    tail: Vec<u32>,
    /// Per text: the end of its own bytes in `mids`.
    end: Vec<u32>,
    mids: String,
}

/// The longest common prefix and suffix of `a` and `b` in bytes, on character boundaries, not
/// overlapping in either.
fn affixes(a: &str, b: &str) -> (usize, usize) {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let mut p = x.iter().zip(y).take_while(|(c, d)| c == d).count();
    while !b.is_char_boundary(p) {
        p -= 1;
    }
    let room = x.len().min(y.len()) - p;
    let mut s = x
        .iter()
        .rev()
        .zip(y.iter().rev())
        .take(room)
        .take_while(|(c, d)| c == d)
        .count();
    while !b.is_char_boundary(y.len() - s) {
        s -= 1;
    }
    (p, s)
}

fn too_large() -> PyErr {
    PyValueError::new_err("a payload log holds at most 4 GiB of text")
}

fn index(n: usize) -> PyResult<u32> {
    u32::try_from(n).map_err(|_| too_large())
}

impl Store {
    fn push(&mut self, text: &str, pos: u32) -> PyResult<()> {
        let k = index(self.pos.len())?;
        // (head, tail, own bytes) against the last reference, if it shares half of the text;
        // else the text is the next reference: all of it is its own head
        let diff = self.references.last().and_then(|r| {
            let (p, s) = affixes(&r.text, text);
            let mid = &text[p..text.len() - s];
            (mid.len() * 2 <= text.len()).then_some((p, s, mid))
        });
        let (head, tail, mid) = diff.unwrap_or((text.len(), 0, ""));
        // every number checked before anything is written: a store is never half-appended
        let (head, tail, end) = (index(head)?, index(tail)?, index(self.mids.len() + mid.len())?);
        if diff.is_none() {
            self.references.push(Reference {
                first: k,
                text: text.into(),
            });
        }
        self.mids.push_str(mid);
        self.pos.push(pos);
        self.head.push(head);
        self.tail.push(tail);
        self.end.push(end);
        Ok(())
    }

    /// Text `k`, rebuilt.
    fn text(&self, k: usize) -> String {
        let r = self.references.partition_point(|r| r.first as usize <= k) - 1;
        let reference = &self.references[r].text;
        let start = if k == 0 { 0 } else { self.end[k - 1] as usize };
        let mid = &self.mids[start..self.end[k] as usize];
        let (head, tail) = (self.head[k] as usize, self.tail[k] as usize);
        let mut out = String::with_capacity(head + mid.len() + tail);
        out.push_str(&reference[..head]);
        out.push_str(mid);
        out.push_str(&reference[reference.len() - tail..]);
        out
    }

    fn find(&self, pos: usize) -> Option<usize> {
        let k = self.pos.partition_point(|&p| (p as usize) < pos);
        (k < self.pos.len() && self.pos[k] as usize == pos).then_some(k)
    }
}

/// The JSON texts of a response's payloads, each kept as its difference from a reference text
/// (see the module docs). Private to the replay log.
#[pyclass(frozen, module = "instantjson._core", name = "PayloadTexts")]
pub struct PayloadTexts {
    store: Mutex<Store>,
}

impl PayloadTexts {
    fn lock(&self) -> MutexGuard<'_, Store> {
        // a panic cannot leave a store half-written in a way readers would trip on: recover
        self.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[pymethods]
impl PayloadTexts {
    #[new]
    fn new() -> Self {
        PayloadTexts {
            store: Mutex::new(Store::default()),
        }
    }

    /// Take the payload texts of `pairs` (a flat `[event, value, ...]` list about to be
    /// appended at flat position `base`): every value after `event` that is a `str` is kept
    /// here and its slot in `pairs` replaced by this store. Returns how many were taken.
    fn absorb(
        slf: &Bound<'_, Self>,
        pairs: &Bound<'_, PyList>,
        base: usize,
        event: &Bound<'_, PyString>,
    ) -> PyResult<usize> {
        let this = slf.get();
        let mut store = this.lock();
        let mut buf = String::new();
        let mut taken = 0;
        let mut j = 1;
        while j < pairs.len() {
            let name = pairs.get_item(j - 1)?;
            if name.is(event) || (name.is_exact_instance_of::<PyString>() && name.eq(event)?) {
                let value = pairs.get_item(j)?;
                if let Ok(text) = value.cast_exact::<PyString>() {
                    store.push(&utf8_of(text, &mut buf), index(base + j)?)?;
                    pairs.set_item(j, slf)?;
                    taken += 1;
                }
            }
            j += 2;
        }
        Ok(taken)
    }

    /// The text whose slot is at flat position `pos`.
    fn at<'py>(&self, py: Python<'py>, pos: usize) -> PyResult<Bound<'py, PyString>> {
        let store = self.lock();
        let k = store
            .find(pos)
            .ok_or_else(|| PyIndexError::new_err(format!("no payload text at flat position {pos}")))?;
        Ok(new_str(py, &store.text(k)))
    }

    /// Text `k` (in order of appending).
    fn text<'py>(&self, py: Python<'py>, k: usize) -> PyResult<Bound<'py, PyString>> {
        let store = self.lock();
        if k >= store.pos.len() {
            return Err(PyIndexError::new_err("payload text index out of range"));
        }
        Ok(new_str(py, &store.text(k)))
    }

    fn __len__(&self) -> usize {
        self.lock().pos.len()
    }

    /// The bytes this store holds (its texts' differences, references and columns).
    #[getter]
    fn nbytes(&self) -> usize {
        let s = self.lock();
        s.mids.len() + s.references.iter().map(|r| r.text.len() + 24).sum::<usize>() + s.pos.len() * 16
    }

    /// Everything, as bytes for `load()` (columns in little-endian u32: they compress well).
    fn export<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let s = self.lock();
        let mut out: Vec<u8> = Vec::with_capacity(s.mids.len() + s.pos.len() * 16 + 64);
        let mut put = |v: u32| out.extend_from_slice(&v.to_le_bytes());
        #[allow(clippy::cast_possible_truncation)] // every length was checked to fit at push
        {
            put(s.references.len() as u32);
            put(s.pos.len() as u32);
            for r in &s.references {
                put(r.first);
                put(r.text.len() as u32);
            }
            let mut last = 0;
            for &p in &s.pos {
                put(p - last); // small steps compress better than positions
                last = p;
            }
            s.head.iter().for_each(|&v| put(v));
            s.tail.iter().for_each(|&v| put(v));
            let mut last = 0;
            for &e in &s.end {
                put(e - last);
                last = e;
            }
        }
        for r in &s.references {
            out.extend_from_slice(r.text.as_bytes());
        }
        out.extend_from_slice(s.mids.as_bytes());
        PyBytes::new(py, &out)
    }

    /// A store from `export()`'s bytes.
    #[staticmethod]
    fn load(data: &[u8]) -> PyResult<Self> {
        let bad = || PyValueError::new_err("not the bytes of PayloadTexts.export()");
        let mut at = 0usize;
        let mut get = || -> PyResult<u32> {
            let v = data.get(at..at + 4).ok_or_else(bad)?;
            at += 4;
            Ok(u32::from_le_bytes([v[0], v[1], v[2], v[3]]))
        };
        let (refs, n) = (get()? as usize, get()? as usize);
        let mut spans = Vec::with_capacity(refs.min(data.len()));
        for _ in 0..refs {
            spans.push((get()?, get()? as usize));
        }
        let mut column = |delta: bool| -> PyResult<Vec<u32>> {
            let mut out = Vec::with_capacity(n.min(data.len()));
            let mut last = 0u32;
            for _ in 0..n {
                let v = get()?;
                last = if delta { last.checked_add(v).ok_or_else(bad)? } else { v };
                out.push(last);
            }
            Ok(out)
        };
        let (pos, head, tail, end) = (column(true)?, column(false)?, column(false)?, column(true)?);
        let text = std::str::from_utf8(&data[at..]).map_err(|_| bad())?;
        let mut offset = 0;
        let mut references = Vec::with_capacity(spans.len());
        for (first, len) in spans {
            let t = text.get(offset..offset + len).ok_or_else(bad)?;
            references.push(Reference { first, text: t.into() });
            offset += len;
        }
        let mids = text.get(offset..).ok_or_else(bad)?.to_owned();
        let store = Store {
            references,
            pos,
            head,
            tail,
            end,
            mids,
        };
        // every text must rebuild within its bounds
        for k in 0..n {
            let r = store.references.partition_point(|r| r.first as usize <= k);
            let start = if k == 0 { 0 } else { store.end[k - 1] as usize };
            let (end, head, tail) = (store.end[k] as usize, store.head[k] as usize, store.tail[k] as usize);
            let fits =
                |t: &str, a: usize, b: usize| a <= b && b <= t.len() && t.is_char_boundary(a) && t.is_char_boundary(b);
            let ok = r > 0 && fits(&store.mids, start, end) && {
                let t = &store.references[r - 1].text;
                head + tail <= t.len() && fits(t, head, t.len() - tail)
            };
            if !ok {
                return Err(bad());
            }
        }
        Ok(PayloadTexts {
            store: Mutex::new(store),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::affixes;

    #[test]
    fn affixes_keep_characters_whole() {
        assert_eq!(affixes("abcXdef", "abcYYdef"), (3, 3));
        assert_eq!(affixes("aé", "aè"), (1, 0)); // é and è share their first UTF-8 byte
        assert_eq!(affixes("aaa", "aa"), (2, 0));
        assert_eq!(affixes("", "x"), (0, 0));
    }
}
