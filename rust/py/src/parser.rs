//! `InstantParser`, `loads` and `parse_partial`: argument handling and conversion around the core.

use std::collections::HashSet;

use instantjson_core::{ParseErrorKind, Parser, ParserOptions};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyString};
use pyo3::{PyTraverseError, PyVisit};

use crate::build::{prefix_seg, Builder, Emit, ListRing, PySink};
use crate::errors::parse_error;
use crate::event::{Node, NodeSeg};
use crate::strings::utf8_of;

/// Incremental JSON parser that emits instant path events. One parser per stream.
///
/// `feed(chunk)` takes the next piece (a `str`, or UTF-8 `bytes` that may split a character) and
/// returns the events it completed; `finish()` marks the end of input. `lenient=True` accepts what
/// language models write (prose or a ```json fence around the JSON, single quotes, unquoted keys,
/// trailing commas, comments, Python literals, NaN/Infinity, raw control characters, unknown
/// escapes) and completes a truncated input at `finish()`. `paths=["title", "steps[*].owner"]`
/// keeps only the events whose path or wildcard path is listed; `deltas=False` makes done events
/// only. `prefix=("$tool_calls", 0, "arguments")` puts every path under that prefix (the root
/// value then gets events too). Limits, each a `ParseError` when passed (`None`: no limit):
/// `max_depth` nesting (512), `max_string_length` UTF-8 bytes per string or key (16 MiB),
/// `max_number_length` characters per number (4096), `max_input_size` bytes in all (64 MiB).
#[pyclass(module = "instantjson", name = "InstantParser")]
pub struct InstantParser {
    parser: Parser,
    builder: Builder,
    /// The UTF-8 of the last non-ASCII `str` chunk (reused).
    utf8: String,
    /// The lists `feed()` returned, to refill (see `ListRing`).
    lists: ListRing,
}

/// The bytes of a chunk that is neither `str` nor `bytes`: a `bytearray`, a `memoryview` or
/// another buffer.
fn other_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    let b = obj.py().import("builtins")?.getattr("bytes")?.call1((obj,))?;
    Ok(b.cast::<PyBytes>()?.as_bytes().to_vec())
}

impl InstantParser {
    fn run(&mut self, py: Python<'_>, chunk: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyList>> {
        let Self {
            parser,
            builder,
            utf8,
            lists,
        } = self;
        let mut sink = PySink::new(py, builder);
        let result = match chunk {
            None => parser.finish(&mut sink),
            Some(obj) => {
                if let Ok(s) = obj.cast::<PyString>() {
                    let text = utf8_of(s, utf8);
                    if let std::borrow::Cow::Borrowed(t) = text {
                        // Deltas equal to the whole chunk are the chunk's own `str`.
                        sink = sink.with_input(t, s);
                    }
                    parser.feed_str(&text, &mut sink)
                } else if let Ok(b) = obj.cast::<PyBytes>() {
                    parser.feed(b.as_bytes(), &mut sink)
                } else {
                    let owned = other_bytes(obj)?;
                    parser.feed(&owned, &mut sink)
                }
            }
        };
        let error = sink.error;
        // The events stay in the builder's vector between calls, for its capacity.
        let events = lists.take(py, &mut builder.events)?;
        if chunk.is_none() || error.is_some() || result.is_err() {
            // No more lists to hand out: the parser has ended or failed.
            lists.clear();
        }
        if let Some(err) = error {
            // A value that Python would not build (an integer beyond `sys.get_int_max_str_digits()`)
            // is a number too long; anything else (out of memory) stops the parser as it is.
            // Either way the parser is failed from here on, as after any error.
            if err.is_instance_of::<pyo3::exceptions::PyValueError>(py) {
                let limit = python_int_digits(py);
                let e = parser.abort(ParseErrorKind::NumberTooLong(limit));
                return Err(parse_error(py, &e, Some(events.into_any())));
            }
            parser.abort(ParseErrorKind::Aborted);
            return Err(err);
        }
        match result {
            Ok(()) => Ok(events.unbind()),
            Err(e) => Err(parse_error(py, &e, Some(events.into_any()))),
        }
    }
}

/// Python's limit on the digits of an `int` made from text (`sys.get_int_max_str_digits()`).
pub fn python_int_digits(py: Python<'_>) -> usize {
    py.import("sys")
        .and_then(|sys| sys.getattr("get_int_max_str_digits")?.call0()?.extract::<usize>())
        .unwrap_or(4300)
}

fn options(lenient: bool, max_depth: usize, deltas: bool) -> ParserOptions {
    ParserOptions::default()
        .with_lenient(lenient)
        .with_max_depth(max_depth)
        .with_string_deltas(deltas)
}

#[pymethods]
impl InstantParser {
    #[new]
    #[pyo3(signature = (lenient=false, max_depth=512, paths=None, deltas=true, *, prefix=None,
                        max_string_length=16_777_216, max_number_length=4096, max_input_size=67_108_864))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        lenient: bool,
        max_depth: usize,
        paths: Option<Vec<String>>,
        deltas: bool,
        prefix: Option<Vec<Bound<'_, PyAny>>>,
        max_string_length: Option<usize>,
        max_number_length: Option<usize>,
        max_input_size: Option<u64>,
    ) -> PyResult<Self> {
        // `None` lifts the limit, as for the other two (Python's own digit limit for int still applies).
        let opts = options(lenient, max_depth, deltas)
            .with_max_string_len(max_string_length)
            .with_max_number_len(max_number_length.unwrap_or(usize::MAX))
            .with_max_input_len(max_input_size);
        let emit = match paths {
            None => Emit::All,
            Some(paths) => Emit::Only(paths.into_iter().map(String::into_boxed_str).collect::<HashSet<_>>()),
        };
        let mut root = Node::new(None, NodeSeg::Root);
        for item in prefix.unwrap_or_default() {
            root = Node::new(Some(root), prefix_seg(&item)?);
        }
        Ok(InstantParser {
            parser: Parser::new(opts),
            builder: Builder::new(emit, root.clone()),
            utf8: String::new(),
            lists: ListRing::default(),
        })
    }

    /// Parse the next piece of the stream; returns the events it completed, in document order.
    /// Raises `ParseError` for input that can never be valid (its `.events` holds the events of
    /// this call before the error); a failed parser raises the same error on every later call.
    /// The list is the caller's: once nothing else holds it, a later call may refill the same
    /// list object (no allocation per token), but a list that is kept never changes.
    fn feed(&mut self, py: Python<'_>, chunk: &Bound<'_, PyAny>) -> PyResult<Py<PyList>> {
        self.run(py, Some(chunk))
    }

    /// Mark the end of input and return the last events. Strict: a value still open is a
    /// `ParseError`. Lenient: it is completed (see `truncated`).
    fn finish(&mut self, py: Python<'_>) -> PyResult<Py<PyList>> {
        self.run(py, None)
    }

    /// The partial value so far: a key appears once its value has started (a string with its
    /// text so far, a container as it fills), numbers and literals once complete. `None` before
    /// anything has started. Each call returns a new copy of the open containers.
    fn snapshot(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.builder.snapshot(py, self.parser.open_string())
    }

    /// The final value. `ParseError` until the root has closed (or a lenient `finish()`
    /// completed it), and after an error.
    #[getter]
    fn value(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if let Some(e) = self.parser.error() {
            return Err(parse_error(py, e, None));
        }
        match (self.parser.is_root_done(), self.builder.root(py)) {
            (true, Some(v)) => Ok(v),
            _ => Err(crate::errors::incomplete(py, &self.parser)),
        }
    }

    /// True when a lenient `finish()` had to complete an unfinished input.
    #[getter]
    fn truncated(&self) -> bool {
        self.parser.is_truncated()
    }

    /// Lenient: how many repairs were made so far (docs: the repair rules). Each repaired value's
    /// done event has `repaired` True.
    #[getter]
    fn repairs(&self) -> u64 {
        self.parser.repairs()
    }

    /// Lenient: the names of the repair rules used so far, in a fixed order.
    #[getter]
    fn repair_rules(&self) -> Vec<&'static str> {
        self.parser.repair_rules().names().collect()
    }

    /// Lenient: the text after the root value, verbatim (not parsed).
    #[getter]
    fn trailing(&self) -> &str {
        self.parser.trailing()
    }

    /// True once the root value has closed or `finish()` has run.
    #[getter]
    fn done(&self) -> bool {
        self.parser.is_root_done() || self.parser.is_finished()
    }

    #[getter]
    fn lenient(&self) -> bool {
        self.parser.options().lenient
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.lists.traverse(&visit)
    }

    fn __clear__(&mut self) {
        self.lists.clear();
    }

    fn __repr__(&self) -> String {
        let o = self.parser.options();
        format!(
            "InstantParser(lenient={}, max_depth={}, deltas={})",
            if o.lenient { "True" } else { "False" },
            o.max_depth,
            if o.string_deltas { "True" } else { "False" }
        )
    }
}

/// Parse a whole JSON text and return its value (no events are made).
#[pyfunction]
#[pyo3(signature = (text, lenient=false, max_depth=512))]
pub fn loads(py: Python<'_>, text: &Bound<'_, PyAny>, lenient: bool, max_depth: usize) -> PyResult<Py<PyAny>> {
    if let Some(value) = crate::whole::loads_whole(py, text, &options(lenient, max_depth, false)) {
        return Ok(value);
    }
    let mut p = quiet_parser(lenient, max_depth);
    p.run(py, Some(text))?;
    p.run(py, None)?;
    p.value(py)
}

/// Feed the whole text and return `snapshot()`: the value as far as it goes.
#[pyfunction]
#[pyo3(signature = (text, lenient=false, max_depth=512))]
pub fn parse_partial(py: Python<'_>, text: &Bound<'_, PyAny>, lenient: bool, max_depth: usize) -> PyResult<Py<PyAny>> {
    let mut p = quiet_parser(lenient, max_depth);
    p.run(py, Some(text))?;
    p.snapshot(py)
}

/// A parser that builds values only, for the one-shot helpers and frame payloads.
pub fn quiet_parser(lenient: bool, max_depth: usize) -> InstantParser {
    InstantParser {
        parser: Parser::new(options(lenient, max_depth, false)),
        builder: Builder::new(Emit::Nothing, Node::new(None, NodeSeg::Root)),
        utf8: String::new(),
        lists: ListRing::default(),
    }
}
