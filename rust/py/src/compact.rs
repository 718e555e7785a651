//! `sort_entries`: one pass over a finished replay log's flat list that sorts its items by kind,
//! for the log's compaction (`_replay._Compact`), which did the same in several Python passes.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

/// The kinds of `code_of` (`_replay.py`): a text delta (0, 1), a payload (2), kept as it is (3),
/// dropped (255).
const REASONING: u8 = 1;
const ORIGINAL: u8 = 2;
const OTHER: u8 = 3;

/// What `sort_entries` returns: codes, texts, lengths (typecode, bytes), payloads, others.
type Sorted<'py> = (
    Bound<'py, PyBytes>,
    Option<Bound<'py, PyList>>,
    (&'static str, Bound<'py, PyBytes>),
    Bound<'py, PyList>,
    Bound<'py, PyList>,
);

/// Sort the items of `flat` (`[event0, value0, ...]`) by the code `code_of(event)` gives each
/// event name (called once per distinct name object): returns the code of every item (bytes),
/// the values of the text deltas (codes 0 and 1) with their lengths in characters as an `array`
/// typecode and its bytes (the smallest of `B`, `H`, `Q` that holds the longest), the values of
/// the payloads (code 2), and the items kept as they are (code 3) laid flat. `texts` is None
/// when a text delta's value is not a `str` (the caller then sorts again with another `code_of`).
#[pyfunction]
pub fn sort_entries<'py>(
    py: Python<'py>,
    flat: &Bound<'py, PyList>,
    code_of: &Bound<'py, PyAny>,
) -> PyResult<Sorted<'py>> {
    let n = flat.len() / 2;
    let mut codes = Vec::with_capacity(n);
    let mut known: Vec<(Bound<'py, PyAny>, u8)> = Vec::new(); // by identity: names repeat
    let mut texts = Vec::new();
    let mut lengths: Vec<u64> = Vec::new();
    let mut texts_ok = true;
    let mut payloads = Vec::new();
    let mut others = Vec::new();
    for k in 0..n {
        let event = flat.get_item(2 * k)?;
        let code = if let Some((_, code)) = known.iter().find(|(name, _)| name.is(&event)) {
            *code
        } else {
            let code: u8 = code_of.call1((&event,))?.extract()?;
            if known.len() < 16 {
                known.push((event.clone(), code)); // a log made of few name objects: the usual case
            }
            code
        };
        codes.push(code);
        match code {
            0..=REASONING => {
                let value = flat.get_item(2 * k + 1)?;
                match value.cast_exact::<PyString>() {
                    Ok(text) => lengths.push(text.len()? as u64),
                    Err(_) => texts_ok = false,
                }
                texts.push(value);
            }
            ORIGINAL => payloads.push(flat.get_item(2 * k + 1)?),
            OTHER => {
                others.push(event);
                others.push(flat.get_item(2 * k + 1)?);
            }
            _ => {}
        }
    }
    let longest = lengths.iter().copied().max().unwrap_or(0);
    let (typecode, lengths) = if longest < 1 << 8 {
        ("B", lengths.iter().map(|&l| l as u8).collect::<Vec<u8>>())
    } else if longest < 1 << 16 {
        ("H", lengths.iter().flat_map(|&l| (l as u16).to_ne_bytes()).collect())
    } else {
        ("Q", lengths.iter().flat_map(|&l| l.to_ne_bytes()).collect())
    };
    Ok((
        PyBytes::new(py, &codes),
        if texts_ok { Some(PyList::new(py, texts)?) } else { None },
        (typecode, PyBytes::new(py, &lengths)),
        PyList::new(py, payloads)?,
        PyList::new(py, others)?,
    ))
}
