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
    /// Lenient: the value whose done comes next (`end_string`, `scalar` or `end_container`, the
    /// very next of these calls) was repaired by `rules`. Not called for values no rule touched.
    #[inline]
    fn repaired(&mut self, rules: Repairs) {
        let _ = rules;
    }
}

/// The lenient repair rules (docs/readme-parts/repair.md) that changed a value, as a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Repairs(pub u32);

impl Repairs {
    /// A `,` was missing between two members or items (`{"a": 1 "b": 2}`): on the container.
    pub const MISSING_COMMA: Repairs = Repairs(1);
    /// A quote inside a string was taken as text, decided by what follows it (`"say "hi" now"`).
    pub const UNESCAPED_QUOTE: Repairs = Repairs(1 << 1);
    /// A string missing its closing quote ended before `, "key":` or a line holding `"key":`.
    pub const MISSING_CLOSING_QUOTE: Repairs = Repairs(1 << 2);
    /// `"""text"""` or `""text""` (doubled quotes), read as one string.
    pub const TRIPLE_QUOTE: Repairs = Repairs(1 << 3);
    /// A `` `backtick` `` string.
    pub const BACKTICK_STRING: Repairs = Repairs(1 << 4);
    /// An unquoted value read as a string up to its delimiter (`{"city": New York}`).
    pub const UNQUOTED_VALUE: Repairs = Repairs(1 << 5);
    /// A number written loosely: `.5`, `+1`, `1.`, `1e`, `1_000`, `1,000` (in an object).
    pub const NUMBER_FORMAT: Repairs = Repairs(1 << 6);
    /// A number followed by letters read as a string (`1notanumber`, a UUID, `1/3`, `1.1.1`).
    pub const NUMBER_TEXT: Repairs = Repairs(1 << 7);
    /// `...` placeholders (and empty items, `[1,,2]`) skipped: on the container.
    pub const PLACEHOLDER: Repairs = Repairs(1 << 8);
    /// A missing value (`{"a": , "b": 1}`) read as `""`.
    pub const MISSING_VALUE: Repairs = Repairs(1 << 9);
    /// A Python tuple `(1, 2)` read as an array; `(1)`, one number in parentheses, as the number.
    pub const TUPLE: Repairs = Repairs(1 << 10);
    /// A closer that does not match (`["a"}`, `[{"a": 1]`): on the containers it closed.
    pub const MISMATCHED_CLOSER: Repairs = Repairs(1 << 11);
    /// A closing ```` ``` ```` fence while containers were open closed them.
    pub const FENCE_CLOSES: Repairs = Repairs(1 << 12);
    /// A stray quote after a value (`12345",`) dropped: on the container.
    pub const STRAY_QUOTE: Repairs = Repairs(1 << 13);
    /// A key without a `:` (`{"a": 1, COMMENT "b": 2}`) dropped, or a `:` inside a quoted key
    /// (`{"key:"v"}`) taken as the separator: on the object.
    pub const KEY_REPAIR: Repairs = Repairs(1 << 14);
    /// A Python set `{'a', 'b'}` read as an array.
    pub const SET: Repairs = Repairs(1 << 15);
    /// `["key": "value"}]`: an object whose `{` was missing, opened where an array's first item
    /// turned out to be a key: on the object.
    pub const IMPLIED_OBJECT: Repairs = Repairs(1 << 16);
    /// A `#` comment (to the end of the line, or up to a `}` or `]`): on the container.
    pub const HASH_COMMENT: Repairs = Repairs(1 << 17);
    /// `"k": ["a"], ["b"]`: an array closed too early and continued, read as one: on the array.
    pub const SPLIT_ARRAY: Repairs = Repairs(1 << 18);

    /// Every rule, with its name.
    pub const ALL: [(Repairs, &'static str); 19] = [
        (Self::MISSING_COMMA, "missing_comma"),
        (Self::UNESCAPED_QUOTE, "unescaped_quote"),
        (Self::MISSING_CLOSING_QUOTE, "missing_closing_quote"),
        (Self::TRIPLE_QUOTE, "triple_quote"),
        (Self::BACKTICK_STRING, "backtick_string"),
        (Self::UNQUOTED_VALUE, "unquoted_value"),
        (Self::NUMBER_FORMAT, "number_format"),
        (Self::NUMBER_TEXT, "number_text"),
        (Self::PLACEHOLDER, "placeholder"),
        (Self::MISSING_VALUE, "missing_value"),
        (Self::TUPLE, "tuple"),
        (Self::MISMATCHED_CLOSER, "mismatched_closer"),
        (Self::FENCE_CLOSES, "fence_closes"),
        (Self::STRAY_QUOTE, "stray_quote"),
        (Self::KEY_REPAIR, "key_repair"),
        (Self::SET, "set"),
        (Self::IMPLIED_OBJECT, "implied_object"),
        (Self::HASH_COMMENT, "hash_comment"),
        (Self::SPLIT_ARRAY, "split_array"),
    ];

    /// True when no rule is in the set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when every rule of `other` is in the set.
    pub fn contains(self, other: Repairs) -> bool {
        self.0 & other.0 == other.0
    }

    /// The names of the rules in the set, in the order of [`Repairs::ALL`].
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::ALL
            .into_iter()
            .filter(move |(r, _)| self.contains(*r))
            .map(|(_, n)| n)
    }
}

impl std::ops::BitOr for Repairs {
    type Output = Repairs;
    fn bitor(self, rhs: Repairs) -> Repairs {
        Repairs(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Repairs {
    fn bitor_assign(&mut self, rhs: Repairs) {
        self.0 |= rhs.0;
    }
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
