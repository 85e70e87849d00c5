//! Byte offsets to human positions.

/// A 1-based line and column; the column counts characters, like editors do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "import", derive(serde::Serialize))]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// The position of byte `offset` in `text` (clamped to the text, and to a
/// character boundary).
pub fn position(text: &str, offset: usize) -> Position {
    let mut line = 1u32;
    let mut column = 1u32;
    for (i, c) in text.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    Position { line, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let t = "ab\nçd\n";
        assert_eq!(position(t, 0), Position { line: 1, column: 1 });
        assert_eq!(position(t, 3), Position { line: 2, column: 1 });
        // `d` follows the two-byte `ç`.
        assert_eq!(position(t, 5), Position { line: 2, column: 2 });
        assert_eq!(position(t, 999), Position { line: 3, column: 1 });
    }
}
