//! `loads` in one pass: the core's one-shot parser ([`instantjson_core::parse_whole`]) with a
//! [`Build`] that makes the Python objects directly, bottom up (a list is made once its elements
//! are all known, at its final size). When the one-shot parse gives up, `loads` runs the
//! streaming parser, which raises the exact error; so errors are the same either way.

use std::ptr::NonNull;

use instantjson_core::{parse_whole, parse_whole_str, Build, ParserOptions};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::build::big_int;
use crate::strings::{new_str, KeyCache};

/// A strong reference to a Python object, released when dropped (only ever by attached code:
/// the builder runs inside `loads`).
pub struct Obj(NonNull<ffi::PyObject>);

impl Obj {
    /// Take ownership of a new reference; `None` for NULL (a Python error is set).
    fn new(ptr: *mut ffi::PyObject) -> Option<Obj> {
        NonNull::new(ptr).map(Obj)
    }

    /// A new reference to an immortal-or-static singleton (`None`, `True`, `False`).
    fn singleton(ptr: *mut ffi::PyObject) -> Option<Obj> {
        // SAFETY: `ptr` is one of the interpreter's singletons, alive for its whole life.
        unsafe { ffi::Py_INCREF(ptr) };
        Obj::new(ptr)
    }

    fn into_ptr(self) -> *mut ffi::PyObject {
        let p = self.0.as_ptr();
        std::mem::forget(self);
        p
    }
}

impl Drop for Obj {
    fn drop(&mut self) {
        // SAFETY: a strong reference we own, released once, while attached (see the type docs).
        unsafe { ffi::Py_DECREF(self.0.as_ptr()) }
    }
}

/// Makes the Python values of one document.
struct PyBuild<'py> {
    py: Python<'py>,
    keys: KeyCache,
}

impl Build for PyBuild<'_> {
    type Value = Obj;

    fn null(&mut self) -> Option<Obj> {
        // SAFETY: reading the address of the `None` singleton.
        Obj::singleton(unsafe { ffi::Py_None() })
    }

    fn boolean(&mut self, value: bool) -> Option<Obj> {
        // SAFETY: reading the address of a bool singleton.
        Obj::singleton(unsafe {
            if value {
                ffi::Py_True()
            } else {
                ffi::Py_False()
            }
        })
    }

    fn int(&mut self, value: i64) -> Option<Obj> {
        // SAFETY: attached; returns a new reference or NULL with an error set.
        Obj::new(unsafe { ffi::PyLong_FromLongLong(value) })
    }

    fn big_int(&mut self, text: &str) -> Option<Obj> {
        big_int(self.py, text).ok().and_then(|v| Obj::new(v.into_ptr()))
    }

    fn float(&mut self, value: f64) -> Option<Obj> {
        // SAFETY: attached; returns a new reference or NULL with an error set.
        Obj::new(unsafe { ffi::PyFloat_FromDouble(value) })
    }

    fn string(&mut self, text: &str, ascii: bool) -> Option<Obj> {
        if ascii {
            return ascii_str(text);
        }
        Obj::new(new_str(self.py, text).into_ptr())
    }

    fn key(&mut self, text: &str, _ascii: bool) -> Option<Obj> {
        Obj::new(self.keys.get(self.py, text).into_ptr())
    }

    fn array(&mut self, items: std::vec::Drain<'_, Obj>) -> Option<Obj> {
        // SAFETY: `PyList_New(n)` gives a list of `n` NULL slots (or NULL with an error set); each
        // slot is filled exactly once with a reference we own, before anyone sees the list.
        unsafe {
            let list = Obj::new(ffi::PyList_New(items.len() as ffi::Py_ssize_t))?;
            for (i, item) in items.enumerate() {
                #[cfg(not(Py_LIMITED_API))]
                ffi::PyList_SET_ITEM(list.0.as_ptr(), i as ffi::Py_ssize_t, item.into_ptr());
                // The stable ABI (an abi3 build) has no macro: the function also steals the reference.
                #[cfg(Py_LIMITED_API)]
                ffi::PyList_SetItem(list.0.as_ptr(), i as ffi::Py_ssize_t, item.into_ptr());
            }
            Some(list)
        }
    }

    fn object(&mut self) -> Option<Obj> {
        // SAFETY: attached; returns a new reference or NULL with an error set.
        Obj::new(unsafe { ffi::PyDict_New() })
    }

    fn insert(&mut self, object: &mut Obj, key: Obj, value: Obj) -> Option<()> {
        // SAFETY: `object` is a dict we made; `PyDict_SetItem` takes its own references to the
        // key (a `str`, so hashable) and the value; ours are released when they drop.
        let r = unsafe { ffi::PyDict_SetItem(object.0.as_ptr(), key.0.as_ptr(), value.0.as_ptr()) };
        (r == 0).then_some(())
    }
}

/// An ASCII `str` made in one copy.
#[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API)))]
fn ascii_str(text: &str) -> Option<Obj> {
    // SAFETY: `PyUnicode_New(len, 127)` returns a compact ASCII string whose `len` data bytes
    // follow its header; we fill them with `text`'s bytes, which are ASCII, before anyone sees it.
    unsafe {
        let obj = Obj::new(ffi::PyUnicode_New(text.len() as ffi::Py_ssize_t, 127))?;
        let data = ffi::PyUnicode_DATA(obj.0.as_ptr()).cast::<u8>();
        std::ptr::copy_nonoverlapping(text.as_ptr(), data, text.len());
        Some(obj)
    }
}

#[cfg(any(PyPy, GraalPy, Py_LIMITED_API))]
fn ascii_str(text: &str) -> Option<Obj> {
    // SAFETY: attached; a new reference or NULL with an error set.
    Obj::new(unsafe { ffi::PyUnicode_FromStringAndSize(text.as_ptr().cast(), text.len() as ffi::Py_ssize_t) })
}

/// The cycle collector, paused while `loads` builds a value (and resumed when dropped, if it ran
/// before). A document's lists and dicts are all new, tracked objects: each few hundred of them
/// set off a collection that walks the young ones again, and the older generations' walks cover
/// the growing value over and over (measured on canada.json's 56,000 small lists: a quarter of
/// the call). Paused, the collector walks them once, at its next run after the call. The value
/// holds no cycle, and no Python code runs while it is built (the GIL is held throughout), so
/// nothing can tell the collector was off. With free threading other threads run meanwhile,
/// so there it is left alone.
struct GcPause {
    resume: bool,
}

impl GcPause {
    #[cfg(not(Py_GIL_DISABLED))]
    fn new() -> GcPause {
        // SAFETY: attached (called from `loads`); returns whether the collector was enabled.
        GcPause {
            resume: unsafe { ffi::PyGC_Disable() } != 0,
        }
    }

    #[cfg(Py_GIL_DISABLED)]
    fn new() -> GcPause {
        GcPause { resume: false }
    }
}

impl Drop for GcPause {
    fn drop(&mut self) {
        if self.resume {
            // SAFETY: attached (the pause lives inside `loads_whole`).
            unsafe { ffi::PyGC_Enable() };
        }
    }
}

/// The value of the complete JSON text `obj` (`str` or `bytes`) in one pass, or `None` when the
/// one-shot parse gave up (invalid input, a limit, a value Python would not build): the caller
/// then parses with the streaming parser, which raises the right error.
pub fn loads_whole(py: Python<'_>, obj: &Bound<'_, PyAny>, opts: &ParserOptions) -> Option<Py<PyAny>> {
    if opts.lenient {
        return None;
    }
    let mut build = PyBuild {
        py,
        keys: KeyCache::default(),
    };
    let _pause = GcPause::new();
    let value = if let Ok(s) = obj.cast::<PyString>() {
        let mut size: ffi::Py_ssize_t = 0;
        // SAFETY: `s` is a live `str`; the UTF-8 it returns (cached on the object, or its own
        // data when ASCII) lives as long as the object, which `obj` holds during the parse.
        let text = unsafe {
            let data = ffi::PyUnicode_AsUTF8AndSize(s.as_ptr(), &raw mut size);
            if data.is_null() {
                // A lone surrogate: the streaming path decides what that means.
                drop(PyErr::take(py));
                return None;
            }
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(data.cast::<u8>(), size as usize))
        };
        parse_whole_str(text, opts, &mut build)
    } else if let Ok(b) = obj.cast::<PyBytes>() {
        parse_whole(b.as_bytes(), opts, &mut build)
    } else {
        return None;
    };
    if let Some(v) = value {
        // SAFETY: a new reference we own, handed to a `Bound` that now owns it.
        return Some(unsafe { Bound::from_owned_ptr(py, v.into_ptr()) }.unbind());
    }
    // The builder may have failed with an error set; the streaming parse reports.
    drop(PyErr::take(py));
    None
}
