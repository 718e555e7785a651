//! What the parser tells its consumer: the [`Sink`] trait and the pieces it is called with.

/// Where a value sits in its parent: nowhere (the root), under an object key, or at an array index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

/// A complete scalar value. Numbers are already validated; `BigInt` is an integer that does not
/// fit `i64`, given as its decimal text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    BigInt(&'a str),
    Float(f64),
}

/// The consumer of parse events. The parser calls it in document order with slices borrowed from
/// the input or from its own buffers, so the consumer can build its objects straight from them.
///
/// Calls nest: `begin_object`/`begin_array` open a container that `end_container` closes; every
/// value inside starts with a `begin_*` or is a single `scalar` call. A string is
/// `begin_string`, zero or more `string_delta` (new decoded text, never empty, given when a
/// `feed()` call ends while the string is still open), then `end_string` with the whole text and
/// the `last` piece not yet given as a delta (empty when there is none, and always empty when
/// deltas are off). So the deltas of a string are its `string_delta` texts followed by `last`,
/// and a string that arrived within one `feed()` is a single `end_string(value, value)`.
/// Methods are infallible: a consumer that can fail (say, out of memory) records the failure and
/// reports it after `feed()` returns.
pub trait Sink {
    /// An object starts at `seg` of the current container.
    fn begin_object(&mut self, seg: Seg<'_>);
    /// An array starts at `seg` of the current container.
    fn begin_array(&mut self, seg: Seg<'_>);
    /// The innermost open container is complete.
    fn end_container(&mut self);
    /// A string value starts at `seg`.
    fn begin_string(&mut self, seg: Seg<'_>);
    /// The open string grew by `delta` (at the end of a `feed()` call).
    fn string_delta(&mut self, delta: &str);
    /// The open string is complete: `value` is its whole text, `last` its final delta (a suffix
    /// of `value`, possibly empty).
    fn end_string(&mut self, value: &str, last: &str);
    /// A complete scalar at `seg`.
    fn scalar(&mut self, seg: Seg<'_>, value: Scalar<'_>);
}

/// A sink that ignores everything: for validation, and for tests.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl Sink for NullSink {
    fn begin_object(&mut self, _: Seg<'_>) {}
    fn begin_array(&mut self, _: Seg<'_>) {}
    fn end_container(&mut self) {}
    fn begin_string(&mut self, _: Seg<'_>) {}
    fn string_delta(&mut self, _: &str) {}
    fn end_string(&mut self, _: &str, _: &str) {}
    fn scalar(&mut self, _: Seg<'_>, _: Scalar<'_>) {}
}
