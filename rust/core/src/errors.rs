//! Parse errors: a flat kind enum with short messages, and the position where it happened.

use std::fmt;

/// What went wrong. `Display` gives a short lowercase message in the style of `serde_json`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// A value (string, number, object, array, literal) was expected here.
    ExpectedValue,
    /// Inside an object, where a key (or `}`) was expected.
    ExpectedKey,
    /// After an object key.
    ExpectedColon,
    /// After an object member.
    ExpectedObjectCommaOrEnd,
    /// After an array element.
    ExpectedArrayCommaOrEnd,
    /// `,` directly before `}` or `]` (strict mode only).
    TrailingComma,
    /// A bare word that is not `true`, `false` or `null` (or, lenient, `True`, `NaN`, ...).
    InvalidLiteral,
    /// A number that breaks the JSON grammar; the text says which rule.
    InvalidNumber(&'static str),
    /// A raw control character (below U+0020) inside a string (strict mode only).
    ControlCharacterInString,
    /// A backslash followed by a character that is not a JSON escape.
    InvalidEscape,
    /// `\u` not followed by four hex digits.
    InvalidUnicodeEscape,
    /// A `\uD800`-`\uDFFF` escape that is not part of a surrogate pair (strict mode only).
    LoneSurrogate,
    /// Bytes that are not UTF-8 (strict mode only).
    InvalidUtf8,
    /// Non-whitespace after the root value (strict mode only).
    TrailingData,
    /// Containers nested deeper than the configured limit.
    DepthLimit(usize),
    /// The input ended inside a value (strict `finish()`).
    UnexpectedEof(&'static str),
    /// Lenient: the whole input held no JSON value.
    NoValue,
    /// The stream is larger than the configured limit.
    InputTooLarge(u64),
    /// One string is longer than the configured limit.
    StringTooLong(usize),
    /// One number is longer than the configured limit.
    NumberTooLong(usize),
    /// `feed()` after `finish()`.
    AfterFinish,
    /// The consumer could not take a value and stopped the parser ([`crate::Parser::abort`]).
    Aborted,
}

impl ParseErrorKind {
    /// A stable `snake_case` name for the kind (what Python sees as `ParseError.kind`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::ExpectedValue => "expected_value",
            Self::ExpectedKey => "expected_key",
            Self::ExpectedColon => "expected_colon",
            Self::ExpectedObjectCommaOrEnd => "expected_object_comma_or_end",
            Self::ExpectedArrayCommaOrEnd => "expected_array_comma_or_end",
            Self::TrailingComma => "trailing_comma",
            Self::InvalidLiteral => "invalid_literal",
            Self::InvalidNumber(_) => "invalid_number",
            Self::ControlCharacterInString => "control_character_in_string",
            Self::InvalidEscape => "invalid_escape",
            Self::InvalidUnicodeEscape => "invalid_unicode_escape",
            Self::LoneSurrogate => "lone_surrogate",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::TrailingData => "trailing_data",
            Self::DepthLimit(_) => "depth_limit",
            Self::UnexpectedEof(_) => "unexpected_eof",
            Self::NoValue => "no_value",
            Self::InputTooLarge(_) => "input_too_large",
            Self::StringTooLong(_) => "string_too_long",
            Self::NumberTooLong(_) => "number_too_long",
            Self::AfterFinish => "after_finish",
            Self::Aborted => "aborted",
        }
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExpectedValue => f.write_str("expected a value"),
            Self::ExpectedKey => f.write_str("expected a string key"),
            Self::ExpectedColon => f.write_str("expected ':' after an object key"),
            Self::ExpectedObjectCommaOrEnd => f.write_str("expected ',' or '}' after an object value"),
            Self::ExpectedArrayCommaOrEnd => f.write_str("expected ',' or ']' after an array value"),
            Self::TrailingComma => f.write_str("trailing comma"),
            Self::InvalidLiteral => f.write_str("invalid literal"),
            Self::InvalidNumber(why) => write!(f, "invalid number: {why}"),
            Self::ControlCharacterInString => f.write_str("control character in string"),
            Self::InvalidEscape => f.write_str("invalid escape in string"),
            Self::InvalidUnicodeEscape => f.write_str("invalid \\u escape in string"),
            Self::LoneSurrogate => f.write_str("lone surrogate in \\u escape"),
            Self::InvalidUtf8 => f.write_str("invalid UTF-8"),
            Self::TrailingData => f.write_str("unexpected data after the JSON value"),
            Self::DepthLimit(n) => write!(f, "nesting deeper than {n} levels"),
            Self::UnexpectedEof(what) => write!(f, "unexpected end of input {what}"),
            Self::NoValue => f.write_str("no JSON value found"),
            Self::InputTooLarge(n) => write!(f, "input larger than {n} bytes"),
            Self::StringTooLong(n) => write!(f, "string longer than {n} bytes"),
            Self::NumberTooLong(n) => write!(f, "number longer than {n} characters"),
            Self::AfterFinish => f.write_str("feed() after finish()"),
            Self::Aborted => f.write_str("parsing stopped: a value could not be built"),
        }
    }
}

/// A parse error with its position. `offset` counts characters (Unicode scalar values) from the
/// start of the stream; `line` and `column` are 1-based, the column counted in characters.
/// `path` is where the parser was, in the dot-path syntax of events (empty at the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub offset: u64,
    pub line: u64,
    pub column: u64,
    pub path: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at line {} column {}", self.kind, self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, " (in {})", self.path)?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

/// Result alias used throughout the crate.
pub type ParseResult<T> = Result<T, ParseError>;
