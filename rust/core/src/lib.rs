//! instantjson-core: an incremental JSON parser that emits path events.
//!
//! A [`Parser`] is fed the pieces of a stream as they arrive and calls a [`Sink`] for every value
//! that starts, every string that grows and every value that completes, in document order and in
//! one pass over the bytes: the cost of a stream is O(bytes + events), whatever the chunking.
//! The crate does no I/O and knows nothing of Python; `framing` decodes SSE and NDJSON bodies.
//!
//! ```
//! use instantjson_core::{Parser, ParserOptions, Scalar, Seg, Sink};
//!
//! #[derive(Default)]
//! struct Log(Vec<String>);
//! impl Sink for Log {
//!     fn begin_object(&mut self, _: Seg<'_>) {}
//!     fn begin_array(&mut self, _: Seg<'_>) {}
//!     fn end_container(&mut self) { self.0.push("end".into()) }
//!     fn begin_string(&mut self, _: Seg<'_>) {}
//!     fn string_delta(&mut self, d: &str) { self.0.push(format!("delta {d:?}")) }
//!     fn end_string(&mut self, v: &str, last: &str) {
//!         if !last.is_empty() { self.0.push(format!("delta {last:?}")) }
//!         self.0.push(format!("done {v:?}"))
//!     }
//!     fn scalar(&mut self, _: Seg<'_>, v: Scalar<'_>) { self.0.push(format!("done {v:?}")) }
//! }
//!
//! let mut parser = Parser::new(ParserOptions::default());
//! let mut log = Log::default();
//! parser.feed(br#"{"title": "Gro"#, &mut log).unwrap();
//! parser.feed(br#"wth plan", "n": 1}"#, &mut log).unwrap();
//! parser.finish(&mut log).unwrap();
//! assert_eq!(log.0, [r#"delta "Gro""#, r#"delta "wth plan""#, r#"done "Growth plan""#, "done Int(1)", "end"]);
//! ```

mod errors;
mod escape;
mod event;
pub mod framing;
mod options;
mod parser;
pub mod path;
mod utf8;
mod whole;

pub use errors::{ParseError, ParseErrorKind, ParseResult};
pub use event::{NullSink, Repairs, Scalar, Seg, Sink};
pub use options::ParserOptions;
pub use parser::Parser;
pub use utf8::{count_chars, push_text};
pub use whole::{parse_whole, parse_whole_str, Build};
