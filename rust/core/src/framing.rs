//! SSE and NDJSON frame decoders (placeholder; being written).
