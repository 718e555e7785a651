//! Core errors -> `instantjson.ParseError` / `instantjson.FramingError` (classes imported lazily).

use instantjson_core::framing::FramingError;
use instantjson_core::ParseError;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

static PARSE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static FRAMING_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn class<'py>(py: Python<'py>, cell: &'py PyOnceLock<Py<PyType>>, name: &str) -> PyResult<&'py Bound<'py, PyType>> {
    cell.get_or_try_init(py, || {
        py.import("instantjson._exceptions")?
            .getattr(name)?
            .cast_into::<PyType>()
            .map(Bound::unbind)
            .map_err(Into::into)
    })
    .map(|c| c.bind(py))
}

/// The Python class `instantjson.ParseError`.
pub fn parse_error_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    class(py, &PARSE_ERROR, "ParseError")
}

/// Build the Python `ParseError` for a core error; `events` are the events the failing call
/// produced before the error (kept on the exception as `.events`).
#[cold]
pub fn parse_error(py: Python<'_>, e: &ParseError, events: Option<Bound<'_, PyAny>>) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("kind", e.kind.name())?;
        kwargs.set_item("offset", e.offset)?;
        kwargs.set_item("line", e.line)?;
        kwargs.set_item("column", e.column)?;
        kwargs.set_item("path", &e.path)?;
        let exc = class(py, &PARSE_ERROR, "ParseError")?.call((e.to_string(),), Some(&kwargs))?;
        if let Some(events) = events {
            exc.setattr("events", events)?;
        }
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|err| err)
}

/// Build the Python `FramingError`: the message, `kind`, `offset` (bytes into the stream) and
/// `limit` (the size limit that was broken, or None).
#[cold]
pub fn framing_error(py: Python<'_>, e: &FramingError) -> PyErr {
    let message = e.to_string();
    let build = || -> PyResult<PyErr> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("kind", e.kind.name())?;
        kwargs.set_item("offset", e.offset)?;
        kwargs.set_item("limit", e.kind.limit())?;
        let exc = class(py, &FRAMING_ERROR, "FramingError")?.call((message.clone(),), Some(&kwargs))?;
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|_| PyValueError::new_err(message.clone()))
}

/// `value` read before the root closed.
#[cold]
pub fn incomplete(py: Python<'_>, parser: &instantjson_core::Parser) -> PyErr {
    let _ = parser;
    let build = || -> PyResult<PyErr> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("kind", "incomplete")?;
        let msg = "the JSON value is not complete yet (feed more, or finish())";
        Ok(PyErr::from_value(
            class(py, &PARSE_ERROR, "ParseError")?.call((msg,), Some(&kwargs))?,
        ))
    };
    build().unwrap_or_else(|err| err)
}
