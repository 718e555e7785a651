//! Fast Python string creation and the per-parser key cache.

use pyo3::prelude::*;
use pyo3::types::PyString;
use rustc_hash::FxHashMap;

/// A Python `str` from Rust text. ASCII text (the common case for keys and much of the values) is
/// copied straight into a new compact string, skipping `CPython`'s UTF-8 decoder (after jiter's
/// `pystring_ascii_new`, itself after orjson).
pub fn new_str<'py>(py: Python<'py>, s: &str) -> Bound<'py, PyString> {
    #[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API)))]
    {
        if s.is_ascii() {
            // SAFETY: `PyUnicode_New` with maxchar 127 returns a compact ASCII string whose data
            // area holds `len` bytes plus a NUL, laid out right after the `PyASCIIObject` header
            // (`PyUnicode_DATA`). We fill exactly `len` bytes of ASCII, which is a valid value for
            // that kind, before anyone else can see the object. A NULL return (out of memory)
            // falls back to the checked path, which raises.
            unsafe {
                let ptr = pyo3::ffi::PyUnicode_New(s.len() as pyo3::ffi::Py_ssize_t, 127);
                if !ptr.is_null() {
                    let data = ptr.cast::<pyo3::ffi::PyASCIIObject>().add(1).cast::<u8>();
                    std::ptr::copy_nonoverlapping(s.as_ptr(), data, s.len());
                    return Bound::from_owned_ptr(py, ptr).cast_into_unchecked();
                }
                pyo3::ffi::PyErr_Clear();
            }
        }
    }
    PyString::new(py, s)
}

/// Object keys are interned per parser: the same key text gives the same Python string, and
/// the text shared by the path nodes. Only short keys are kept, and only so many (as orjson and
/// jiter do); per parser, so no lock is needed, also on free-threaded Python.
const MAX_CACHED_KEY: usize = 64;
const MAX_CACHED_KEYS: usize = 4096;

#[derive(Default)]
pub struct KeyCache {
    map: FxHashMap<Box<str>, Py<PyString>>,
}

impl KeyCache {
    pub fn get(&mut self, py: Python<'_>, key: &str) -> Py<PyString> {
        if let Some(k) = self.map.get(key) {
            return k.clone_ref(py);
        }
        let k = new_str(py, key).unbind();
        if key.len() <= MAX_CACHED_KEY && self.map.len() < MAX_CACHED_KEYS {
            self.map.insert(key.into(), k.clone_ref(py));
        }
        k
    }
}
