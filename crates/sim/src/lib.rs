//! Simulated AWS world (placeholder until the flows land).
