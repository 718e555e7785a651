//! libFuzzer target: the SSE and NDJSON decoders on arbitrary bytes in arbitrary chunkings.
//! The checks are `instantjson_fuzz::framing` (see src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| instantjson_fuzz::framing(data));
