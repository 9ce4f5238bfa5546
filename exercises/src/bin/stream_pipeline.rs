//! The exercise `stream_pipeline`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(stream_pipeline = "10_stream_pipeline.rs");
