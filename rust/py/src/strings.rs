//! Fast Python string creation and the per-parser key cache.

use pyo3::prelude::*;
use pyo3::types::PyString;
use rustc_hash::FxHashMap;

/// A Python `str` from Rust text, built directly in `CPython`'s compact form: the number of
/// characters and the widest one are known from the UTF-8 bytes alone, so the string is
/// allocated once at its final kind (1, 2 or 4 bytes per character) and filled in one pass.
/// `CPython`'s UTF-8 decoder instead starts narrow and widens and copies as it meets wider
/// characters, which costs most on the mixed text of model answers (after orjson's and jiter's
/// string builders).
pub fn new_str<'py>(py: Python<'py>, s: &str) -> Bound<'py, PyString> {
    #[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API)))]
    {
        // SAFETY: `compact` fills a string of exactly the kind and length it asked for.
        if let Some(obj) = unsafe { compact(py, s) } {
            return obj;
        }
    }
    PyString::new(py, s)
}

/// The width `CPython` stores `s` with: the largest character decides, and the lead byte of a
/// character's UTF-8 sequence tells its range (`0xC2`-`0xC3`: U+0080-U+00FF, below `0xF0`: the
/// BMP, else beyond).
#[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API)))]
fn max_char_of(bytes: &[u8]) -> u32 {
    let lead = bytes.iter().copied().max().unwrap_or(0);
    match lead {
        0x00..=0x7f => 0x7f,
        0x80..=0xc3 => 0xff,
        0xc4..=0xef => 0xffff,
        _ => 0x0010_ffff,
    }
}

/// # Safety
/// Must be called attached to the interpreter (`py` proves it).
#[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API)))]
unsafe fn compact<'py>(py: Python<'py>, s: &str) -> Option<Bound<'py, PyString>> {
    use pyo3::ffi;
    let bytes = s.as_bytes();
    let max = max_char_of(bytes);
    let len = if max == 0x7f {
        bytes.len()
    } else {
        instantjson_core::count_chars(bytes) as usize
    };
    // SAFETY: `PyUnicode_New(len, max)` returns a compact string of `len` characters, each of
    // kind 1 (max <= 0xFF), 2 (<= 0xFFFF) or 4 bytes, with a data area (`PyUnicode_DATA`) right
    // after its header; we write exactly `len` characters of that kind, each <= `max`, which is
    // what that kind requires (and for an ASCII string, ASCII bytes), before anyone else can see
    // the object. A NULL return (out of memory) falls back to the checked path, which raises.
    unsafe {
        let ptr = ffi::PyUnicode_New(len as ffi::Py_ssize_t, max);
        if ptr.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        let data = ffi::PyUnicode_DATA(ptr);
        match max {
            0x7f => std::ptr::copy_nonoverlapping(bytes.as_ptr(), data.cast::<u8>(), len),
            0xff => fill(s, data.cast::<u8>()),
            0xffff => fill(s, data.cast::<u16>()),
            _ => fill(s, data.cast::<u32>()),
        }
        Some(Bound::from_owned_ptr(py, ptr).cast_into_unchecked())
    }
}

/// Write the characters of `s` as code units of `T`, which `s`'s widest character fits.
/// Runs of ASCII (most of a model's text, whatever its language: spaces, digits, punctuation)
/// are widened eight bytes at a time; other characters are decoded from their UTF-8 sequence.
///
/// # Safety
/// `out` must have room for as many `T`s as `s` has characters.
#[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API)))]
unsafe fn fill<T: TryFrom<u32> + From<u8> + Default + Copy>(s: &str, out: *mut T) {
    let b = s.as_bytes();
    let n = b.len();
    let (mut i, mut o) = (0usize, 0usize);
    while i < n {
        while i + 8 <= n {
            let mut word = [0u8; 8];
            word.copy_from_slice(&b[i..i + 8]);
            if u64::from_ne_bytes(word) & 0x8080_8080_8080_8080 != 0 {
                break;
            }
            for (k, &c) in word.iter().enumerate() {
                // SAFETY: eight ASCII bytes are eight characters, for which the caller made room.
                unsafe { out.add(o + k).write(T::from(c)) };
            }
            i += 8;
            o += 8;
        }
        if i >= n {
            break;
        }
        // `s` is valid UTF-8, so a lead byte is followed by its continuation bytes.
        let lead = u32::from(b[i]);
        let (c, len) = if lead < 0x80 {
            (lead, 1)
        } else if lead < 0xe0 {
            (((lead & 0x1f) << 6) | u32::from(b[i + 1] & 0x3f), 2)
        } else if lead < 0xf0 {
            let c = ((lead & 0x0f) << 12) | (u32::from(b[i + 1] & 0x3f) << 6) | u32::from(b[i + 2] & 0x3f);
            (c, 3)
        } else {
            let c = ((lead & 0x07) << 18)
                | (u32::from(b[i + 1] & 0x3f) << 12)
                | (u32::from(b[i + 2] & 0x3f) << 6)
                | u32::from(b[i + 3] & 0x3f);
            (c, 4)
        };
        // SAFETY: `o` counts the characters written so far, fewer than `s` has.
        unsafe { out.add(o).write(T::try_from(c).unwrap_or_default()) };
        i += len;
        o += 1;
    }
}

/// The UTF-8 text of a `str`: borrowed from the object when it is ASCII (its characters are its
/// UTF-8), else encoded into `buf`. A lone surrogate, which UTF-8 cannot hold, becomes U+FFFD,
/// and the text is then `Cow::Owned` (not the object's exact text).
///
/// `PyUnicode_AsUTF8AndSize` would instead allocate a UTF-8 copy and keep it on the object for
/// its lifetime: for the non-ASCII tokens of a stream, one allocation per token, and twice the
/// memory for every token a response keeps for its replay.
#[cfg_attr(any(PyPy, GraalPy, Py_LIMITED_API), allow(unused_variables))]
pub fn utf8_of<'a>(s: &'a Bound<'_, PyString>, buf: &'a mut String) -> std::borrow::Cow<'a, str> {
    #[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API)))]
    {
        use pyo3::ffi;
        let ptr = s.as_ptr();
        // SAFETY: `ptr` is a live `str` (or subclass). Once ready (always, from 3.12; checked
        // before), its `length` characters of `kind` bytes each are at `PyUnicode_DATA`, and an
        // ASCII string's characters are ASCII bytes, which are valid UTF-8. The borrowed slice
        // lives as long as `s` holds the (immutable) string.
        unsafe {
            #[cfg(not(Py_3_12))]
            if ffi::PyUnicode_READY(ptr) != 0 {
                ffi::PyErr_Clear();
                return std::borrow::Cow::Owned(s.to_string_lossy().into_owned());
            }
            let len = ffi::PyUnicode_GET_LENGTH(ptr) as usize;
            let data = ffi::PyUnicode_DATA(ptr);
            if ffi::PyUnicode_IS_ASCII(ptr) != 0 {
                let bytes = std::slice::from_raw_parts(data.cast::<u8>(), len);
                return std::borrow::Cow::Borrowed(std::str::from_utf8_unchecked(bytes));
            }
            buf.clear();
            let exact = match ffi::PyUnicode_KIND(ptr) {
                ffi::PyUnicode_1BYTE_KIND => push_units(buf, std::slice::from_raw_parts(data.cast::<u8>(), len)),
                ffi::PyUnicode_2BYTE_KIND => push_units(buf, std::slice::from_raw_parts(data.cast::<u16>(), len)),
                _ => push_units(buf, std::slice::from_raw_parts(data.cast::<u32>(), len)),
            };
            return if exact {
                std::borrow::Cow::Borrowed(buf.as_str())
            } else {
                std::borrow::Cow::Owned(buf.clone())
            };
        }
    }
    #[allow(unreachable_code)]
    s.to_string_lossy()
}

/// Append code points (UCS-1, UCS-2 or UCS-4 units) as UTF-8; a surrogate becomes U+FFFD. False
/// when one did. Written byte by byte into reserved room: runs of ASCII (most of a model's text,
/// even in other scripts: spaces, digits, punctuation) cost a compare and a store each.
#[cfg(not(any(PyPy, GraalPy, Py_LIMITED_API)))]
fn push_units<T: Copy + Into<u32>>(buf: &mut String, units: &[T]) -> bool {
    let mut out = std::mem::take(buf).into_bytes();
    // At most 3 bytes of UTF-8 per unit below U+10000 and 4 per unit beyond (one UCS-4 unit).
    out.reserve(units.len() * if std::mem::size_of::<T>() == 4 { 4 } else { 3 });
    let mut exact = true;
    for &u in units {
        let c: u32 = u.into();
        if c < 0x80 {
            out.push(c as u8);
        } else if c < 0x800 {
            out.extend_from_slice(&[0xc0 | (c >> 6) as u8, 0x80 | (c & 0x3f) as u8]);
        } else if c < 0x10000 {
            let c = if (0xd800..0xe000).contains(&c) {
                exact = false;
                0xfffd
            } else {
                c
            };
            out.extend_from_slice(&[
                0xe0 | (c >> 12) as u8,
                0x80 | ((c >> 6) & 0x3f) as u8,
                0x80 | (c & 0x3f) as u8,
            ]);
        } else {
            out.extend_from_slice(&[
                0xf0 | (c >> 18) as u8,
                0x80 | ((c >> 12) & 0x3f) as u8,
                0x80 | ((c >> 6) & 0x3f) as u8,
                0x80 | (c & 0x3f) as u8,
            ]);
        }
    }
    // SAFETY: every code point was written as its well-formed UTF-8 sequence (surrogates, which
    // have none, as U+FFFD's); a `str` holds code points up to U+10FFFF only.
    *buf = unsafe { String::from_utf8_unchecked(out) };
    exact
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
