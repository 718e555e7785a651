//! libFuzzer target: arbitrary bytes, cut at points derived from the input, strict and lenient.
//! The checks are `instantjson_fuzz::split_invariance` (see src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| instantjson_fuzz::split_invariance(data));
