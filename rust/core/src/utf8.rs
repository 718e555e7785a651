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

/// Checks `bytes` as UTF-8: `Ok` for valid text, else the length of the valid prefix and the
/// length of the invalid sequence after it (`None`: the input ends inside a sequence). Short
/// inputs (a model token) use the standard library's check, long ones a SIMD validator.
#[inline]
pub fn validate(bytes: &[u8]) -> Result<&str, (usize, Option<usize>)> {
    if bytes.len() < 64 {
        std::str::from_utf8(bytes).map_err(|e| (e.valid_up_to(), e.error_len()))
    } else {
        simdutf8::compat::from_utf8(bytes).map_err(|e| (e.valid_up_to(), e.error_len()))
    }
}
