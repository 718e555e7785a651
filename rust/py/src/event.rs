//! `InstantEvent` and the path nodes it points to.
//!
//! Every value the parser starts gets a [`Node`]: its parent and its key or index. Events hold an
//! `Arc<Node>`; the four path views (`path`, `keys`, `wildcard_path`, `indexes`) are built on first
//! read and cached on the node, so the many deltas of one string share them and events nobody
//! reads cost no string formatting at all.

use std::sync::{Arc, Mutex, OnceLock};

use instantjson_core::path::push_seg;
use instantjson_core::Seg;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use pyo3::{intern, IntoPyObjectExt};

/// Where a value sits in its parent.
pub enum NodeSeg {
    Root,
    /// An object key: the Python string, the same object as the dict's key.
    Key(Py<PyString>),
    Index(usize),
}

/// One value's place in the document. Kept small: most nodes are never asked for their path, so
/// the cached views live in a separate allocation made on first read. Containers' nodes are shared
/// (`Arc`) as the parents of their children; a scalar's node lives inside its event.
pub struct Node {
    pub parent: Option<Arc<Node>>,
    pub seg: NodeSeg,
    views: OnceLock<Box<Views>>,
}

/// The path views of a node, built on first read.
#[derive(Default)]
struct Views {
    path: OnceLock<Box<str>>,
    wildcard: OnceLock<Box<str>>,
    py_path: OnceLock<Py<PyString>>,
    py_wildcard: OnceLock<Py<PyString>>,
    py_keys: OnceLock<Py<PyTuple>>,
    py_indexes: OnceLock<Py<PyTuple>>,
}

impl Node {
    pub fn new(parent: Option<Arc<Node>>, seg: NodeSeg) -> Arc<Node> {
        Arc::new(Node::leaf(parent, seg))
    }

    pub fn leaf(parent: Option<Arc<Node>>, seg: NodeSeg) -> Node {
        Node {
            parent,
            seg,
            views: OnceLock::new(),
        }
    }

    /// A copy of this node's place (not of its cached views).
    pub fn copy(&self, py: Python<'_>) -> Node {
        let seg = match &self.seg {
            NodeSeg::Root => NodeSeg::Root,
            NodeSeg::Key(k) => NodeSeg::Key(k.clone_ref(py)),
            NodeSeg::Index(i) => NodeSeg::Index(*i),
        };
        Node::leaf(self.parent.clone(), seg)
    }

    fn views(&self) -> &Views {
        self.views.get_or_init(Box::default)
    }

    pub fn is_root(&self) -> bool {
        matches!(self.seg, NodeSeg::Root)
    }

    fn core_seg<'a>(&'a self, py: Python<'a>) -> Seg<'a> {
        match &self.seg {
            NodeSeg::Root => Seg::Root,
            // Keys come from UTF-8 text, so `to_str` cannot fail (and is a pointer read for ASCII).
            NodeSeg::Key(k) => Seg::Key(k.bind(py).to_str().unwrap_or("\u{fffd}")),
            NodeSeg::Index(i) => Seg::Index(*i),
        }
    }

    /// The dot path (`steps[0].owner`), computed once. Iterative: depth costs no call stack.
    pub fn path(&self, py: Python<'_>) -> &str {
        self.text(py, false)
    }

    /// The path with indexes written `[*]`.
    pub fn wildcard(&self, py: Python<'_>) -> &str {
        self.text(py, true)
    }

    fn cell(&self, wildcard: bool) -> &OnceLock<Box<str>> {
        if wildcard {
            &self.views().wildcard
        } else {
            &self.views().path
        }
    }

    fn text(&self, py: Python<'_>, wildcard: bool) -> &str {
        if let Some(done) = self.cell(wildcard).get() {
            return done;
        }
        // Walk up to the nearest ancestor whose text is known, then fill in downwards.
        let mut chain: Vec<&Node> = vec![self];
        let mut cur = self;
        while let Some(parent) = cur.parent.as_deref() {
            if parent.cell(wildcard).get().is_some() {
                chain.push(parent);
                break;
            }
            chain.push(parent);
            cur = parent;
        }
        let mut text = String::new();
        for node in chain.iter().rev() {
            if let Some(known) = node.cell(wildcard).get() {
                text.clear();
                text.push_str(known);
                continue;
            }
            push_seg(&mut text, node.core_seg(py), wildcard);
            let _ = node.cell(wildcard).set(text.as_str().into());
        }
        self.cell(wildcard).get().map_or("", |s| s)
    }

    fn py_path<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        self.views()
            .py_path
            .get_or_init(|| PyString::new(py, self.path(py)).unbind())
            .bind(py)
            .clone()
    }

    fn py_wildcard<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        self.views()
            .py_wildcard
            .get_or_init(|| PyString::new(py, self.wildcard(py)).unbind())
            .bind(py)
            .clone()
    }

    fn segments(&self) -> Vec<&NodeSeg> {
        let mut segs = Vec::new();
        let mut cur = Some(self);
        while let Some(node) = cur {
            if !node.is_root() {
                segs.push(&node.seg);
            }
            cur = node.parent.as_deref();
        }
        segs.reverse();
        segs
    }

    fn py_keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        if let Some(t) = self.views().py_keys.get() {
            return Ok(t.bind(py).clone());
        }
        let items: Vec<Py<PyAny>> = self
            .segments()
            .into_iter()
            .map(|seg| match seg {
                NodeSeg::Key(k) => Ok(k.clone_ref(py).into_any()),
                NodeSeg::Index(i) => i.into_py_any(py),
                NodeSeg::Root => Ok(py.None()),
            })
            .collect::<PyResult<_>>()?;
        let t = PyTuple::new(py, items)?;
        Ok(self.views().py_keys.get_or_init(|| t.unbind()).bind(py).clone())
    }

    fn py_indexes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        if let Some(t) = self.views().py_indexes.get() {
            return Ok(t.bind(py).clone());
        }
        let items: Vec<usize> = self
            .segments()
            .into_iter()
            .filter_map(|seg| match seg {
                NodeSeg::Index(i) => Some(*i),
                _ => None,
            })
            .collect();
        let t = PyTuple::new(py, items)?;
        Ok(self.views().py_indexes.get_or_init(|| t.unbind()).bind(py).clone())
    }
}

/// An event's node: shared with other events, or its own.
pub enum NodeRef {
    Shared(Arc<Node>),
    Own(Node),
}

impl NodeRef {
    pub fn get(&self) -> &Node {
        match self {
            NodeRef::Shared(n) => n,
            NodeRef::Own(n) => n,
        }
    }

    /// Another reference to the same place, for one more event.
    pub fn another(&self, py: Python<'_>) -> NodeRef {
        match self {
            NodeRef::Shared(n) => NodeRef::Shared(Arc::clone(n)),
            NodeRef::Own(n) => NodeRef::Own(n.copy(py)),
        }
    }

    /// Make the node shareable (for a container, or a string whose deltas span feeds).
    pub fn share(&mut self) -> Arc<Node> {
        if let NodeRef::Own(n) = self {
            let owned = std::mem::replace(n, Node::leaf(None, NodeSeg::Root));
            *self = NodeRef::Shared(Arc::new(owned));
        }
        match self {
            NodeRef::Shared(n) => Arc::clone(n),
            NodeRef::Own(_) => unreachable!("just made shared"),
        }
    }
}

/// The text of one open string, shared by its delta events so each can build `value` (the
/// string so far) on first read without the parser copying the text per event.
pub type SharedText = Arc<Mutex<String>>;

/// One instant event: the value at `path` grew (`"delta"`) or is complete (`"done"`).
///
/// Fields: `path` (dot path, `steps[0].owner`), `keys` (the path as a tuple), `wildcard_path`
/// (`steps[*].owner`), `indexes` (`(0,)`), `event_type` (`"delta"` or `"done"`), `is_complete`,
/// `delta` (a string's new text, `None` on done) and `value` (on a delta the string so far, on
/// done the complete value). Container values are shared with the parser's result: treat them as
/// read-only.
#[pyclass(frozen, module = "instantjson", name = "InstantEvent")]
pub struct InstantEvent {
    node: NodeRef,
    delta: Option<Py<PyString>>,
    value: EventValue,
}

enum EventValue {
    /// A done event's complete value.
    Done(Py<PyAny>),
    /// A delta's string so far: the shared text, its length in bytes at this event, and the
    /// Python string once built.
    SoFar(SharedText, usize, OnceLock<Py<PyAny>>),
}

impl InstantEvent {
    pub fn done(node: NodeRef, value: Py<PyAny>) -> Self {
        InstantEvent {
            node,
            delta: None,
            value: EventValue::Done(value),
        }
    }

    /// The last delta of a string: its value is the whole string.
    pub fn last(node: NodeRef, delta: Py<PyString>, value: Py<PyAny>) -> Self {
        InstantEvent {
            node,
            delta: Some(delta),
            value: EventValue::Done(value),
        }
    }

    pub fn grew(node: NodeRef, delta: Py<PyString>, text: SharedText, len: usize) -> Self {
        InstantEvent {
            node,
            delta: Some(delta),
            value: EventValue::SoFar(text, len, OnceLock::new()),
        }
    }

    fn value_of<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        match &self.value {
            EventValue::Done(v) => v.bind(py).clone(),
            EventValue::SoFar(text, len, cache) => cache
                .get_or_init(|| {
                    let guard = text.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    crate::strings::new_str(py, guard.get(..*len).unwrap_or(""))
                        .into_any()
                        .unbind()
                })
                .bind(py)
                .clone(),
        }
    }
}

#[pymethods]
impl InstantEvent {
    #[classattr]
    fn __match_args__() -> (&'static str, &'static str, &'static str) {
        ("event_type", "path", "value")
    }

    #[getter]
    fn path<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        self.node.get().py_path(py)
    }

    #[getter]
    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.node.get().py_keys(py)
    }

    #[getter]
    fn wildcard_path<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        self.node.get().py_wildcard(py)
    }

    #[getter]
    fn indexes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.node.get().py_indexes(py)
    }

    #[getter]
    fn event_type<'py>(&self, py: Python<'py>) -> &Bound<'py, PyString> {
        if self.delta.is_some() {
            intern!(py, "delta")
        } else {
            intern!(py, "done")
        }
    }

    #[getter]
    fn is_complete(&self) -> bool {
        self.delta.is_none()
    }

    #[getter]
    fn delta<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        self.delta.as_ref().map(|d| d.bind(py).clone())
    }

    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.value_of(py)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<InstantEvent>() else {
            return Ok(false);
        };
        let other = other.get();
        if self.node.get().path(py) != other.node.get().path(py) || self.delta.is_some() != other.delta.is_some() {
            return Ok(false);
        }
        if let (Some(a), Some(b)) = (&self.delta, &other.delta) {
            if a.bind(py).to_cow()? != b.bind(py).to_cow()? {
                return Ok(false);
            }
        }
        self.value_of(py).eq(other.value_of(py))
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        let delta = self.delta.as_ref().map(|d| d.bind(py).clone());
        (self.node.get().py_path(py), self.event_type(py), delta)
            .into_pyobject(py)?
            .hash()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let value = self.value_of(py).repr()?;
        Ok(match &self.delta {
            Some(d) => format!(
                "InstantEvent(event_type='delta', path={}, delta={}, value={value})",
                self.node.get().py_path(py).repr()?,
                d.bind(py).repr()?
            ),
            None => format!(
                "InstantEvent(event_type='done', path={}, value={value})",
                self.node.get().py_path(py).repr()?
            ),
        })
    }

    /// The event as a plain dict (what `python -m instantjson parse` prints).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let d = pyo3::types::PyDict::new(py);
        d.set_item("event_type", self.event_type(py))?;
        d.set_item("path", self.node.get().py_path(py))?;
        d.set_item("wildcard_path", self.node.get().py_wildcard(py))?;
        d.set_item("keys", self.node.get().py_keys(py)?)?;
        d.set_item("indexes", self.node.get().py_indexes(py)?)?;
        d.set_item("delta", self.delta(py))?;
        d.set_item("value", self.value_of(py))?;
        Ok(d)
    }
}
