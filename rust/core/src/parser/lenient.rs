//! Lenient mode before the JSON: prose, ```` ```json ```` fences, and a number or literal at the
//! very start that stays on probation until what follows shows it was not the first word of prose.

use super::{Parser, State, Step};
use crate::event::{Seg, Sink};

pub(super) const MAX_FENCE_INFO: usize = 32;

impl Parser {
    /// The probed word was prose after all: carry on looking for the JSON from byte `i`.
    pub(super) fn abandon_probe(&mut self, i: usize) -> usize {
        self.probe = false;
        self.held = None;
        self.state = State::Prose;
        i
    }

    /// Lenient: after a probed root scalar, whitespace or a closing fence confirm it as the root.
    pub(super) fn after_probe<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> Step<usize> {
        let i = self.skip_ws(s, i)?;
        match s.as_bytes().get(i) {
            None => Ok(i),
            Some(b'`') => {
                self.confirm_probe(sink);
                Ok(i)
            }
            Some(_) => Ok(self.abandon_probe(i)),
        }
    }

    pub(super) fn confirm_probe<S: Sink>(&mut self, sink: &mut S) {
        self.probe = false;
        if let Some(held) = self.held.take() {
            sink.scalar(Seg::Root, held.scalar());
        }
        self.value_done();
    }

    /// Lenient: before the JSON. Finds the first `{`, a `[` that starts JSON, or a JSON fence.
    pub(super) fn prose<S: Sink>(&mut self, s: &str, mut i: usize, sink: &mut S) -> Step<usize> {
        let b = s.as_bytes();
        while i < b.len() {
            let c = b[i];
            match self.state {
                State::Prose => match c {
                    b'{' => return self.begin_brace(s, i, sink),
                    b'[' => self.state = State::ProseBracket,
                    b'`' => {
                        self.ticks = 1;
                        self.state = State::ProseTicks;
                    }
                    _ => {}
                },
                State::ProseBracket => match c {
                    b' ' | b'\t' | b'\r' | b'\n' => {}
                    b'{' | b'[' | b'"' | b']' | b'-' | b'0'..=b'9' => {
                        self.push_frame(false);
                        sink.begin_array(Seg::Root);
                        self.state = State::ArrayFirst;
                        return Ok(i);
                    }
                    _ => {
                        self.state = State::Prose;
                        continue;
                    }
                },
                State::ProseTicks => {
                    if c == b'`' {
                        self.ticks = self.ticks.saturating_add(1);
                    } else if self.ticks >= 3 {
                        self.fence_info.clear();
                        self.state = State::FenceInfo;
                        continue;
                    } else {
                        self.state = State::Prose;
                        continue;
                    }
                }
                State::FenceInfo => match c {
                    b'\n' => self.state = self.fence_kind(),
                    b'{' if self.fence_kind() == State::FenceBody => return self.begin_brace(s, i, sink),
                    b'[' if self.fence_kind() == State::FenceBody => return self.begin_value(s, i, sink),
                    b' ' | b'\t' | b'\r' => {}
                    _ if self.fence_info.len() < MAX_FENCE_INFO
                        && (c.is_ascii_alphanumeric() || b"+-_.".contains(&c)) =>
                    {
                        self.fence_info.push(c as char);
                    }
                    _ => {
                        self.state = if self.fence_kind() == State::FenceBody {
                            State::FenceBody
                        } else {
                            State::FenceSkip
                        };
                        continue;
                    }
                },
                State::FenceBody => match c {
                    b' ' | b'\t' | b'\r' | b'\n' => {}
                    b'{' => return self.begin_brace(s, i, sink),
                    b'[' | b'"' | b'\'' | b'-' | b'0'..=b'9' => return self.begin_value(s, i, sink),
                    c if c.is_ascii_alphabetic() => return self.begin_value(s, i, sink),
                    _ => {
                        self.state = State::Prose;
                        continue;
                    }
                },
                State::FenceSkip => {
                    if c == b'`' {
                        self.ticks = self.ticks.saturating_add(1);
                        if self.ticks >= 3 {
                            self.ticks = 0;
                            self.state = State::Prose;
                        }
                    } else {
                        self.ticks = 0;
                    }
                }
                _ => return Ok(i),
            }
            if c == b'\n' {
                self.newline(i);
            }
            i += 1;
        }
        Ok(i)
    }

    /// A `{` opening the JSON: an object, or a Python set (see `open_brace`).
    fn begin_brace<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> Step<usize> {
        match self.open_brace(s, i, sink) {
            Some(next) => Ok(next),
            None => self.begin_value(s, i, sink),
        }
    }

    /// After a fence's info string: is this a JSON fence?
    pub(super) fn fence_kind(&self) -> State {
        let info = self.fence_info.to_ascii_lowercase();
        if matches!(
            info.as_str(),
            "" | "json" | "json5" | "jsonc" | "javascript" | "js" | "jsonl"
        ) {
            State::FenceBody
        } else {
            State::FenceSkip
        }
    }
}
