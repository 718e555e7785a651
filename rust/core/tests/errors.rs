//! Invalid inputs => error kind @ line:column (in path).

use instantjson_core::{NullSink, ParseErrorKind, Parser, ParserOptions};

fn error_of(input: &[u8], opts: ParserOptions) -> instantjson_core::ParseError {
    let mut p = Parser::new(opts);
    let e = match p.feed(input, &mut NullSink) {
        Err(e) => e,
        Ok(()) => p.finish(&mut NullSink).expect_err("expected an error"),
    };
    // A failed parser stays failed, with the same error.
    assert_eq!(p.feed(b"1", &mut NullSink).unwrap_err(), e);
    e
}

macro_rules! error_tests {
    ($($name:ident: $input:expr => $kind:pat, $line:expr, $col:expr, $path:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let e = error_of($input.as_bytes(), ParserOptions::default());
                assert!(matches!(e.kind, $kind), "{e}");
                assert_eq!((e.line, e.column, e.path.as_str()), ($line, $col, $path), "{e}");
            }
        )*
    };
}

error_tests! {
    missing_comma: "{\"steps\": [1, 2, {\"x\": 1 \"y\": 2}]}" => ParseErrorKind::ExpectedObjectCommaOrEnd, 1, 26, "steps[2]";
    multiline: "{\n  \"a\": 1,\n  \"b\": [1,, 2]\n}" => ParseErrorKind::ExpectedValue, 3, 11, "b[1]";
    non_ascii_column: "[\"héllo\", x]" => ParseErrorKind::InvalidLiteral, 1, 11, "[1]";
    trailing_comma: "[1,]" => ParseErrorKind::TrailingComma, 1, 4, "[1]";
    trailing_comma_object: "{\"a\":1,}" => ParseErrorKind::TrailingComma, 1, 8, "";
    leading_zero: "[01]" => ParseErrorKind::InvalidNumber(_), 1, 3, "[0]";
    nan_strict: "[NaN]" => ParseErrorKind::InvalidLiteral, 1, 2, "[0]";
    control_char: "[\"a\tb\"]" => ParseErrorKind::ControlCharacterInString, 1, 4, "[0]";
    bad_escape: "[\"\\x\"]" => ParseErrorKind::InvalidEscape, 1, 4, "[0]";
    lone_surrogate: "[\"\\ud800x\"]" => ParseErrorKind::LoneSurrogate, 1, 9, "[0]";
    trailing_data: "{} x" => ParseErrorKind::TrailingData, 1, 4, "";
    eof_in_object: "{\"a\": [1" => ParseErrorKind::UnexpectedEof(_), 1, 9, "a";
    eof_empty: "  " => ParseErrorKind::UnexpectedEof(_), 1, 3, "";
    single_quote_strict: "['a']" => ParseErrorKind::ExpectedValue, 1, 2, "[0]";
    comment_strict: "[1 // x\n]" => ParseErrorKind::ExpectedArrayCommaOrEnd, 1, 4, "";
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = "[".repeat(100_000);
    let e = error_of(deep.as_bytes(), ParserOptions::default());
    assert_eq!(e.kind, ParseErrorKind::DepthLimit(512));
    // Raising the limit uses heap, not stack: still no crash, just the end of input.
    let e = error_of(deep.as_bytes(), ParserOptions::default().with_max_depth(200_000));
    assert!(matches!(e.kind, ParseErrorKind::UnexpectedEof(_)));
}

#[test]
fn invalid_utf8() {
    let e = error_of(b"[\"a\xffb\"]", ParserOptions::default());
    assert_eq!((e.kind, e.column), (ParseErrorKind::InvalidUtf8, 4));
    // Lenient: replaced.
    let mut p = Parser::new(ParserOptions::default().with_lenient(true));
    p.feed(b"[\"a\xff", &mut NullSink).unwrap();
    p.feed(b"b\"]", &mut NullSink).unwrap();
    p.finish(&mut NullSink).unwrap();
}

#[test]
fn limits() {
    let e = error_of(b"[\"abcdef\"]", ParserOptions::default().with_max_string_len(Some(3)));
    assert_eq!(e.kind, ParseErrorKind::StringTooLong(3));
    let e = error_of(b"[123456]", ParserOptions::default().with_max_number_len(4));
    assert_eq!(e.kind, ParseErrorKind::NumberTooLong(4));
    let e = error_of(b"[1, 2, 3]", ParserOptions::default().with_max_input_len(Some(4)));
    assert_eq!(e.kind, ParseErrorKind::InputTooLarge(4));
}

#[test]
fn message_format() {
    let e = error_of(b"{\"steps\": [1, 2, {\"x\": 1 \"y\": 2}]}", ParserOptions::default());
    assert_eq!(
        e.to_string(),
        "expected ',' or '}' after an object value at line 1 column 26 (in steps[2])"
    );
}
