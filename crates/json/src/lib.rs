//! Span-preserving JSON parser (placeholder until the parser lands).
