//! Parser options, with `with_*` builders.

/// How a [`crate::Parser`] behaves. The defaults are strict RFC 8259 with safe limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParserOptions {
    /// Accept what language models write (DESIGN.md 2.2) instead of strict RFC 8259.
    pub lenient: bool,
    /// Containers may nest this deep; one more level is a `DepthLimit` error.
    pub max_depth: usize,
    /// Call [`crate::Sink::string_delta`] as strings grow. Off: only `end_string`.
    pub string_deltas: bool,
    /// Longest accepted string, in bytes of UTF-8 (`None`: no limit).
    pub max_string_len: Option<usize>,
    /// Longest accepted number, in characters.
    pub max_number_len: usize,
    /// Largest accepted stream, in bytes (`None`: no limit).
    pub max_input_len: Option<u64>,
}

impl Default for ParserOptions {
    fn default() -> Self {
        Self {
            lenient: false,
            max_depth: 512,
            string_deltas: true,
            max_string_len: None,
            max_number_len: 4096,
            max_input_len: None,
        }
    }
}

impl ParserOptions {
    #[must_use]
    pub fn with_lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }
    #[must_use]
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }
    #[must_use]
    pub fn with_string_deltas(mut self, on: bool) -> Self {
        self.string_deltas = on;
        self
    }
    #[must_use]
    pub fn with_max_string_len(mut self, limit: Option<usize>) -> Self {
        self.max_string_len = limit;
        self
    }
    #[must_use]
    pub fn with_max_number_len(mut self, limit: usize) -> Self {
        self.max_number_len = limit;
        self
    }
    #[must_use]
    pub fn with_max_input_len(mut self, limit: Option<u64>) -> Self {
        self.max_input_len = limit;
        self
    }
}
