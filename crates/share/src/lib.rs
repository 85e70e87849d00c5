//! Share-link codec (placeholder until the codec lands).
