//! The exercise `circuit_breaker`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(circuit_breaker = "31_circuit_breaker.rs");
