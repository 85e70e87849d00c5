//! Browser facilities and custom hooks, so components stay declarative:
//! storage and the URL (`browser`), drafts kept across reloads (`persist`),
//! the on-demand helper worker (`helper`) and the last result that parsed
//! (`shown`).

pub mod browser;
pub mod helper;
pub mod persist;
pub mod shown;
