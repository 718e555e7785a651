//! instantjson._core: Python bindings for instantjson-core. Conversion only; no parsing decisions.

use pyo3::prelude::*;

mod build;
mod compact;
mod errors;
mod event;
mod framing;
mod parser;
mod payloads;
mod plain;
mod scan;
mod shared;
mod strings;
mod whole;

#[pymodule(gil_used = false)]
mod _core {
    #[pymodule_export]
    use crate::compact::sort_entries;
    #[pymodule_export]
    use crate::framing::{Frame, PyNdjsonDecoder, PySseDecoder};
    #[pymodule_export]
    use crate::parser::{loads, parse_partial, InstantParser};
    #[pymodule_export]
    use crate::payloads::PayloadTexts;
    #[pymodule_export]
    use crate::plain::plain_chat_entries;
    #[pymodule_export]
    use crate::scan::collect_ready;

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("InstantEvent", crate::event::event_type(m.py())?)?;
        m.add(
            "build_profile",
            if cfg!(debug_assertions) { "debug" } else { "release" },
        )?;
        Ok(())
    }
}

#[allow(unused_imports)]
use _core as _;
