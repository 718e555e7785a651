//! `InstantEvent` and the path nodes it points to.
//!
//! Every value the parser starts gets a [`Node`]: its parent and its key or index. Events hold a
//! shared `Node`; the four path views (`path`, `keys`, `wildcard_path`, `indexes`) are built on first
//! read and cached on the node, so the many deltas of one string share them and events nobody
//! reads cost no string formatting at all.
//!
//! The Python type is defined here with the C API rather than `#[pyclass]` (see [`event_type`]):
//! a stream makes an event for most of its chunks, and a plain object allocated with
//! `PyObject_New` and freed by its own `tp_dealloc` costs a fraction of a `#[pyclass]` instance
//! (measured: the events were 30-40% of a feed's instructions before).

use std::ffi::{c_int, c_void};
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::OnceLock;

use instantjson_core::path::push_seg;
use instantjson_core::Seg;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use pyo3::{intern, IntoPyObjectExt};

use crate::shared::{lock, Cell, Shared};

/// A strong reference released with a plain decref when dropped.
///
/// `Py<T>` asks `PyO3` on drop whether this thread is attached to the interpreter, and `PyO3`
/// knows only the calls that came in through its own entry points: in an event's `tp_dealloc`,
/// which `CPython` calls directly, it would put every decref on its deferred pool instead. What holds a
/// `Held` (events, path nodes, the parser's builder) is only ever dropped by attached code: an
/// event's dealloc, or a parser method or dealloc.
pub struct Held<T>(ManuallyDrop<Py<T>>);

impl<T> From<Py<T>> for Held<T> {
    fn from(p: Py<T>) -> Self {
        Held(ManuallyDrop::new(p))
    }
}

impl<T> Deref for Held<T> {
    type Target = Py<T>;
    fn deref(&self) -> &Py<T> {
        &self.0
    }
}

impl<T> Drop for Held<T> {
    fn drop(&mut self) {
        // SAFETY: a live strong reference we own, released once, by attached code (see above).
        unsafe { ffi::Py_DECREF(self.0.as_ptr()) }
    }
}

/// Where a value sits in its parent.
pub enum NodeSeg {
    Root,
    /// An object key: the Python string, the same object as the dict's key.
    Key(Held<PyString>),
    Index(usize),
}

/// One value's place in the document. Kept small: most nodes are never asked for their path, so
/// the cached views live in a separate allocation made on first read. Containers' nodes are shared
/// (`Arc`) as the parents of their children; a scalar's node lives inside its event.
pub struct Node {
    pub parent: Option<Shared<Node>>,
    pub seg: NodeSeg,
    views: OnceLock<Box<Views>>,
}

/// The path views of a node, built on first read.
#[derive(Default)]
struct Views {
    path: OnceLock<Box<str>>,
    wildcard: OnceLock<Box<str>>,
    py_path: OnceLock<Held<PyString>>,
    py_wildcard: OnceLock<Held<PyString>>,
    py_keys: OnceLock<Held<PyTuple>>,
    py_indexes: OnceLock<Held<PyTuple>>,
}

impl Node {
    pub fn new(parent: Option<Shared<Node>>, seg: NodeSeg) -> Shared<Node> {
        Shared::new(Node::leaf(parent, seg))
    }

    pub fn leaf(parent: Option<Shared<Node>>, seg: NodeSeg) -> Node {
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
            NodeSeg::Key(k) => NodeSeg::Key(k.clone_ref(py).into()),
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
            .get_or_init(|| PyString::new(py, self.path(py)).unbind().into())
            .bind(py)
            .clone()
    }

    fn py_wildcard<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        self.views()
            .py_wildcard
            .get_or_init(|| PyString::new(py, self.wildcard(py)).unbind().into())
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
        let items: Vec<Bound<'py, PyAny>> = self
            .segments()
            .into_iter()
            .map(|seg| match seg {
                NodeSeg::Key(k) => Ok(k.bind(py).clone().into_any()),
                NodeSeg::Index(i) => i.into_bound_py_any(py),
                NodeSeg::Root => Ok(py.None().into_bound(py)),
            })
            .collect::<PyResult<_>>()?;
        let t = PyTuple::new(py, items)?;
        Ok(self.views().py_keys.get_or_init(|| t.unbind().into()).bind(py).clone())
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
        Ok(self
            .views()
            .py_indexes
            .get_or_init(|| t.unbind().into())
            .bind(py)
            .clone())
    }
}

/// An event's node: shared with other events, or its own.
pub enum NodeRef {
    Shared(Shared<Node>),
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
            NodeRef::Shared(n) => NodeRef::Shared(n.clone()),
            NodeRef::Own(n) => NodeRef::Own(n.copy(py)),
        }
    }

    /// Make the node shareable (for a container, or a string whose deltas span feeds).
    pub fn share(&mut self) -> Shared<Node> {
        if let NodeRef::Own(n) = self {
            let owned = std::mem::replace(n, Node::leaf(None, NodeSeg::Root));
            *self = NodeRef::Shared(Shared::new(owned));
        }
        match self {
            NodeRef::Shared(n) => n.clone(),
            NodeRef::Own(_) => unreachable!("just made shared"),
        }
    }
}

/// The text of one open string, shared by its delta events so each can build `value` (the
/// string so far) on first read without the parser copying the text per event.
pub type SharedText = Shared<Cell<String>>;

/// One instant event: the value at `path` grew (`"delta"`) or is complete (`"done"`). The data of
/// a Python `InstantEvent` object (see [`event_type`] for its attributes).
pub struct InstantEvent {
    node: NodeRef,
    delta: Option<Held<PyString>>,
    value: EventValue,
    /// Lenient: a repair rule changed this (done) value.
    repaired: bool,
}

enum EventValue {
    /// A done event's complete value.
    Done(Held<PyAny>),
    /// A delta's string so far: the shared text, its length in bytes at this event, and the
    /// Python string once built.
    SoFar(SharedText, usize, OnceLock<Held<PyAny>>),
}

impl InstantEvent {
    pub fn done(node: NodeRef, value: Py<PyAny>) -> Self {
        InstantEvent {
            node,
            delta: None,
            value: EventValue::Done(value.into()),
            repaired: false,
        }
    }

    /// The last delta of a string: its value is the whole string.
    pub fn last(node: NodeRef, delta: Py<PyString>, value: Py<PyAny>) -> Self {
        InstantEvent {
            node,
            delta: Some(delta.into()),
            value: EventValue::Done(value.into()),
            repaired: false,
        }
    }

    pub fn grew(node: NodeRef, delta: Py<PyString>, text: SharedText, len: usize) -> Self {
        InstantEvent {
            node,
            delta: Some(delta.into()),
            value: EventValue::SoFar(text, len, OnceLock::new()),
            repaired: false,
        }
    }

    /// Mark a done event's value as repaired (lenient).
    pub fn mark_repaired(&mut self) {
        if self.delta.is_none() {
            self.repaired = true;
        }
    }

    /// The Python object for this event.
    pub fn into_object(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        // SAFETY: `PyObject_New` allocates `basicsize` (= size_of::<EventObject>()) bytes for an
        // instance of our type with its header set (one reference, the type's reference taken);
        // a block from the free list is such an allocation whose event was dropped, and
        // `PyObject_Init` sets its header the same way; a live kept object (`recycle`) has its
        // header still set, its one reference ours. We initialize the rest, the event, before
        // the object is seen. `dealloc` undoes both.
        unsafe {
            let obj = if let Some(live) = free_list::pop_live() {
                live.cast::<EventObject>()
            } else {
                let ty = event_type(py)?.as_type_ptr();
                match free_list::pop() {
                    Some(block) => ffi::PyObject_Init(block, ty).cast::<EventObject>(),
                    None => ffi::PyObject_New::<EventObject>(ty),
                }
            };
            if obj.is_null() {
                return Err(PyErr::fetch(py));
            }
            std::ptr::addr_of_mut!((*obj).event).write(ManuallyDrop::new(self));
            Ok(Bound::from_owned_ptr(py, obj.cast()).unbind())
        }
    }

    fn value_of<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        match &self.value {
            EventValue::Done(v) => v.bind(py).clone(),
            EventValue::SoFar(text, len, cache) => cache
                .get_or_init(|| {
                    let guard = lock(text);
                    crate::strings::new_str(py, guard.get(..*len).unwrap_or(""))
                        .into_any()
                        .unbind()
                        .into()
                })
                .bind(py)
                .clone(),
        }
    }

    fn event_type<'py>(&self, py: Python<'py>) -> &Bound<'py, PyString> {
        if self.delta.is_some() {
            intern!(py, "delta")
        } else {
            intern!(py, "done")
        }
    }

    fn delta<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        match &self.delta {
            Some(d) => d.bind(py).clone().into_any(),
            None => py.None().into_bound(py),
        }
    }

    /// One attribute (see `GETSET`).
    fn field<'py>(&self, py: Python<'py>, field: Field) -> PyResult<Bound<'py, PyAny>> {
        let node = self.node.get();
        Ok(match field {
            Field::Path => node.py_path(py).into_any(),
            Field::Keys => node.py_keys(py)?.into_any(),
            Field::WildcardPath => node.py_wildcard(py).into_any(),
            Field::Indexes => node.py_indexes(py)?.into_any(),
            Field::EventType => self.event_type(py).clone().into_any(),
            Field::IsComplete => self.delta.is_none().into_bound_py_any(py)?,
            Field::Delta => self.delta(py),
            Field::Value => self.value_of(py),
            Field::Repaired => self.repaired.into_bound_py_any(py)?,
        })
    }

    fn eq(&self, py: Python<'_>, other: &InstantEvent) -> PyResult<bool> {
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

    fn hash(&self, py: Python<'_>) -> PyResult<isize> {
        (self.node.get().py_path(py), self.event_type(py), self.delta(py))
            .into_pyobject(py)?
            .hash()
    }

    fn repr(&self, py: Python<'_>) -> PyResult<String> {
        let value = self.value_of(py).repr()?;
        let path = self.node.get().py_path(py).repr()?;
        Ok(match &self.delta {
            Some(d) => format!(
                "InstantEvent(event_type='delta', path={path}, delta={}, value={value})",
                d.bind(py).repr()?
            ),
            None => format!("InstantEvent(event_type='done', path={path}, value={value})"),
        })
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (name, field) in [
            ("event_type", Field::EventType),
            ("path", Field::Path),
            ("wildcard_path", Field::WildcardPath),
            ("keys", Field::Keys),
            ("indexes", Field::Indexes),
            ("delta", Field::Delta),
            ("value", Field::Value),
        ] {
            d.set_item(name, self.field(py, field)?)?;
        }
        Ok(d)
    }
}

// ------------------------------------------------------------------------- the Python type

/// An `InstantEvent` object: the object header, then the event.
#[repr(C)]
struct EventObject {
    ob_base: ffi::PyObject,
    event: ManuallyDrop<InstantEvent>,
}

/// The attributes, in the order of `GETSET` (the index is the getter's closure).
#[derive(Clone, Copy)]
enum Field {
    Path,
    Keys,
    WildcardPath,
    Indexes,
    EventType,
    IsComplete,
    Delta,
    Value,
    Repaired,
}

const FIELDS: [(&std::ffi::CStr, Field, &std::ffi::CStr); 9] = [
    (
        c"path",
        Field::Path,
        c"Dot path: `title`, `steps[0].owner`, `[2].x` under a root list, `[\"a.b\"]` for odd keys.",
    ),
    (c"keys", Field::Keys, c"The same path as a tuple of keys and indexes."),
    (
        c"wildcard_path",
        Field::WildcardPath,
        c"`path` with every index written `[*]`: `steps[*].owner`.",
    ),
    (c"indexes", Field::Indexes, c"The indexes in `path`, in order."),
    (c"event_type", Field::EventType, c"`\"delta\"` or `\"done\"`."),
    (c"is_complete", Field::IsComplete, c"`event_type == \"done\"`."),
    (
        c"delta",
        Field::Delta,
        c"On a string's delta: the new text (never empty). On done: None.",
    ),
    (
        c"value",
        Field::Value,
        c"On a delta: the string so far. On done: the complete value (containers are shared with \
          the parser's result: treat them as read-only).",
    ),
    (
        c"repaired",
        Field::Repaired,
        c"Lenient: True on the done event of a value a repair rule changed (a guess: distrust it).",
    ),
];

const DOC: &std::ffi::CStr = c"One instant event: the value at `path` grew (`\"delta\"`) or is complete (`\"done\"`).

Attributes: `path` (dot path, `steps[0].owner`), `keys` (the path as a tuple), `wildcard_path`
(`steps[*].owner`), `indexes` (`(0,)`), `event_type` (`\"delta\"` or `\"done\"`), `is_complete`,
`delta` (a string's new text, `None` on done) and `value` (on a delta the string so far, on done
the complete value). Container values are shared with the parser's result: treat them as
read-only. Events compare equal when their path, type, delta and value are equal; they match
`case InstantEvent(event_type, path, value)`. Made by the parser only.";

static EVENT_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The `InstantEvent` type, made on first use (the module's import).
pub fn event_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    EVENT_TYPE.get_or_try_init(py, || make_type(py)).map(|t| t.bind(py))
}

fn make_type(py: Python<'_>) -> PyResult<Py<PyType>> {
    // The attribute and method tables must outlive the type, which lives as long as the process.
    let mut getset: Vec<ffi::PyGetSetDef> = FIELDS
        .iter()
        .map(|&(name, field, doc)| ffi::PyGetSetDef {
            name: name.as_ptr(),
            get: Some(get_field),
            set: None,
            doc: doc.as_ptr(),
            closure: field as usize as *mut c_void,
        })
        .collect();
    getset.push(ffi::PyGetSetDef::default());
    let methods: &mut [ffi::PyMethodDef] = Box::leak(Box::new([
        ffi::PyMethodDef {
            ml_name: c"to_dict".as_ptr(),
            ml_meth: ffi::PyMethodDefPointer { PyCFunction: to_dict },
            ml_flags: ffi::METH_NOARGS,
            ml_doc: c"The event as a plain dict (what `python -m instantjson parse` prints).".as_ptr(),
        },
        ffi::PyMethodDef::zeroed(),
    ]));
    let getset: &mut [ffi::PyGetSetDef] = Box::leak(getset.into_boxed_slice());
    let mut slots = [
        slot(ffi::Py_tp_doc, DOC.as_ptr().cast_mut().cast()),
        slot(ffi::Py_tp_dealloc, dealloc as *mut c_void),
        slot(ffi::Py_tp_getset, getset.as_mut_ptr().cast()),
        slot(ffi::Py_tp_methods, methods.as_mut_ptr().cast()),
        slot(ffi::Py_tp_repr, repr as *mut c_void),
        slot(ffi::Py_tp_hash, hash as *mut c_void),
        slot(ffi::Py_tp_richcompare, richcompare as *mut c_void),
        slot(0, std::ptr::null_mut()),
    ];
    let mut spec = ffi::PyType_Spec {
        name: c"instantjson.InstantEvent".as_ptr(),
        basicsize: c_int::try_from(std::mem::size_of::<EventObject>()).unwrap_or(c_int::MAX),
        itemsize: 0,
        // Not a base type: every instance is an `EventObject`, as the slots assume.
        flags: (ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_DISALLOW_INSTANTIATION) as std::ffi::c_uint,
        slots: slots.as_mut_ptr(),
    };
    // SAFETY: a valid spec whose name and tables are 'static (`CPython` keeps pointers to them);
    // the slot array itself is copied.
    let ty = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyType_FromSpec(&raw mut spec))? };
    let ty = ty.cast_into::<PyType>()?;
    ty.setattr("__match_args__", ("event_type", "path", "value"))?;
    Ok(ty.unbind())
}

fn slot(slot: c_int, pfunc: *mut c_void) -> ffi::PyType_Slot {
    ffi::PyType_Slot { slot, pfunc }
}

/// The event inside an object of our type.
///
/// # Safety
/// `obj` is a live `InstantEvent` object (`CPython` calls our slots only with instances of our
/// type, which cannot be subclassed or made from Python).
unsafe fn event_of<'a>(obj: *mut ffi::PyObject) -> &'a InstantEvent {
    unsafe { &(*obj.cast::<EventObject>()).event }
}

/// Run a slot's body: a Python error (or a panic, which must not cross into C) becomes the raised
/// exception and `failed` is returned.
fn run_slot<R>(failed: R, body: impl FnOnce(Python<'_>) -> PyResult<R>) -> R {
    // SAFETY: `CPython` calls type slots only from attached threads.
    let py = unsafe { Python::assume_attached() };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(py))).unwrap_or_else(|_| {
        Err(pyo3::exceptions::PyRuntimeError::new_err(
            "instantjson: internal error in InstantEvent (a bug: please report it)",
        ))
    });
    result.unwrap_or_else(|e| {
        e.restore(py);
        failed
    })
}

unsafe extern "C" fn dealloc(obj: *mut ffi::PyObject) {
    // SAFETY: `obj` is an instance of our type whose last reference is gone: its event is dropped
    // once (its references are released with plain decrefs, see `Held`; nothing in it panics),
    // its memory goes to the free list or back to `PyObject_Free` (it came from `PyObject_New`), and the reference
    // to the type taken at allocation is released.
    unsafe {
        let ty = ffi::Py_TYPE(obj);
        ManuallyDrop::drop(&mut (*obj.cast::<EventObject>()).event);
        if !free_list::push(obj) {
            ffi::PyObject_Free(obj.cast());
        }
        ffi::Py_DECREF(ty.cast());
    }
}

/// Event objects kept for the next events, as `CPython` does for its own small objects (floats,
/// tuples, lists): a token stream makes and drops an event for most chunks. Two stacks:
/// `FREE`, blocks of freed events (a block taken from there skips the allocator twice, its
/// `malloc` and its `free`); and `LIVE`, objects a refilled list was the last to hold, whose event
/// was dropped but whose object was kept, with its one reference (one taken from there also skips
/// the object's release and set-up: the deallocation call, the type's reference count, the new
/// reference's bookkeeping). See [`recycle`].
#[cfg(not(Py_GIL_DISABLED))]
mod free_list {
    use pyo3::ffi;
    use std::cell::UnsafeCell;

    const CAPACITY: usize = 64;

    struct Stack {
        blocks: UnsafeCell<[*mut ffi::PyObject; CAPACITY]>,
        len: UnsafeCell<usize>,
    }

    // SAFETY: only `Stack::push` and `Stack::pop` touch it, called from an event's `tp_dealloc`,
    // `recycle` and `into_object`, all run by threads attached to the interpreter, which the GIL
    // serializes (this module exists only on builds with a GIL, and `PyO3` modules load in one
    // interpreter only, so no second GIL runs beside it).
    unsafe impl Sync for Stack {}

    impl Stack {
        const fn new() -> Self {
            Stack {
                blocks: UnsafeCell::new([std::ptr::null_mut(); CAPACITY]),
                len: UnsafeCell::new(0),
            }
        }

        fn pop(&self) -> Option<*mut ffi::PyObject> {
            // SAFETY: see `Stack`: no other access runs meanwhile; `len` counts the slots in use.
            unsafe {
                let len = &mut *self.len.get();
                if *len == 0 {
                    return None;
                }
                *len -= 1;
                Some((*self.blocks.get())[*len])
            }
        }

        fn push(&self, block: *mut ffi::PyObject) -> bool {
            // SAFETY: as in `pop`.
            unsafe {
                let len = &mut *self.len.get();
                if *len == CAPACITY {
                    return false;
                }
                (*self.blocks.get())[*len] = block;
                *len += 1;
                true
            }
        }
    }

    static FREE: Stack = Stack::new();
    static LIVE: Stack = Stack::new();

    /// A block of a freed event (memory from `PyObject_New`, of our type's size, uninitialized
    /// as an object), if one is kept.
    pub fn pop() -> Option<*mut ffi::PyObject> {
        FREE.pop()
    }

    /// Keep the block of an event whose contents are dropped; false when the list is full (the
    /// caller frees it).
    pub fn push(block: *mut ffi::PyObject) -> bool {
        FREE.push(block)
    }

    /// A live event object whose event was dropped (its one reference now the caller's), if one is
    /// kept.
    pub fn pop_live() -> Option<*mut ffi::PyObject> {
        LIVE.pop()
    }

    /// Keep a live event object whose event was dropped, with its one reference; false when the
    /// list is full (the caller releases it).
    #[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API)))]
    pub fn push_live(obj: *mut ffi::PyObject) -> bool {
        LIVE.push(obj)
    }
}

/// Free-threaded builds allocate and free every event (no list shared between threads).
#[cfg(Py_GIL_DISABLED)]
mod free_list {
    use pyo3::ffi;

    pub fn pop() -> Option<*mut ffi::PyObject> {
        None
    }

    pub fn push(_block: *mut ffi::PyObject) -> bool {
        false
    }

    pub fn pop_live() -> Option<*mut ffi::PyObject> {
        None
    }
}

/// The `InstantEvent` type object, or null before the type exists.
#[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API, Py_GIL_DISABLED)))]
pub fn event_type_ptr(py: Python<'_>) -> *mut ffi::PyTypeObject {
    EVENT_TYPE
        .get(py)
        .map_or(std::ptr::null_mut(), |t| t.bind(py).as_type_ptr())
}

/// Take back `obj` when it is an event object nobody but the caller holds (the item of a list
/// being refilled): its event is dropped now and the object itself, still alive with the caller's
/// reference, is kept for the next event (see `free_list`). False, and nothing done, for anything
/// else; the caller then releases its reference as usual. `ty` is [`event_type_ptr`].
///
/// # Safety
/// `obj` is a live object that the caller holds one reference to, attached to the interpreter;
/// on true that reference has been taken over.
#[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API, Py_GIL_DISABLED)))]
pub unsafe fn recycle(py: Python<'_>, obj: *mut ffi::PyObject, ty: *mut ffi::PyTypeObject) -> bool {
    // SAFETY: `obj` is live (caller). With a reference count of 1 the caller's reference is the
    // only one: no other code can reach the object, so its event can be dropped in place (once:
    // the object is then only ever filled again by `into_object`, which writes a new event before
    // handing it out). Dropping the event may run Python code (a value's finalizer); the object
    // is not reachable from it. If the stack is full (it holds a few objects in a steady stream;
    // finalizers run by the drop could fill it), the object gets an empty event (a done of `None`
    // at the root) and is released the usual way.
    unsafe {
        if ty.is_null() || ffi::Py_TYPE(obj) != ty || ffi::Py_REFCNT(obj) != 1 {
            return false;
        }
        ManuallyDrop::drop(&mut (*obj.cast::<EventObject>()).event);
        if !free_list::push_live(obj) {
            let empty = InstantEvent::done(NodeRef::Own(Node::leaf(None, NodeSeg::Root)), py.None());
            std::ptr::addr_of_mut!((*obj.cast::<EventObject>()).event).write(ManuallyDrop::new(empty));
            ffi::Py_DECREF(obj);
        }
        true
    }
}

unsafe extern "C" fn get_field(obj: *mut ffi::PyObject, closure: *mut c_void) -> *mut ffi::PyObject {
    let field = FIELDS[(closure as usize).min(FIELDS.len() - 1)].1;
    // SAFETY: a getter of our type gets an instance of it.
    let ev = unsafe { event_of(obj) };
    run_slot(std::ptr::null_mut(), |py| Ok(ev.field(py, field)?.into_ptr()))
}

unsafe extern "C" fn to_dict(obj: *mut ffi::PyObject, _args: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: a method of our type gets an instance of it.
    let ev = unsafe { event_of(obj) };
    run_slot(std::ptr::null_mut(), |py| Ok(ev.to_dict(py)?.into_ptr()))
}

unsafe extern "C" fn repr(obj: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: as for `get_field`.
    let ev = unsafe { event_of(obj) };
    run_slot(std::ptr::null_mut(), |py| {
        Ok(PyString::new(py, &ev.repr(py)?).into_ptr())
    })
}

unsafe extern "C" fn hash(obj: *mut ffi::PyObject) -> ffi::Py_hash_t {
    // SAFETY: as for `get_field`.
    let ev = unsafe { event_of(obj) };
    // -1 means an error to `CPython` (and a tuple's hash is never -1).
    run_slot(-1, |py| ev.hash(py))
}

unsafe extern "C" fn richcompare(a: *mut ffi::PyObject, b: *mut ffi::PyObject, op: c_int) -> *mut ffi::PyObject {
    run_slot(std::ptr::null_mut(), |py| {
        // SAFETY: `CPython` passes live objects; `a` is ours (this is our type's slot), `b` is
        // checked before it is read as an event.
        let (a_ty, b_ty) = unsafe { (ffi::Py_TYPE(a), ffi::Py_TYPE(b)) };
        if (op != ffi::Py_EQ && op != ffi::Py_NE) || a_ty != b_ty {
            return Ok(py.NotImplemented().into_ptr());
        }
        // SAFETY: both are instances of our type.
        let equal = unsafe { event_of(a).eq(py, event_of(b))? };
        Ok((equal == (op == ffi::Py_EQ)).into_bound_py_any(py)?.into_ptr())
    })
}
