//! Byte spans and their conversion to line/column positions.

use serde::Serialize;

pub use keyflow_json::Span;

/// A 1-based line and column. `column` counts Unicode scalar values, `utf16_column`
/// counts UTF-16 code units (what JavaScript editors use); `utf16_offset` is the
/// 0-based UTF-16 index of the position in the whole text (a JavaScript string
/// index, e.g. for a textarea selection).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub utf16_column: u32,
    pub utf16_offset: u32,
}

/// Bytes between two checkpoints of [`LineIndex`].
const BLOCK: usize = 64;

/// Maps byte offsets of one text to positions. Build it once per text (one pass);
/// each [`position`](LineIndex::position) then costs a binary search plus at
/// most two short scans of [`BLOCK`] bytes — never a scan from the start of the
/// line, so a minified one-line policy with many findings stays linear.
#[derive(Clone, Debug)]
pub struct LineIndex {
    text: Box<str>,
    /// Byte offset where each line starts.
    starts: Vec<u32>,
    /// For each block of [`BLOCK`] bytes: the number of characters and of UTF-16
    /// code units that start before the block (counted from the start of the text).
    blocks: Vec<(u32, u32)>,
}

/// Whether `b` starts a UTF-8 character (is not a continuation byte).
fn starts_char(b: u8) -> bool {
    b & 0xC0 != 0x80
}

/// UTF-16 units of the character a UTF-8 leading byte starts.
fn utf16_units(b: u8) -> u32 {
    if b >= 0xF0 { 2 } else { 1 }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut blocks = Vec::with_capacity(bytes.len() / BLOCK + 1);
        let (mut chars, mut units) = (0u32, 0u32);
        for (i, &b) in bytes.iter().enumerate() {
            if i.is_multiple_of(BLOCK) {
                blocks.push((chars, units));
            }
            if b == b'\n' {
                starts.push(to_u32(i + 1));
            }
            if starts_char(b) {
                chars = chars.saturating_add(1);
                units = units.saturating_add(utf16_units(b));
            }
        }
        if bytes.len().is_multiple_of(BLOCK) {
            blocks.push((chars, units));
        }
        LineIndex {
            text: text.into(),
            starts,
            blocks,
        }
    }

    /// (characters, UTF-16 units) that start before byte `offset` (≤ text length).
    fn counts(&self, offset: usize) -> (u32, u32) {
        let block = offset / BLOCK;
        let (mut chars, mut units) = self.blocks.get(block).copied().unwrap_or((0, 0));
        let from = block * BLOCK;
        for &b in self.text.as_bytes().get(from..offset).unwrap_or(&[]) {
            if starts_char(b) {
                chars += 1;
                units += utf16_units(b);
            }
        }
        (chars, units)
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
        let (chars, units) = self.counts(offset);
        let (line_chars, line_units) = self.counts(start);
        Position {
            line: to_u32(line + 1),
            column: chars - line_chars + 1,
            utf16_column: units - line_units + 1,
            utf16_offset: units,
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
                utf16_column: 1,
                utf16_offset: 0,
            }
        );
        assert_eq!(idx.position(3).line, 2);
        // 'x' is after é (2 bytes) and 😀 (4 bytes): column 3, UTF-16 column 4.
        let p = idx.position(3 + 2 + 4);
        assert_eq!((p.line, p.column, p.utf16_column), (2, 3, 4));
        assert_eq!(p.utf16_offset, 3 + 1 + 2);
        assert_eq!(idx.position(1000).line, 3);
        // Inside a multi-byte char: no panic, and it counts as that character.
        assert_eq!(idx.position(4).column, 2);
    }

    /// The obvious per-query scan, as the reference.
    fn naive(text: &str, offset: usize) -> (usize, usize, usize, usize) {
        let offset = offset.min(text.len());
        let mut cut = offset;
        while !text.is_char_boundary(cut) {
            cut += 1;
        }
        let before = &text[..cut];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line_text = &before[line_start..];
        (
            before.matches('\n').count() + 1,
            line_text.chars().count() + 1,
            line_text.encode_utf16().count() + 1,
            before.encode_utf16().count(),
        )
    }

    #[test]
    fn agrees_with_a_naive_scan_across_block_boundaries() {
        // Multi-byte characters straddling every block boundary, long and short lines.
        let mut text = String::new();
        for i in 0..400 {
            text.push(['a', 'é', '日', '😀', '\n'][i % 5]);
            if i % 37 == 0 {
                text.push_str(&"x".repeat(i % 70));
            }
        }
        let idx = LineIndex::new(&text);
        for offset in 0..=text.len() + 2 {
            let p = idx.position(offset as u32);
            assert_eq!(
                (
                    p.line as usize,
                    p.column as usize,
                    p.utf16_column as usize,
                    p.utf16_offset as usize
                ),
                naive(&text, offset),
                "offset {offset}"
            );
        }
        for len in [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK] {
            let t = "y".repeat(len);
            let idx = LineIndex::new(&t);
            assert_eq!(idx.position(len as u32).column as usize, len + 1);
        }
    }
}
