//! Numbers and bare words: the RFC 8259 number grammar checked byte by byte (a number is
//! complete only at its delimiter or at the end of input), literals, and lenient spellings.

use super::{Parser, State, Step};
use crate::errors::ParseErrorKind;
use crate::event::{Scalar, Sink};

/// Where the number grammar is (RFC 8259 section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Num {
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    Exp,
    ExpSign,
    ExpDigits,
}

impl Num {
    pub(super) fn is_terminal(self) -> bool {
        matches!(self, Num::Zero | Num::Int | Num::Frac | Num::ExpDigits)
    }
}

/// Lenient: a root number or literal held back until we know it was not the start of prose.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Held {
    Int(i64),
    BigInt(String),
    Float(f64),
    Bool(bool),
    Null,
}

impl Held {
    pub(super) fn of(value: Scalar<'_>) -> Self {
        match value {
            Scalar::Int(n) => Held::Int(n),
            Scalar::BigInt(t) => Held::BigInt(t.to_string()),
            Scalar::Float(f) => Held::Float(f),
            Scalar::Bool(b) => Held::Bool(b),
            Scalar::Null => Held::Null,
        }
    }

    pub(super) fn scalar(&self) -> Scalar<'_> {
        match self {
            Held::Int(n) => Scalar::Int(*n),
            Held::BigInt(t) => Scalar::BigInt(t),
            Held::Float(f) => Scalar::Float(*f),
            Held::Bool(b) => Scalar::Bool(*b),
            Held::Null => Scalar::Null,
        }
    }
}

/// The literals of each mode. Lenient literals match ASCII case-insensitively.
pub(super) const STRICT_LITERALS: [&[u8]; 3] = [b"true", b"false", b"null"];

pub(super) const LENIENT_LITERALS: [&[u8]; 6] = [b"true", b"false", b"null", b"none", b"nan", b"infinity"];

pub(super) const MAX_LITERAL: usize = 8;

#[inline]
pub(super) fn is_number_byte(c: u8) -> bool {
    matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
}

/// The value of a validated number's text.
pub(super) fn number_value(text: &str, is_float: bool) -> Scalar<'_> {
    if is_float {
        Scalar::Float(fast_float2::parse(text).unwrap_or(f64::NAN))
    } else if let Ok(n) = text.parse::<i64>() {
        Scalar::Int(n)
    } else {
        Scalar::BigInt(text)
    }
}

pub(super) enum LitMatch {
    None,
    Prefix,
    Full(Scalar<'static>),
}

impl Parser {
    /// Inside a number, from byte `i`.
    pub(super) fn number<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> Step<usize> {
        let b = s.as_bytes();
        let mut j = i;
        let room = self.opts.max_number_len.saturating_sub(self.num.len());
        while j < b.len() && is_number_byte(b[j]) {
            if j - i >= room {
                // Checked per byte, so the error is at the first byte past the limit whatever
                // the chunking (a probed word of digits is prose, as any other bad number).
                if self.probe {
                    return Ok(self.abandon_probe(j));
                }
                return Err(self.fail(ParseErrorKind::NumberTooLong(self.opts.max_number_len), s, j));
            }
            let c = b[j];
            let next = match (self.num_state, c) {
                (Num::Int, b'-') if self.num.is_empty() && j == i => Some(Num::Minus),
                (Num::Int, b'0') if self.num.is_empty() && j == i => Some(Num::Zero),
                (Num::Minus, b'0') => Some(Num::Zero),
                (Num::Minus | Num::Int | Num::Dot | Num::Frac, b'0'..=b'9') => Some(match self.num_state {
                    Num::Dot | Num::Frac => Num::Frac,
                    _ => Num::Int,
                }),
                (Num::Zero | Num::Int, b'.') => Some(Num::Dot),
                (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Some(Num::Exp),
                (Num::Exp, b'+' | b'-') => Some(Num::ExpSign),
                (Num::Exp | Num::ExpSign | Num::ExpDigits, b'0'..=b'9') => Some(Num::ExpDigits),
                _ => None,
            };
            let Some(next) = next else {
                let why = match (self.num_state, c) {
                    (Num::Zero, b'0'..=b'9') => "leading zero",
                    (Num::Minus, _) => "expected a digit after '-'",
                    (Num::Dot, _) => "expected a digit after '.'",
                    (Num::Exp | Num::ExpSign, _) => "expected a digit in the exponent",
                    _ => "unexpected character",
                };
                return self.number_error(why, s, i, j, sink);
            };
            if matches!(next, Num::Dot | Num::Exp) {
                self.num_is_float = true;
            }
            self.num_state = next;
            j += 1;
        }
        let run = &s[i..j];
        if j >= b.len() {
            self.num.push_str(run);
            return Ok(j);
        }
        // Lenient `-Infinity`.
        if self.opts.lenient
            && self.num_state == Num::Minus
            && self.num.len() + run.len() == 1
            && b[j].is_ascii_alphabetic()
        {
            self.lit_len = 0;
            self.lit_negative = true;
            self.state = State::Literal;
            return Ok(j);
        }
        if !self.num_state.is_terminal() {
            let why = match self.num_state {
                Num::Minus => "expected a digit after '-'",
                Num::Dot => "expected a digit after '.'",
                _ => "expected a digit in the exponent",
            };
            return self.number_error(why, s, i, j, sink);
        }
        if self.opts.lenient && self.depth > 0 && super::repair::after_number_needs_repair(b[j]) {
            return Ok(self.repair_number(s, i, j, sink));
        }
        if self.num.is_empty() {
            self.emit_scalar(number_value(run, self.num_is_float), sink);
        } else {
            self.num.push_str(run);
            let num = std::mem::take(&mut self.num);
            self.emit_scalar(number_value(&num, self.num_is_float), sink);
            self.num = num;
        }
        Ok(j)
    }

    /// A bad number: an error, or (lenient, on probation at the start) the start of prose.
    pub(super) fn number_error<S: Sink>(
        &mut self,
        why: &'static str,
        s: &str,
        i: usize,
        j: usize,
        sink: &mut S,
    ) -> Step<usize> {
        if self.probe {
            return Ok(self.abandon_probe(j));
        }
        if self.opts.lenient && self.depth > 0 {
            return Ok(self.repair_number(s, i, j, sink));
        }
        Err(self.fail(ParseErrorKind::InvalidNumber(why), s, j))
    }

    /// A complete number or literal at the current position.
    pub(super) fn emit_scalar<S: Sink>(&mut self, value: Scalar<'_>, sink: &mut S) {
        if self.probe && self.depth == 0 {
            self.held = Some(Held::of(value));
            self.state = State::AfterProbe;
            return;
        }
        if !self.value_repairs.is_empty() {
            sink.repaired(std::mem::take(&mut self.value_repairs));
        }
        sink.scalar(self.seg(), value);
        self.value_done();
    }

    /// Inside a bare word, from byte `i`.
    pub(super) fn literal<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> Step<usize> {
        let b = s.as_bytes();
        let mut j = i;
        while j < b.len() && b[j].is_ascii_alphabetic() {
            if self.lit_len == MAX_LITERAL {
                return self.literal_error(s, j, sink);
            }
            self.lit[self.lit_len] = b[j];
            self.lit_len += 1;
            j += 1;
            match self.match_literal() {
                LitMatch::Prefix => {}
                LitMatch::None => {
                    self.lit_len -= 1; // the byte that did not match is read again
                    return self.literal_error(s, j - 1, sink);
                }
                LitMatch::Full(value) => {
                    self.emit_scalar(value, sink);
                    return Ok(j);
                }
            }
        }
        if j < b.len() {
            // A word that stopped before it became a literal.
            return self.literal_error(s, j, sink);
        }
        Ok(j)
    }

    pub(super) fn literal_error<S: Sink>(&mut self, s: &str, j: usize, sink: &mut S) -> Step<usize> {
        if self.probe {
            return Ok(self.abandon_probe(j));
        }
        if self.opts.lenient && self.depth > 0 {
            return Ok(self.literal_to_bare(j, sink));
        }
        Err(self.fail(ParseErrorKind::InvalidLiteral, s, j))
    }

    pub(super) fn match_literal(&self) -> LitMatch {
        let word = &self.lit[..self.lit_len];
        let candidates: &[&[u8]] = if self.opts.lenient {
            &LENIENT_LITERALS
        } else {
            &STRICT_LITERALS
        };
        for lit in candidates {
            let is_prefix = if self.opts.lenient {
                lit.len() >= word.len() && lit[..word.len()].eq_ignore_ascii_case(word)
            } else {
                lit.starts_with(word)
            };
            if !is_prefix {
                continue;
            }
            if lit.len() > word.len() {
                return LitMatch::Prefix;
            }
            let neg = self.lit_negative;
            let value = match lit[0] {
                b't' => Scalar::Bool(true),
                b'f' => Scalar::Bool(false),
                b'i' => Scalar::Float(if neg { f64::NEG_INFINITY } else { f64::INFINITY }),
                b'n' if lit.len() == 3 => Scalar::Float(f64::NAN),
                _ => Scalar::Null,
            };
            if neg && lit[0] != b'i' {
                return LitMatch::None;
            }
            return LitMatch::Full(value);
        }
        LitMatch::None
    }
}
