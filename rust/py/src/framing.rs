//! `SSEDecoder`, `NDJSONDecoder` and `Frame`: the core's frame decoders, with each payload decoded
//! by the core's JSON parser in the same call.

use instantjson_core::framing::{FramingError, NdjsonDecoder, SseDecoder, SseFrame};
use instantjson_core::{Parser, ParserOptions};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

use crate::build::{Builder, PySink};
use crate::errors::{framing_error, parse_error};
use crate::event::{Node, NodeSeg};
use crate::strings::new_str;

/// One decoded frame of an SSE or NDJSON stream.
///
/// `event` is the SSE `event:` field (None when absent, and for NDJSON), `data` the payload text
/// (SSE data lines joined with newlines; one NDJSON line), `id` and `retry` the SSE fields in
/// effect. `value` is the payload decoded as JSON when it looks like JSON (starts with `{`, `[` or
/// `"`), else None (`[DONE]`); when it looks like JSON but is not, `value` is None and `error` holds
/// the `ParseError`. The dicts and lists of `value` are not tracked by the cycle collector (they
/// hold plain JSON data and a response keeps every payload): do not build cycles out of them.
/// `text`: only from a decoder made with `plain_chat=True`, the text of a plain Chat Completions
/// chunk (`value` is then None: see `plain.rs`), else None.
#[pyclass(frozen, module = "instantjson", name = "Frame", get_all)]
pub struct Frame {
    event: Option<Py<PyString>>,
    pub(crate) data: Py<PyString>,
    id: Option<Py<PyString>>,
    retry: Option<u64>,
    value: Py<PyAny>,
    error: Option<Py<PyAny>>,
    pub(crate) text: Option<Py<PyString>>,
}

#[pymethods]
impl Frame {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let event = match &self.event {
            Some(e) => e.bind(py).repr()?.to_string(),
            None => "None".to_string(),
        };
        Ok(format!("Frame(event={event}, data={})", self.data.bind(py).repr()?))
    }
}

/// Decodes frame payloads with the strict parser. One per frame decoder, reused for every frame:
/// the parser keeps its buffers and the builder its key cache, so the keys every payload of a
/// stream repeats (`choices`, `delta`, `content`...) are the same Python strings, made and hashed
/// once per stream instead of once per frame.
struct Payloads {
    parser: Parser,
    builder: Builder,
    /// Recognize plain Chat Completions chunks (`Frame.text`).
    plain_chat: bool,
}

impl Payloads {
    fn new(plain_chat: bool) -> Self {
        Payloads {
            parser: Parser::new(ParserOptions::default().with_string_deltas(false)),
            builder: Builder::untracked(Node::new(None, NodeSeg::Root)),
            plain_chat,
        }
    }

    /// Decode a payload: (value, error).
    fn decode(&mut self, py: Python<'_>, data: &str) -> PyResult<(Py<PyAny>, Option<Py<PyAny>>)> {
        let looks_like_json =
            data != "[DONE]" && matches!(data.trim_start().as_bytes().first(), Some(b'{' | b'[' | b'"'));
        if !looks_like_json {
            return Ok((py.None(), None));
        }
        let (parser, builder) = (&mut self.parser, &mut self.builder);
        parser.reset();
        builder.reset();
        let mut sink = PySink::new(py, builder);
        let result = parser.feed_str(data, &mut sink).and_then(|()| parser.finish(&mut sink));
        if let Some(err) = sink.error.take() {
            // An integer beyond Python's digit limit: this payload's error, not the stream's.
            if err.is_instance_of::<pyo3::exceptions::PyValueError>(py) {
                let e = parser.abort(instantjson_core::ParseErrorKind::NumberTooLong(
                    crate::parser::python_int_digits(py),
                ));
                return Ok((py.None(), Some(parse_error(py, &e, None).into_value(py).into_any())));
            }
            return Err(err);
        }
        let value = match result {
            Ok(()) => Ok((builder.root(py).unwrap_or_else(|| py.None()), None)),
            Err(e) => Ok((py.None(), Some(parse_error(py, &e, None).into_value(py).into_any()))),
        };
        builder.reset(); // the value belongs to its frame now
        value
    }

    fn frames_to_py(&mut self, py: Python<'_>, frames: Vec<SseFrame>) -> PyResult<Py<PyList>> {
        let mut out = Vec::with_capacity(frames.len());
        for f in frames {
            let text = if self.plain_chat {
                crate::plain::plain_chat_text(&f.data)
            } else {
                None
            };
            let (value, error) = match text {
                Some(_) => (py.None(), None),
                None => self.decode(py, &f.data)?,
            };
            let frame = Frame {
                event: f.event.map(|e| new_str(py, &e).unbind()),
                data: new_str(py, &f.data).unbind(),
                id: f.id.map(|i| new_str(py, &i).unbind()),
                retry: f.retry,
                value,
                error,
                text: text.map(|t| new_str(py, &t).unbind()),
            };
            out.push(Py::new(py, frame)?);
        }
        Ok(PyList::new(py, out)?.unbind())
    }

    /// Run one decoder step and convert its frames. Frames completed before an error are still
    /// decoded; the error wins.
    fn step(
        &mut self,
        py: Python<'_>,
        step: impl FnOnce(&mut Vec<SseFrame>) -> Result<(), FramingError>,
    ) -> PyResult<Py<PyList>> {
        let mut frames = Vec::new();
        let result = step(&mut frames);
        let list = self.frames_to_py(py, frames)?;
        match result {
            Ok(()) => Ok(list),
            Err(e) => Err(framing_error(py, &e)),
        }
    }
}

/// WHATWG event-stream decoder: feed network chunks, get complete frames (`Frame`).
///
/// CR, LF and CRLF line ends (also split across chunks), comment lines, multi-line data, `event`,
/// `id`, `retry`; `finish()` dispatches a last event that lacked its blank line. A line or an
/// event's data larger than `max_frame_size` bytes raises `FramingError`. `plain_chat=True`: a
/// plain Chat Completions chunk comes as its text alone (`Frame.text`, `value` None).
#[pyclass(module = "instantjson", name = "SSEDecoder")]
pub struct PySseDecoder {
    inner: SseDecoder,
    payloads: Payloads,
}

#[pymethods]
impl PySseDecoder {
    #[new]
    #[pyo3(signature = (*, max_frame_size=16_777_216, plain_chat=false))]
    fn new(max_frame_size: usize, plain_chat: bool) -> Self {
        PySseDecoder {
            inner: SseDecoder::new().with_max_frame_size(max_frame_size),
            payloads: Payloads::new(plain_chat),
        }
    }

    /// Decode one network chunk; returns the frames it completed.
    fn feed(&mut self, py: Python<'_>, chunk: &[u8]) -> PyResult<Py<PyList>> {
        self.payloads.step(py, |frames| self.inner.feed(chunk, frames))
    }

    /// End of body: returns the last frames.
    fn finish(&mut self, py: Python<'_>) -> PyResult<Py<PyList>> {
        self.payloads.step(py, |frames| self.inner.finish(frames))
    }
}

/// Newline-delimited JSON decoder: one `Frame` per non-blank line (a CR before the LF dropped).
#[pyclass(module = "instantjson", name = "NDJSONDecoder")]
pub struct PyNdjsonDecoder {
    inner: NdjsonDecoder,
    payloads: Payloads,
}

#[pymethods]
impl PyNdjsonDecoder {
    #[new]
    #[pyo3(signature = (*, max_frame_size=16_777_216))]
    fn new(max_frame_size: usize) -> Self {
        PyNdjsonDecoder {
            inner: NdjsonDecoder::new().with_max_frame_size(max_frame_size),
            payloads: Payloads::new(false),
        }
    }

    /// Decode one network chunk; returns the frames (lines) it completed.
    fn feed(&mut self, py: Python<'_>, chunk: &[u8]) -> PyResult<Py<PyList>> {
        self.payloads.step(py, |frames| self.inner.feed(chunk, frames))
    }

    /// End of body: a last line without a newline becomes a frame.
    fn finish(&mut self, py: Python<'_>) -> PyResult<Py<PyList>> {
        self.payloads.step(py, |frames| self.inner.finish(frames))
    }
}
