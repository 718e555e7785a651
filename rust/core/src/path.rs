//! The dot-path syntax of events: `title`, `steps[0].owner`, `[2].x`, `["a.b"].c`.
//!
//! A key is written bare unless it is empty or holds `.`, `[`, `]` or `"`; then it is written
//! `["..."]` with JSON string escaping, so every path reads back to exactly one key sequence.

use crate::event::Seg;

/// True when `key` must be written `["..."]`.
pub fn key_needs_quoting(key: &str) -> bool {
    key.is_empty() || key.bytes().any(|b| matches!(b, b'.' | b'[' | b']' | b'"'))
}

/// Append one segment to a path being written. `wildcard` writes indexes as `[*]`.
pub fn push_seg(out: &mut String, seg: Seg<'_>, wildcard: bool) {
    match seg {
        Seg::Root => {}
        Seg::Index(i) => {
            if wildcard {
                out.push_str("[*]");
            } else {
                out.push('[');
                push_usize(out, i);
                out.push(']');
            }
        }
        Seg::Key(key) => {
            if key_needs_quoting(key) {
                out.push('[');
                push_json_string(out, key);
                out.push(']');
            } else {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
        }
    }
}

fn push_usize(out: &mut String, mut n: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // The buffer holds ASCII digits only.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
}

/// Append `s` as a JSON string literal (quotes included).
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let n = c as usize;
                out.push_str("\\u00");
                out.push(HEX[n >> 4] as char);
                out.push(HEX[n & 0xf] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Write a whole path from its segments.
pub fn format_path<'a>(segs: impl IntoIterator<Item = Seg<'a>>, wildcard: bool) -> String {
    let mut out = String::new();
    for seg in segs {
        push_seg(&mut out, seg, wildcard);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let p = format_path([Seg::Key("steps"), Seg::Index(10), Seg::Key("owner")], false);
        assert_eq!(p, "steps[10].owner");
        let p = format_path([Seg::Key("steps"), Seg::Index(10), Seg::Key("owner")], true);
        assert_eq!(p, "steps[*].owner");
        assert_eq!(format_path([Seg::Index(2), Seg::Key("x")], false), "[2].x");
        assert_eq!(format_path([Seg::Key("a.b"), Seg::Key("c")], false), "[\"a.b\"].c");
        assert_eq!(format_path([Seg::Key("")], false), "[\"\"]");
        assert_eq!(format_path([Seg::Key("q\"\n")], false), "[\"q\\\"\\n\"]");
    }
}
