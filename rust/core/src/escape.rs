//! JSON string escapes, shared by the streaming parser (`parser/text.rs`) and the one-pass
//! whole-input parser (`whole.rs`).

/// The character a one-letter escape (`\n`, `\"`, ...) stands for, given the byte after the
/// backslash; `None` for `u` (a `\uXXXX` escape) and for bytes JSON does not allow there.
#[inline]
pub(crate) fn short_escape(c: u8) -> Option<char> {
    Some(match c {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    })
}

/// The value of one hexadecimal digit.
#[inline]
pub(crate) fn hex_value(c: u8) -> Option<u16> {
    match c {
        b'0'..=b'9' => Some(u16::from(c - b'0')),
        b'a'..=b'f' => Some(u16::from(c - b'a' + 10)),
        b'A'..=b'F' => Some(u16::from(c - b'A' + 10)),
        _ => None,
    }
}

/// The value of four hexadecimal digits (`\uXXXX`); `None` when one is not a hex digit.
#[inline]
pub(crate) fn hex4(h: &[u8]) -> Option<u16> {
    let mut v = 0u16;
    for &c in h {
        v = (v << 4) | hex_value(c)?;
    }
    Some(v)
}
