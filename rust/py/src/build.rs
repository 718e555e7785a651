//! The binding's [`Sink`]: builds Python values straight from the parser's borrowed slices, keeps
//! the tree of open containers for `snapshot()`, and makes the `InstantEvent`s.

use std::collections::HashSet;

use instantjson_core::{Repairs, Scalar, Seg, Sink};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFloat, PyList, PyString};
use pyo3::IntoPyObjectExt;
use pyo3::{PyTraverseError, PyVisit};

use crate::event::{InstantEvent, Node, NodeRef, NodeSeg, SharedText};
use crate::shared::{is_unique, lock, Cell, Shared};
use crate::strings::{new_str, KeyCache};

/// Which events to make.
pub enum Emit {
    /// None at all (`loads`, frame payloads): values only.
    Nothing,
    /// Every value's events.
    All,
    /// Only values whose path or wildcard path is in the set.
    Only(HashSet<Box<str>>),
}

/// A container under construction.
enum Container {
    Dict(Py<PyDict>),
    List(Py<PyList>),
}

impl Container {
    fn any(&self, py: Python<'_>) -> Py<PyAny> {
        match self {
            Container::Dict(d) => d.clone_ref(py).into_any(),
            Container::List(l) => l.clone_ref(py).into_any(),
        }
    }

    /// Set `value` under `key` (a dict), or append it (a list).
    fn put(&self, py: Python<'_>, key: Option<&Py<PyString>>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        match (self, key) {
            (Container::Dict(d), Some(k)) => d.bind(py).set_item(k.bind(py), value),
            (Container::Dict(_), None) => Ok(()),
            (Container::List(l), _) => l.bind(py).append(value),
        }
    }
}

/// An open container: its object, its key in its parent (held by its node when events are
/// made), and its node.
struct Open {
    obj: Container,
    key: Option<Py<PyString>>,
    node: Option<Shared<Node>>,
    emit: bool,
}

impl Open {
    fn key(&self) -> Option<&Py<PyString>> {
        self.key.as_ref().or_else(|| self.node.as_deref().and_then(node_key))
    }
}

/// Where a starting value goes (see `Builder::start`).
struct Slot {
    /// The dict key when there is no node to hold it.
    key: Option<Py<PyString>>,
    node: Option<NodeRef>,
    emit: bool,
}

impl Slot {
    fn key(&self) -> Option<&Py<PyString>> {
        self.key
            .as_ref()
            .or_else(|| self.node.as_ref().and_then(|n| node_key(n.get())))
    }
}

/// The key a node holds, if it is an object member.
fn node_key(node: &Node) -> Option<&Py<PyString>> {
    match &node.seg {
        NodeSeg::Key(k) => Some(k),
        _ => None,
    }
}

/// The open string value: where it goes, and its text shared by its deltas once it spans feeds.
struct OpenString {
    slot: Slot,
    text: Option<SharedText>,
}

/// Everything the binding keeps between two `feed()` calls.
pub struct Builder {
    emit: Emit,
    /// The node of the root value: `Root`, or the last node of a path prefix.
    root_node: Shared<Node>,
    stack: Vec<Open>,
    root: Option<Py<PyAny>>,
    open: Option<OpenString>,
    keys: KeyCache,
    /// Leave the containers it builds untracked by the cycle collector (frame payloads).
    untracked: bool,
    /// The events of the current call (`take_list` empties it); kept between calls for its
    /// capacity.
    pub events: Vec<Py<PyAny>>,
    /// The shared text of the last string that spanned feeds, for the next such string to reuse
    /// once no event holds it any more (see `text_for_deltas`).
    spare_text: Option<SharedText>,
}

/// A finished string's shared text is kept for reuse only up to this capacity (bytes), so a
/// parser does not hold on to the buffer of one huge string.
const MAX_SPARE_TEXT: usize = 64 * 1024;

/// The shared text for a string's deltas: the spare one when nothing else holds it (the events
/// that read it are gone), emptied, else a new one. A token stream whose events are dropped
/// after each feed then allocates (and regrows) no buffer per string: one allocation serves
/// every string, and its capacity is already there.
fn text_for_deltas(spare: &mut Option<SharedText>) -> SharedText {
    if let Some(text) = spare.take() {
        if is_unique(&text) {
            lock(&text).clear();
            return text;
        }
    }
    Shared::new(Cell::new(String::new()))
}

impl Builder {
    pub fn new(emit: Emit, root_node: Shared<Node>) -> Self {
        Builder {
            emit,
            root_node,
            stack: Vec::new(),
            root: None,
            open: None,
            keys: KeyCache::default(),
            untracked: false,
            events: Vec::new(),
            spare_text: None,
        }
    }

    /// A builder whose dicts and lists are not tracked by the cycle collector. Decoded JSON holds
    /// no reference cycles, and a response keeps every provider payload for its replay: tracked,
    /// those containers make each full collection slower as a stream grows (measured: most of the
    /// per-chunk growth at 100 KB). A dict becomes tracked again when a tracked object is put in
    /// it; do not build cycles out of these values.
    pub fn untracked(root_node: Shared<Node>) -> Self {
        Builder {
            untracked: true,
            ..Builder::new(Emit::Nothing, root_node)
        }
    }

    /// Forget the value built so far (keeping the key cache), to build the next one.
    pub fn reset(&mut self) {
        self.stack.clear();
        self.root = None;
        self.open = None;
        self.events.clear();
    }

    /// The root value, once it exists (containers exist from their first byte).
    pub fn root(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.root.as_ref().map(|r| r.clone_ref(py))
    }

    /// The partial value: the containers on the open path are copied (closed values are complete
    /// and shared), and the open string's text so far is put in place.
    pub fn snapshot(&self, py: Python<'_>, open_text: Option<&str>) -> PyResult<Py<PyAny>> {
        let text = open_text.map(|t| new_str(py, t));
        if self.stack.is_empty() {
            return Ok(match (text, &self.root) {
                (Some(t), _) => t.into_any().unbind(),
                (None, Some(root)) => root.clone_ref(py),
                (None, None) => py.None(),
            });
        }
        let mut copies: Vec<Container> = Vec::with_capacity(self.stack.len());
        for open in &self.stack {
            copies.push(match &open.obj {
                Container::Dict(d) => Container::Dict(d.bind(py).copy()?.unbind()),
                Container::List(l) => {
                    let l = l.bind(py);
                    Container::List(l.get_slice(0, l.len()).cast_into::<PyList>()?.unbind())
                }
            });
        }
        // Link each copy into its copied parent, in place of the original (the last item).
        for (i, open) in self.stack.iter().enumerate().skip(1) {
            let child = copies[i].any(py).into_bound(py);
            match &copies[i - 1] {
                Container::Dict(d) => {
                    if let Some(k) = open.key() {
                        d.bind(py).set_item(k.bind(py), child)?;
                    }
                }
                Container::List(l) => {
                    let l = l.bind(py);
                    if !l.is_empty() {
                        l.set_item(l.len() - 1, child)?;
                    }
                }
            }
        }
        if let (Some(t), Some(last)) = (text, copies.last()) {
            let key = self.open.as_ref().and_then(|o| o.slot.key());
            last.put(py, key, t.as_any())?;
        }
        Ok(copies.swap_remove(0).any(py))
    }

    /// Where a value starting at `seg` goes: its key in a dict and, when events are made, its
    /// node (which then holds the key) and whether it has events.
    fn start(&mut self, py: Python<'_>, seg: Seg<'_>) -> Slot {
        let node_seg = match seg {
            Seg::Root => None,
            Seg::Key(k) => {
                let key = self.keys.get(py, k);
                if matches!(self.emit, Emit::Nothing) {
                    return Slot {
                        key: Some(key),
                        node: None,
                        emit: false,
                    };
                }
                Some(NodeSeg::Key(key.into()))
            }
            Seg::Index(_) if matches!(self.emit, Emit::Nothing) => {
                return Slot {
                    key: None,
                    node: None,
                    emit: false,
                }
            }
            Seg::Index(i) => Some(NodeSeg::Index(i)),
        };
        if matches!(self.emit, Emit::Nothing) {
            return Slot {
                key: None,
                node: None,
                emit: false,
            };
        }
        let node = match node_seg {
            None => NodeRef::Shared(self.root_node.clone()),
            Some(s) => {
                let parent = self
                    .stack
                    .last()
                    .and_then(|o| o.node.clone())
                    .unwrap_or_else(|| self.root_node.clone());
                NodeRef::Own(Node::leaf(Some(parent), s))
            }
        };
        let n = node.get();
        let emit = !n.is_root()
            && match &self.emit {
                Emit::Only(paths) => paths.contains(n.path(py)) || paths.contains(n.wildcard(py)),
                _ => true,
            };
        Slot {
            key: None,
            node: Some(node),
            emit,
        }
    }

    /// Put a complete value into the open container (or make it the root).
    fn insert(&mut self, py: Python<'_>, key: Option<&Py<PyString>>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        if let Some(open) = self.stack.last() {
            return open.obj.put(py, key, value);
        }
        self.root = Some(value.clone().unbind());
        Ok(())
    }
}

static BUILTIN_INT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

pub fn big_int<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let int = BUILTIN_INT.get_or_try_init(py, || py.import("builtins")?.getattr("int").map(Bound::unbind))?;
    int.bind(py).call1((text,))
}

/// The `Sink` for one `feed()`/`finish()` call: it borrows the builder and collects the events.
pub struct PySink<'a, 'py> {
    py: Python<'py>,
    b: &'a mut Builder,
    pub error: Option<PyErr>,
    /// The chunk being fed, when it is a `str`: a delta with the same text is that same object
    /// (a token of a model's answer is most often entirely string content).
    input: Option<(&'a str, &'a Bound<'py, PyString>)>,
    /// The core said the value whose done comes next was repaired.
    repaired: bool,
}

impl<'a, 'py> PySink<'a, 'py> {
    pub fn new(py: Python<'py>, b: &'a mut Builder) -> Self {
        PySink {
            py,
            b,
            error: None,
            input: None,
            repaired: false,
        }
    }

    /// Let deltas equal to the whole chunk reuse the chunk's `str` (`text` is its UTF-8).
    pub fn with_input(mut self, text: &'a str, obj: &'a Bound<'py, PyString>) -> Self {
        self.input = Some((text, obj));
        self
    }

    /// A Python string for a piece of text, the input chunk itself when the text is all of it.
    fn piece(&self, text: &str) -> Bound<'py, PyString> {
        match self.input {
            // The same bytes (a piece the core handed out from the chunk itself) or equal ones.
            Some((chunk, obj)) if chunk.len() == text.len() && (chunk.as_ptr() == text.as_ptr() || chunk == text) => {
                obj.clone()
            }
            _ => new_str(self.py, text),
        }
    }

    fn record(&mut self, r: PyResult<()>) {
        if let Err(e) = r {
            if self.error.is_none() {
                self.error = Some(e);
            }
        }
    }

    fn event(&mut self, mut ev: InstantEvent) -> PyResult<()> {
        if self.repaired {
            ev.mark_repaired();
        }
        // Not a GC type: an event refers only to values and keys the parser made, never to
        // anything that refers back to it, so the collector has no need to visit the tens of
        // thousands of events a large answer makes.
        self.b.events.push(ev.into_object(self.py)?);
        Ok(())
    }

    fn begin_container(&mut self, seg: Seg<'_>, is_dict: bool) -> PyResult<()> {
        let py = self.py;
        let slot = self.b.start(py, seg);
        let obj = if is_dict {
            Container::Dict(PyDict::new(py).unbind())
        } else {
            Container::List(PyList::empty(py).unbind())
        };

        self.b.insert(py, slot.key(), obj.any(py).bind(py))?;
        let Slot { key, node, emit } = slot;
        let node = node.map(|mut n| n.share());
        self.b.stack.push(Open { obj, key, node, emit });
        Ok(())
    }

    fn end_container_inner(&mut self) -> PyResult<()> {
        if let Some(open) = self.b.stack.pop() {
            if self.b.untracked {
                // Untracked once complete: a dict tracks itself again whenever a container is
                // put in it, so earlier would not last.
                // SAFETY: a live dict or list (GC types); untracking is allowed at any time,
                // and their deallocation handles an untracked object.
                unsafe { pyo3::ffi::PyObject_GC_UnTrack(open.obj.any(self.py).as_ptr().cast()) };
            }
            if let (true, Some(node)) = (open.emit, open.node) {
                self.event(InstantEvent::done(NodeRef::Shared(node), open.obj.any(self.py)))?;
            }
        }
        Ok(())
    }

    fn string_delta_inner(&mut self, delta: &str) -> PyResult<()> {
        let b = &mut *self.b;
        let Some(open) = b.open.as_mut() else {
            return Ok(());
        };
        if !open.slot.emit {
            return Ok(());
        }
        let Some(node) = open.slot.node.as_mut().map(NodeRef::share) else {
            return Ok(());
        };
        // The shared text exists only for strings that span feeds (made at their first delta).
        // Grown by doubling, not sized up front: a response may keep the events (and so the
        // text) of every string of a long answer, most of them short.
        let text = open
            .text
            .get_or_insert_with(|| text_for_deltas(&mut b.spare_text))
            .clone();
        let len = {
            let mut t = lock(&text);
            instantjson_core::push_text(&mut t, delta);
            t.len()
        };
        self.event(InstantEvent::grew(
            NodeRef::Shared(node),
            self.piece(delta).unbind(),
            text,
            len,
        ))
    }

    fn end_string_inner(&mut self, value: &str, last: &str) -> PyResult<()> {
        let py = self.py;
        let Some(mut open) = self.b.open.take() else {
            return Ok(());
        };
        if let Some(text) = open.text.take() {
            // Kept for the next string, which reuses it if by then no event holds it.
            if lock(&text).capacity() <= MAX_SPARE_TEXT {
                self.b.spare_text = Some(text);
            }
        }
        let s = new_str(py, value);
        self.b.insert(py, open.slot.key(), s.as_any())?;
        if let (true, Some(node)) = (open.slot.emit, open.slot.node) {
            if !last.is_empty() {
                // The last delta's value is the whole string; a string that came in one piece
                // shares one Python object as delta, value and done value.
                let delta = if last.len() == value.len() {
                    s.clone()
                } else {
                    self.piece(last)
                };
                self.event(InstantEvent::last(
                    node.another(py),
                    delta.unbind(),
                    s.clone().into_any().unbind(),
                ))?;
            }
            self.event(InstantEvent::done(node, s.into_any().unbind()))?;
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
        let slot = self.b.start(py, seg);
        self.b.insert(py, slot.key(), &obj)?;
        if let (true, Some(node)) = (slot.emit, slot.node) {
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
        self.repaired = false;
        self.record(r);
    }

    fn begin_string(&mut self, seg: Seg<'_>) {
        let slot = self.b.start(self.py, seg);
        self.b.open = Some(OpenString { slot, text: None });
    }

    fn string_delta(&mut self, delta: &str) {
        let r = self.string_delta_inner(delta);
        self.record(r);
    }

    fn end_string(&mut self, value: &str, last: &str) {
        let r = self.end_string_inner(value, last);
        self.repaired = false;
        self.record(r);
    }

    fn scalar(&mut self, seg: Seg<'_>, value: Scalar<'_>) {
        let r = self.scalar_inner(seg, value);
        self.repaired = false;
        self.record(r);
    }

    fn repaired(&mut self, _rules: Repairs) {
        self.repaired = true;
    }
}

/// The events as a new list, leaving `events` empty with its capacity.
pub fn take_list<'py>(py: Python<'py>, events: &mut Vec<Py<PyAny>>) -> PyResult<Bound<'py, PyList>> {
    // SAFETY: `PyList_New(n)` returns a list of `n` NULL slots (or NULL with an exception set);
    // each slot is filled exactly once with a reference we own (`into_ptr` hands it over), as
    // `PyList_SET_ITEM` requires for a new list, before the list is seen by anyone.
    unsafe {
        let list = pyo3::ffi::PyList_New(events.len() as pyo3::ffi::Py_ssize_t);
        if list.is_null() {
            events.clear();
            return Err(PyErr::fetch(py));
        }
        for (i, ev) in events.drain(..).enumerate() {
            #[cfg(not(Py_LIMITED_API))]
            pyo3::ffi::PyList_SET_ITEM(list, i as pyo3::ffi::Py_ssize_t, ev.into_ptr());
            // The stable ABI (an abi3 build) has no macro: the function also steals the reference.
            #[cfg(Py_LIMITED_API)]
            {
                let rc = pyo3::ffi::PyList_SetItem(list, i as pyo3::ffi::Py_ssize_t, ev.into_ptr());
                debug_assert_eq!(rc, 0);
            }
        }
        Ok(Bound::from_owned_ptr(py, list).cast_into_unchecked())
    }
}

/// Lists of events `feed()` handed out, refilled for a later call once nobody else holds them,
/// as Python's own `zip` and `dict.items()` iterators reuse their result tuple: a token-sized
/// chunk then costs no list allocation and release. Two, because `events = p.feed(chunk)` in a
/// loop still holds the previous list while the next call runs. Only lists of up to
/// `RING_ITEMS` events are kept (what they hold stays alive until they are refilled or the
/// parser goes), and none on a build where the reference count or the list's layout is not
/// ours to read.
#[derive(Default)]
pub struct ListRing {
    slots: [Option<Py<PyList>>; 2],
}

#[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API, Py_GIL_DISABLED)))]
const RING_ITEMS: usize = 8;

impl ListRing {
    /// The events as a list (see `take_list`), a refilled one when one is free.
    pub fn take<'py>(&mut self, py: Python<'py>, events: &mut Vec<Py<PyAny>>) -> PyResult<Bound<'py, PyList>> {
        #[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API, Py_GIL_DISABLED)))]
        {
            for list in self.slots.iter().flatten() {
                if let Some(list) = refill(py, list, events) {
                    return Ok(list);
                }
            }
            let list = take_list(py, events)?;
            if list.len() <= RING_ITEMS {
                self.slots[1] = self.slots[0].replace(list.clone().unbind());
            }
            Ok(list)
        }
        // Nothing to refill here: the lists are not kept.
        #[cfg(any(PyPy, GraalPy, Py_LIMITED_API, Py_GIL_DISABLED))]
        take_list(py, events)
    }

    /// Let the lists (and the events they hold) go.
    pub fn clear(&mut self) {
        self.slots = [None, None];
    }

    /// For the cycle collector: a caller may put anything in a list it was given, even the
    /// parser, and drop it; the ring then holds the only reference to that cycle.
    pub fn traverse(&self, visit: &PyVisit<'_>) -> Result<(), PyTraverseError> {
        for list in &self.slots {
            visit.call(list)?;
        }
        Ok(())
    }
}

/// `list` refilled with `events` when nobody but the ring holds it and its room suffices.
#[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API, Py_GIL_DISABLED)))]
fn refill<'py>(py: Python<'py>, list: &Py<PyList>, events: &mut Vec<Py<PyAny>>) -> Option<Bound<'py, PyList>> {
    use pyo3::ffi;
    let ptr = list.as_ptr();
    // SAFETY: `ptr` is a live list (the ring holds it) and the GIL is held. With a reference
    // count of 1, the ring's is the only reference: no Python code can reach the list while it
    // is refilled. Its size is set to 0 before the references its first `Py_SIZE` slots own are
    // released (a release may run code, even the cycle collector, which then sees an empty
    // list); then its first `n` slots (`allocated` are writable) take the events' references,
    // moved out of `events` (`Py` is a transparent non-null object pointer; the vector's length
    // is set to 0 so that they are not released twice), and the size is set to `n`.
    unsafe {
        if ffi::Py_REFCNT(ptr) != 1 {
            return None;
        }
        let raw = ptr.cast::<ffi::PyListObject>();
        let n = events.len();
        // The caller may have added items: one grown past what is kept is let go.
        let old_len = ffi::Py_SIZE(ptr);
        if (*raw).allocated < n as ffi::Py_ssize_t || old_len > RING_ITEMS as ffi::Py_ssize_t {
            return None;
        }
        let size = &raw mut (*raw.cast::<ffi::PyVarObject>()).ob_size;
        *size = 0;
        let event_type = crate::event::event_type_ptr(py);
        for i in 0..old_len {
            let item = *(*raw).ob_item.offset(i);
            // An event only this list held is kept alive for the next event (`recycle`).
            if !crate::event::recycle(py, item, event_type) {
                ffi::Py_DECREF(item);
            }
        }
        let (from, to) = (events.as_ptr().cast::<*mut ffi::PyObject>(), (*raw).ob_item);
        if n <= 2 {
            // Most token-sized feeds make one event: two stores, not a `memcpy` call.
            for i in 0..n {
                *to.add(i) = *from.add(i);
            }
        } else {
            std::ptr::copy_nonoverlapping(from, to, n);
        }
        events.set_len(0);
        *size = n as ffi::Py_ssize_t;
        Some(Bound::from_borrowed_ptr(py, ptr).cast_into_unchecked())
    }
}

/// One item of a path prefix: an `int` index or a `str` key.
pub fn prefix_seg(item: &Bound<'_, PyAny>) -> PyResult<NodeSeg> {
    if let Ok(i) = item.extract::<usize>() {
        return Ok(NodeSeg::Index(i));
    }
    Ok(NodeSeg::Key(item.cast::<PyString>()?.clone().unbind().into()))
}
