//! `collect_ready`: what a view yields next from the replay log (`_views.py`), gathered in one
//! Rust loop instead of one Python step per entry, read or skipped.

use pyo3::prelude::*;
use pyo3::types::{PyFrozenSet, PyList, PyString, PyTuple};

/// At most this many values per call: a late reader of a long log gets them in batches.
const BATCH: usize = 256;

/// The values a view selecting `names` yields from the entries of `flat` (`[event0, value0, ...]`)
/// at and after the even index `start`, up to the first entry the view must handle itself:
/// `"error"`, `"_parse_error"` with `parse_errors`, a selected `"original_delta"` (decoded on
/// reading) or a selected value that is `dropped` (re-derived on reading). A name is selected when
/// it is in `names` or, with `everything`, when it does not start with `_`; with `pairs` a value
/// is yielded as `(event, value)`. Returns the values in *reverse* order (the caller pops them
/// from the end) and the index where the scan stopped: at the entry left to the caller, or at
/// the end of what `flat` holds (its even length), or after the `BATCH`-th value.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (flat, start, names, everything, parse_errors, pairs, dropped))]
pub fn collect_ready<'py>(
    py: Python<'py>,
    flat: &Bound<'py, PyList>,
    start: usize,
    names: &Bound<'py, PyFrozenSet>,
    everything: bool,
    parse_errors: bool,
    pairs: bool,
    dropped: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyList>, usize)> {
    let mut ready: Vec<Bound<'py, PyAny>> = Vec::new();
    let mut i = start;
    while i + 1 < flat.len() && ready.len() < BATCH {
        let event = flat.get_item(i)?;
        let name = event.cast::<PyString>()?.to_str()?;
        if name == "error" || (parse_errors && name == "_parse_error") {
            break; // the caller raises it (or yields it and then raises)
        }
        if (everything && !name.starts_with('_')) || names.contains(&event)? {
            let value = flat.get_item(i + 1)?;
            if name == "original_delta" || value.is(dropped) {
                break; // the caller decodes or re-derives it
            }
            ready.push(if pairs {
                PyTuple::new(py, [event, value])?.into_any()
            } else {
                value
            });
        }
        i += 2;
    }
    ready.reverse();
    Ok((PyList::new(py, ready)?, i))
}
