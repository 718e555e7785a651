//! Small UTF-8 helpers: character counting, and the sequence lengths the chunk decoder needs.

/// Number of Unicode scalar values in `bytes` (which hold valid UTF-8): every byte that is not
/// a continuation byte starts one character.
#[inline]
pub fn count_chars(bytes: &[u8]) -> u64 {
    // Summed in blocks of 32 with a u8 accumulator, which the compiler turns into vector code.
    let mut chunks = bytes.chunks_exact(32);
    let mut total = 0u64;
    for block in &mut chunks {
        let n: u8 = block.iter().map(|&b| u8::from((b as i8) >= -0x40)).sum();
        total += u64::from(n);
    }
    total + chunks.remainder().iter().filter(|&&b| (b as i8) >= -0x40).count() as u64
}

/// Expected length of the UTF-8 sequence that starts with `lead` (0 when `lead` cannot start one).
#[inline]
pub fn sequence_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => 0,
    }
}

/// `dst[..src.len()].copy_from_slice(src)` for at most four bytes (a split character's), without
/// the `memcpy` call a copy of a length known only at run time becomes: the first, the two
/// middle and the last byte (some the same byte) cover every length up to four.
#[inline]
pub fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n > 0 {
        dst[0] = src[0];
        dst[(n - 1) / 2] = src[(n - 1) / 2];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

/// `buf.push_str(text)`, with short texts (most pieces of a token stream) copied inline rather
/// than through a `memcpy` call. Public for the Python binding, which grows a string's text so far
/// by each delta the same way.
#[inline]
pub fn push_text(buf: &mut String, text: &str) {
    let n = text.len();
    if n > 16 {
        buf.push_str(text);
        return;
    }
    buf.reserve(n);
    // SAFETY: `reserve` made room for `n` more bytes after the `len` in use; every copy below
    // reads within `text` (`n` bytes) and writes within `len..len + n` (the overlapping pairs
    // cover it exactly). The bytes are `text`'s, whole UTF-8 text, so `buf` stays valid UTF-8.
    unsafe {
        let v = buf.as_mut_vec();
        let len = v.len();
        let dst = v.as_mut_ptr().add(len);
        let src = text.as_ptr();
        if n >= 8 {
            dst.cast::<u64>().write_unaligned(src.cast::<u64>().read_unaligned());
            let (d, s) = (dst.add(n - 8), src.add(n - 8));
            d.cast::<u64>().write_unaligned(s.cast::<u64>().read_unaligned());
        } else if n >= 4 {
            dst.cast::<u32>().write_unaligned(src.cast::<u32>().read_unaligned());
            let (d, s) = (dst.add(n - 4), src.add(n - 4));
            d.cast::<u32>().write_unaligned(s.cast::<u32>().read_unaligned());
        } else if n > 0 {
            // One to three bytes: the first, the middle and the last (some the same byte), so
            // no branch depends on the length (a loop here becomes a `memcpy` call).
            *dst = *src;
            *dst.add(n / 2) = *src.add(n / 2);
            *dst.add(n - 1) = *src.add(n - 1);
        }
        v.set_len(len + n);
    }
}

/// Checks `bytes` as UTF-8: `Ok` for valid text, else the length of the valid prefix and the
/// length of the invalid sequence after it (`None`: the input ends inside a sequence). A model's
/// token (up to 16 bytes) is run through a small automaton, which costs a few cycles a byte
/// whatever the bytes; longer inputs take the standard library's check, whose word-at-a-time
/// ASCII path pays off there, and from 64 bytes on a SIMD validator.
#[inline]
pub fn validate(bytes: &[u8]) -> Result<&str, (usize, Option<usize>)> {
    if bytes.len() <= 16 {
        validate_dfa(bytes)
    } else if bytes.len() < 64 {
        std::str::from_utf8(bytes).map_err(|e| (e.valid_up_to(), e.error_len()))
    } else {
        simdutf8::compat::from_utf8(bytes).map_err(|e| (e.valid_up_to(), e.error_len()))
    }
}

// The states of the UTF-8 automaton, each a bit offset into a row of `DFA` (six bits a state).
const ACCEPT: u32 = 0;
const REJECT: u32 = 6;
/// One continuation byte to go.
const CONT1: u32 = 12;
/// Two continuation bytes to go.
const CONT2: u32 = 18;
/// After `E0`: `A0..=BF`, then one more.
const AFTER_E0: u32 = 24;
/// After `ED`: `80..=9F` (not a surrogate), then one more.
const AFTER_ED: u32 = 30;
/// Three continuation bytes to go.
const CONT3: u32 = 36;
/// After `F0`: `90..=BF`, then two more.
const AFTER_F0: u32 = 42;
/// After `F4`: `80..=8F` (not past U+10FFFF), then two more.
const AFTER_F4: u32 = 48;

/// The automaton as a shift table (one `u64` row a byte; the next state from state `s` is
/// `(row >> s) & 63`), so each byte costs a load and a shift and no branch.
static DFA: [u64; 256] = {
    const fn row(pairs: &[(u32, u32)]) -> u64 {
        // Every state not listed goes to REJECT.
        let mut r = 0u64;
        let mut s = 0;
        while s < 9 {
            r |= (REJECT as u64) << (6 * s);
            s += 1;
        }
        let mut k = 0;
        while k < pairs.len() {
            let (from, to) = pairs[k];
            r &= !(63u64 << from);
            r |= (to as u64) << from;
            k += 1;
        }
        r
    }
    let mut t = [0u64; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = match c {
            0x00..=0x7f => row(&[(ACCEPT, ACCEPT)]),
            0x80..=0x8f => row(&[
                (CONT1, ACCEPT),
                (CONT2, CONT1),
                (AFTER_ED, CONT1),
                (CONT3, CONT2),
                (AFTER_F4, CONT2),
            ]),
            0x90..=0x9f => row(&[
                (CONT1, ACCEPT),
                (CONT2, CONT1),
                (AFTER_ED, CONT1),
                (CONT3, CONT2),
                (AFTER_F0, CONT2),
            ]),
            0xa0..=0xbf => row(&[
                (CONT1, ACCEPT),
                (CONT2, CONT1),
                (AFTER_E0, CONT1),
                (CONT3, CONT2),
                (AFTER_F0, CONT2),
            ]),
            0xc2..=0xdf => row(&[(ACCEPT, CONT1)]),
            0xe0 => row(&[(ACCEPT, AFTER_E0)]),
            0xed => row(&[(ACCEPT, AFTER_ED)]),
            0xe1..=0xef => row(&[(ACCEPT, CONT2)]),
            0xf0 => row(&[(ACCEPT, AFTER_F0)]),
            0xf1..=0xf3 => row(&[(ACCEPT, CONT3)]),
            0xf4 => row(&[(ACCEPT, AFTER_F4)]),
            _ => row(&[]),
        };
        c += 1;
    }
    t
};

/// `validate` for a short input (a model's token), without a branch a byte: the automaton
/// runs over the whole input, noting where it last accepted. Valid text, and text that ends
/// inside a character, are answered from that; an invalid byte (rare) takes the byte loop for
/// the length of the invalid sequence.
#[inline]
fn validate_dfa(bytes: &[u8]) -> Result<&str, (usize, Option<usize>)> {
    let mut state = ACCEPT;
    let mut valid = 0;
    for (i, &c) in bytes.iter().enumerate() {
        state = (DFA[c as usize] >> state) as u32 & 63;
        if state == ACCEPT {
            valid = i + 1;
        }
    }
    if state == ACCEPT {
        // SAFETY: the automaton accepted the whole input, which it does only for valid UTF-8
        // (the test `automaton_agrees_with_std` checks it against the standard library).
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    if state == REJECT {
        return validate_short(bytes);
    }
    Err((valid, None))
}

/// `validate` for a short input (a model's token): a byte loop that checks each sequence as the
/// standard library's does (the same valid prefix and error length), inlined, without its
/// word-at-a-time ASCII path, whose alignment work a piece of a few bytes never gets to use.
#[inline]
fn validate_short(bytes: &[u8]) -> Result<&str, (usize, Option<usize>)> {
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        let c = bytes[i];
        if c < 0x80 {
            i += 1;
            continue;
        }
        let len = sequence_len(c);
        if len == 0 {
            return Err((i, Some(1)));
        }
        // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
        let (lo, hi) = match c {
            0xe0 => (0xa0, 0xbf),
            0xed => (0x80, 0x9f),
            0xf0 => (0x90, 0xbf),
            0xf4 => (0x80, 0x8f),
            _ => (0x80, 0xbf),
        };
        let Some(&c1) = bytes.get(i + 1) else {
            return Err((i, None));
        };
        if c1 < lo || c1 > hi {
            return Err((i, Some(1)));
        }
        for k in 2..len {
            let Some(&ck) = bytes.get(i + k) else {
                return Err((i, None));
            };
            if ck & 0xc0 != 0x80 {
                return Err((i, Some(k)));
            }
        }
        i += len;
    }
    // SAFETY: every sequence in `bytes` was checked above as the standard library checks it
    // (lead byte, second byte's range, continuation bytes), so `bytes` is valid UTF-8; the test
    // `automaton_agrees_with_std` compares the two on every input of up to four bytes.
    Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
}

#[cfg(test)]
mod tests {
    use super::{copy_short, validate_dfa, validate_short};

    #[test]
    fn copy_short_copies_every_length() {
        for n in 0..=4 {
            for at in 0..=4 - n {
                let src: Vec<u8> = (1..=n as u8).collect();
                let (mut got, mut want) = ([0xee_u8; 4], [0xee_u8; 4]);
                copy_short(&mut got[at..], &src);
                want[at..at + n].copy_from_slice(&src);
                assert_eq!(got, want, "{n} bytes at {at}");
            }
        }
    }

    fn std_answer(b: &[u8]) -> Result<&str, (usize, Option<usize>)> {
        std::str::from_utf8(b).map_err(|e| (e.valid_up_to(), e.error_len()))
    }

    #[test]
    fn automaton_agrees_with_std() {
        // Every input of up to three bytes, and every four-byte input from bytes that matter
        // (each boundary of the lead and continuation ranges, and ASCII).
        let mut b = Vec::new();
        for len in 0..=3u32 {
            for x in 0..(1u32 << (8 * len)) {
                b.clear();
                b.extend((0..len).map(|k| (x >> (8 * k)) as u8));
                assert_eq!(validate_short(&b), std_answer(&b), "{b:x?}");
                assert_eq!(validate_dfa(&b), std_answer(&b), "{b:x?}");
            }
        }
        let edges: Vec<u8> = vec![
            0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee,
            0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff,
        ];
        for &p in &edges {
            for &q in &edges {
                for &r in &edges {
                    for &s in &edges {
                        for &t in &[0x41u8, 0x80, 0xe9] {
                            let b = [p, q, r, s, t];
                            for len in 4..=5 {
                                assert_eq!(validate_short(&b[..len]), std_answer(&b[..len]), "{b:x?}");
                                assert_eq!(validate_dfa(&b[..len]), std_answer(&b[..len]), "{b:x?}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn short_validation_agrees_with_std_on_longer_mixes() {
        // Inputs of up to 63 bytes built from whole characters, cut characters and stray bytes.
        let parts: [&[u8]; 12] = [
            b"a",
            b" ",
            "\u{e9}".as_bytes(),
            "\u{6570}".as_bytes(),
            "\u{1f680}".as_bytes(),
            b"\xe6\x95",
            b"\xf0\x9f",
            b"\xf0\x9f\x9a",
            b"\x80",
            b"\xed\xa0\x80",
            b"\xc0\xaf",
            b"\xf4\x90\x80\x80",
        ];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut b = Vec::new();
        for _ in 0..200_000 {
            b.clear();
            while b.len() < 60 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if x % 9 == 0 {
                    break;
                }
                b.extend_from_slice(parts[(x >> 32) as usize % parts.len()]);
            }
            assert_eq!(validate_short(&b), std_answer(&b), "{b:x?}");
            assert_eq!(validate_dfa(&b), std_answer(&b), "{b:x?}");
        }
    }
}
