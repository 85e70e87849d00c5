//! Byte spans and their conversion to line/column positions.

use serde::Serialize;

pub use keyflow_json::Span;

/// A 1-based line and column. `column` counts Unicode scalar values, `utf16_column`
/// counts UTF-16 code units (what JavaScript editors use).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub utf16_column: u32,
}

/// Maps byte offsets of one text to positions. Build it once per text.
#[derive(Clone, Debug)]
pub struct LineIndex {
    text: Box<str>,
    /// Byte offset where each line starts.
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        LineIndex {
            text: text.into(),
            starts,
        }
    }

    /// Position of `offset`; offsets past the end clamp to the end, offsets inside a
    /// multi-byte character count as that character.
    pub fn position(&self, offset: u32) -> Position {
        let offset = (offset as usize).min(self.text.len());
        let line = self
            .starts
            .partition_point(|&s| s as usize <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0) as usize;
        let mut column = 1u32;
        let mut utf16 = 1u32;
        for (i, c) in self.text[start..].char_indices() {
            if start + i >= offset {
                break;
            }
            column += 1;
            utf16 += c.len_utf16() as u32;
        }
        Position {
            line: line as u32 + 1,
            column,
            utf16_column: utf16,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_chars() {
        let idx = LineIndex::new("ab\né😀x\n");
        assert_eq!(
            idx.position(0),
            Position {
                line: 1,
                column: 1,
                utf16_column: 1
            }
        );
        assert_eq!(idx.position(3).line, 2);
        // 'x' is after é (2 bytes) and 😀 (4 bytes): column 3, UTF-16 column 4.
        let p = idx.position(3 + 2 + 4);
        assert_eq!((p.line, p.column, p.utf16_column), (2, 3, 4));
        assert_eq!(idx.position(1000).line, 3);
        // Inside a multi-byte char: no panic.
        let _ = idx.position(4);
    }
}
