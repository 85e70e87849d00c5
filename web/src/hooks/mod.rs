//! Browser facilities behind small functions, so components stay declarative.

pub mod browser;
