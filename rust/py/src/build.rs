//! The binding's [`Sink`]: builds Python values straight from the parser's borrowed slices, keeps
//! the tree of open containers for `snapshot()`, and makes the `InstantEvent`s.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use instantjson_core::{Scalar, Seg, Sink};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFloat, PyList, PyString};
use pyo3::IntoPyObjectExt;

use crate::event::{InstantEvent, Node, NodeSeg, SharedText};

/// Which events to make.
pub enum Emit {
    /// None at all (`loads`, frame payloads): values only.
    Nothing,
    /// Every value's events.
    All,
    /// Only values whose path or wildcard path is in the set.
    Only(HashSet<Box<str>>),
}

/// An open container: its object, its key in its parent, and its node when events are made.
struct Open {
    obj: Py<PyAny>,
    is_dict: bool,
    key: Option<Py<PyString>>,
    node: Option<Arc<Node>>,
    emit: bool,
}

/// The open string value.
struct OpenString {
    key: Option<Py<PyString>>,
    node: Option<Arc<Node>>,
    emit: bool,
    text: Option<SharedText>,
}

/// Object keys are interned per parser: the same key text gives the same Python string. Only
/// short keys are kept, and only so many (as orjson and jiter do).
const MAX_CACHED_KEY: usize = 64;
const MAX_CACHED_KEYS: usize = 4096;

#[derive(Default)]
struct KeyCache {
    map: HashMap<Box<str>, (Py<PyString>, Arc<str>)>,
}

impl KeyCache {
    fn get(&mut self, py: Python<'_>, key: &str) -> (Py<PyString>, Arc<str>) {
        if let Some((k, text)) = self.map.get(key) {
            return (k.clone_ref(py), text.clone());
        }
        let k = PyString::new(py, key).unbind();
        let text: Arc<str> = key.into();
        if key.len() <= MAX_CACHED_KEY && self.map.len() < MAX_CACHED_KEYS {
            self.map.insert(key.into(), (k.clone_ref(py), text.clone()));
        }
        (k, text)
    }
}

/// Everything the binding keeps between two `feed()` calls.
pub struct Builder {
    emit: Emit,
    deltas: bool,
    /// The node of the root value: `Root`, or the last node of a path prefix.
    root_node: Arc<Node>,
    stack: Vec<Open>,
    root: Option<Py<PyAny>>,
    open: Option<OpenString>,
    keys: KeyCache,
}

impl Builder {
    pub fn new(emit: Emit, deltas: bool, root_node: Arc<Node>) -> Self {
        Builder { emit, deltas, root_node, stack: Vec::new(), root: None, open: None, keys: KeyCache::default() }
    }

    /// The root value, once it exists (containers exist from their first byte).
    pub fn root(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.root.as_ref().map(|r| r.clone_ref(py))
    }

    /// The partial value: the containers on the open path are copied (closed values are complete
    /// and shared), and the open string's text so far is put in place.
    pub fn snapshot(&self, py: Python<'_>, open_text: Option<&str>) -> PyResult<Py<PyAny>> {
        let text = open_text.map(|t| PyString::new(py, t));
        if self.stack.is_empty() {
            return Ok(match (text, &self.root) {
                (Some(t), _) => t.into_any().unbind(),
                (None, Some(root)) => root.clone_ref(py),
                (None, None) => py.None(),
            });
        }
        let mut copies: Vec<Bound<'_, PyAny>> = Vec::with_capacity(self.stack.len());
        for open in &self.stack {
            let obj = open.obj.bind(py);
            let copy = if open.is_dict {
                obj.cast::<PyDict>()?.copy()?.into_any()
            } else {
                let list = obj.cast::<PyList>()?;
                list.get_slice(0, list.len()).into_any()
            };
            copies.push(copy);
        }
        for (i, open) in self.stack.iter().enumerate().skip(1) {
            put(&copies[i - 1], self.stack[i - 1].is_dict, open.key.as_ref(), &copies[i], true)?;
        }
        if let (Some(t), Some(last), Some(open)) = (text, copies.last(), self.stack.last()) {
            let key = self.open.as_ref().and_then(|o| o.key.as_ref());
            put(last, open.is_dict, key, t.as_any(), false)?;
        }
        Ok(copies.swap_remove(0).unbind())
    }

    /// The key object, node and emit flag of a value starting at `seg`.
    fn start(&mut self, py: Python<'_>, seg: Seg<'_>) -> (Option<Py<PyString>>, Option<Arc<Node>>, bool) {
        let (key, node_seg) = match seg {
            Seg::Root => (None, None),
            Seg::Key(k) => {
                let (key, text) = self.keys.get(py, k);
                let node_seg = match self.emit {
                    Emit::Nothing => None,
                    _ => Some(NodeSeg::Key(key.clone_ref(py), text)),
                };
                (Some(key), node_seg)
            }
            Seg::Index(i) => (None, Some(NodeSeg::Index(i))),
        };
        if matches!(self.emit, Emit::Nothing) {
            return (key, None, false);
        }
        let node = match node_seg {
            None => self.root_node.clone(),
            Some(s) => {
                let parent = self.stack.last().and_then(|o| o.node.clone()).unwrap_or_else(|| self.root_node.clone());
                Node::new(Some(parent), s)
            }
        };
        let emit = !node.is_root()
            && match &self.emit {
                Emit::Only(paths) => paths.contains(node.path()) || paths.contains(node.wildcard()),
                _ => true,
            };
        (key, Some(node), emit)
    }

    /// Put a complete value into the open container (or make it the root).
    fn insert(&mut self, py: Python<'_>, key: Option<&Py<PyString>>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        match self.stack.last() {
            Some(open) => put(open.obj.bind(py), open.is_dict, key, value, false),
            None => {
                self.root = Some(value.clone().unbind());
                Ok(())
            }
        }
    }
}

/// Set `value` into `container`: under `key` for a dict; appended to a list, or replacing its
/// last item when `replace_last`.
fn put(
    container: &Bound<'_, PyAny>,
    is_dict: bool,
    key: Option<&Py<PyString>>,
    value: &Bound<'_, PyAny>,
    replace_last: bool,
) -> PyResult<()> {
    if is_dict {
        match key {
            Some(k) => container.cast::<PyDict>()?.set_item(k.bind(container.py()), value),
            None => Ok(()),
        }
    } else {
        let list = container.cast::<PyList>()?;
        if replace_last && !list.is_empty() {
            list.set_item(list.len() - 1, value)
        } else {
            list.append(value)
        }
    }
}

static BUILTIN_INT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn big_int<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let int = BUILTIN_INT.get_or_try_init(py, || py.import("builtins")?.getattr("int").map(Bound::unbind))?;
    int.bind(py).call1((text,))
}

/// The `Sink` for one `feed()`/`finish()` call: it borrows the builder and collects the events.
pub struct PySink<'a, 'py> {
    py: Python<'py>,
    b: &'a mut Builder,
    pub events: Vec<Py<InstantEvent>>,
    pub error: Option<PyErr>,
}

impl<'a, 'py> PySink<'a, 'py> {
    pub fn new(py: Python<'py>, b: &'a mut Builder) -> Self {
        PySink { py, b, events: Vec::new(), error: None }
    }

    fn record(&mut self, r: PyResult<()>) {
        if let Err(e) = r {
            if self.error.is_none() {
                self.error = Some(e);
            }
        }
    }

    fn event(&mut self, ev: InstantEvent) -> PyResult<()> {
        self.events.push(Py::new(self.py, ev)?);
        Ok(())
    }

    fn begin_container(&mut self, seg: Seg<'_>, is_dict: bool) -> PyResult<()> {
        let py = self.py;
        let (key, node, emit) = self.b.start(py, seg);
        let obj = if is_dict { PyDict::new(py).into_any() } else { PyList::empty(py).into_any() };
        self.b.insert(py, key.as_ref(), &obj)?;
        self.b.stack.push(Open { obj: obj.unbind(), is_dict, key, node, emit });
        Ok(())
    }

    fn end_container_inner(&mut self) -> PyResult<()> {
        if let Some(open) = self.b.stack.pop() {
            if let (true, Some(node)) = (open.emit, open.node) {
                self.event(InstantEvent::done(node, open.obj))?;
            }
        }
        Ok(())
    }

    fn string_delta_inner(&mut self, delta: &str) -> PyResult<()> {
        let py = self.py;
        let Some(open) = self.b.open.as_mut() else { return Ok(()) };
        let (Some(node), Some(text)) = (open.node.clone(), open.text.clone()) else { return Ok(()) };
        let len = {
            let mut t = text.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            t.push_str(delta);
            t.len()
        };
        self.event(InstantEvent::grew(node, PyString::new(py, delta).unbind(), text, len))
    }

    fn end_string_inner(&mut self, value: &str) -> PyResult<()> {
        let py = self.py;
        let Some(open) = self.b.open.take() else { return Ok(()) };
        let s = PyString::new(py, value).into_any();
        self.b.insert(py, open.key.as_ref(), &s)?;
        if let (true, Some(node)) = (open.emit, open.node) {
            self.event(InstantEvent::done(node, s.unbind()))?;
        }
        Ok(())
    }

    fn scalar_inner(&mut self, seg: Seg<'_>, value: Scalar<'_>) -> PyResult<()> {
        let py = self.py;
        let obj = match value {
            Scalar::Null => py.None().into_bound(py),
            Scalar::Bool(b) => b.into_bound_py_any(py)?,
            Scalar::Int(n) => n.into_bound_py_any(py)?,
            Scalar::BigInt(text) => big_int(py, text)?,
            Scalar::Float(f) => PyFloat::new(py, f).into_any(),
        };
        let (key, node, emit) = self.b.start(py, seg);
        self.b.insert(py, key.as_ref(), &obj)?;
        if let (true, Some(node)) = (emit, node) {
            self.event(InstantEvent::done(node, obj.unbind()))?;
        }
        Ok(())
    }
}

impl Sink for PySink<'_, '_> {
    fn begin_object(&mut self, seg: Seg<'_>) {
        let r = self.begin_container(seg, true);
        self.record(r);
    }

    fn begin_array(&mut self, seg: Seg<'_>) {
        let r = self.begin_container(seg, false);
        self.record(r);
    }

    fn end_container(&mut self) {
        let r = self.end_container_inner();
        self.record(r);
    }

    fn begin_string(&mut self, seg: Seg<'_>) {
        let (key, node, emit) = self.b.start(self.py, seg);
        let text = (emit && self.b.deltas).then(|| Arc::new(Mutex::new(String::new())));
        self.b.open = Some(OpenString { key, node, emit, text });
    }

    fn string_delta(&mut self, delta: &str) {
        let r = self.string_delta_inner(delta);
        self.record(r);
    }

    fn end_string(&mut self, value: &str) {
        let r = self.end_string_inner(value);
        self.record(r);
    }

    fn scalar(&mut self, seg: Seg<'_>, value: Scalar<'_>) {
        let r = self.scalar_inner(seg, value);
        self.record(r);
    }
}

/// One item of a path prefix: an `int` index or a `str` key.
pub fn prefix_seg(item: &Bound<'_, PyAny>) -> PyResult<NodeSeg> {
    if let Ok(i) = item.extract::<usize>() {
        return Ok(NodeSeg::Index(i));
    }
    let s = item.cast::<PyString>()?;
    let text: Arc<str> = s.to_str()?.into();
    Ok(NodeSeg::Key(s.clone().unbind(), text))
}
