//! Golden event dumps: `name: input => ["expected", "lines"]`, fed whole and byte by byte.

mod common;

use common::{dump_chunks, merge_deltas};
use instantjson_core::ParserOptions;

fn check(input: &str, lenient: bool, expected: &[&str]) {
    let opts = ParserOptions::default().with_lenient(lenient);
    let (whole, err) = dump_chunks(input.as_bytes(), &[], opts.clone());
    assert_eq!(err, None, "input {input:?}");
    assert_eq!(whole, expected, "input {input:?} fed whole");
    let cuts: Vec<usize> = (1..input.len()).collect();
    let (bytewise, err) = dump_chunks(input.as_bytes(), &cuts, opts);
    assert_eq!(err, None, "input {input:?} byte by byte");
    assert_eq!(merge_deltas(&bytewise), expected, "input {input:?} byte by byte");
}

macro_rules! events_tests {
    ($($name:ident: $lenient:expr, $input:expr => [$($line:expr),* $(,)?];)*) => {
        $(
            #[test]
            fn $name() {
                check($input, $lenient, &[$($line),*]);
            }
        )*
    };
}

events_tests! {
    object_of_scalars: false, r#"{"a": 1, "b": true, "c": null, "d": -2.5e3}"# =>
        ["done a 1", "done b true", "done c null", "done d -2500.0", "end "];
    nested: false, r#"{"title": "Plan", "steps": [{"step": "x", "owner": "ann"}]}"# => [
        r#"delta title "Plan""#, r#"done title "Plan""#,
        r#"delta steps[0].step "x""#, r#"done steps[0].step "x""#,
        r#"delta steps[0].owner "ann""#, r#"done steps[0].owner "ann""#,
        "end steps[0]", "end steps", "end "];
    empty_string_has_no_delta: false, r#"{"e": ""}"# => [r#"done e """#, "end "];
    escapes: false, r#"["a\"b\\c\/d\n\u00e9\ud83d\ude00"]"# =>
        ["delta [0] \"a\\\"b\\\\c/d\\né😀\"", "done [0] \"a\\\"b\\\\c/d\\né😀\"", "end "];
    root_list: false, r#"[{"x": 1}, [2]]"# => ["done [0].x 1", "end [0]", "done [1][0] 2", "end [1]", "end "];
    odd_keys: false, r#"{"a.b": {"": 1, "x[0]": 2}}"# =>
        [r#"done ["a.b"][""] 1"#, r#"done ["a.b"]["x[0]"] 2"#, r#"end ["a.b"]"#, "end "];
    duplicate_keys: false, r#"{"a": 1, "a": 2}"# => ["done a 1", "done a 2", "end "];
    big_int: false, "[123456789012345678901234567890, -0, 1E400]" =>
        ["done [0] 123456789012345678901234567890", "done [1] 0", "done [2] inf", "end "];
    root_scalar: false, " 42 " => ["done  42"];
    root_string: false, r#""hi""# => [r#"delta  "hi""#, r#"done  "hi""#];
    lenient_prose_and_fence: true, "Sure! Here it is:\n```json\n{'a': 'x', b: [1, 2,], /* c */ 'd': True, // e\n}\n```\nBye" =>
        [r#"delta a "x""#, r#"done a "x""#, "done b[0] 1", "done b[1] 2", "end b", "done d true", "end "];
    lenient_literals: true, "[None, NaN, -Infinity, TRUE, \"a\\'b\"]" =>
        ["done [0] null", "done [1] NaN", "done [2] -inf", "done [3] true", "delta [4] \"a'b\"", "done [4] \"a'b\"", "end "];
    lenient_prose_bracket: true, "see [note] then [1, 2]" => ["done [0] 1", "done [1] 2", "end "];
    lenient_root_scalar: true, " 42 " => ["done  42"];
    lenient_root_string: true, "\"hi\" she said" => [r#"delta  "hi""#, r#"done  "hi""#];
    lenient_prose_starting_with_literal: true, "None of these: [1]" => ["done [0] 1", "end "];
    lenient_prose_starting_with_number: true, "3 steps: {\"a\": 1.5}" => ["done a 1.5", "end "];
    lenient_root_literal_before_fence: true, "true\n```" => ["done  true"];
    lenient_inline_fence: true, "```json {\"k\": 1}```" => ["done k 1", "end "];
}

#[test]
fn lenient_truncation_completes() {
    let opts = ParserOptions::default().with_lenient(true);
    let (lines, err) = dump_chunks(br#"{"a": [1, 2], "b": "hel"#, &[], opts.clone());
    assert_eq!(err, None);
    assert_eq!(
        lines,
        [
            "done a[0] 1",
            "done a[1] 2",
            "end a",
            r#"delta b "hel""#,
            r#"done b "hel""#,
            "end "
        ]
    );
    // Unfinished key, number and literal are dropped.
    for input in [
        r#"{"a": 1, "b"#,
        r#"{"a": 1, "b": 1."#,
        r#"{"a": 1, "b": tr"#,
        r#"{"a": 1, "b":"#,
    ] {
        let (lines, err) = dump_chunks(input.as_bytes(), &[], opts.clone());
        assert_eq!(err, None, "{input}");
        assert_eq!(lines, ["done a 1", "end "], "{input}");
    }
}

#[test]
fn one_delta_per_feed_and_split_escapes_held_back() {
    // `\u00e9` split inside the escape: no half character is ever handed out.
    let input = br#"["caf\u00e9 ok"]"#;
    for cut in 1..input.len() {
        let (lines, err) = dump_chunks(input, &[cut], ParserOptions::default());
        assert_eq!(err, None);
        for l in &lines {
            assert!(!l.contains('\\') || l.contains("\\\""), "{l}");
        }
        assert_eq!(merge_deltas(&lines)[0], r#"delta [0] "café ok""#);
        assert!(lines.iter().filter(|l| l.starts_with("delta")).count() <= 2);
    }
}
