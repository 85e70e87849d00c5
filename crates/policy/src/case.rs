//! Case folding for `StringEqualsIgnoreCase` and `StringNotEqualsIgnoreCase`.
//!
//! AWS documents these operators as "exact matching, ignoring case" and does not
//! say which characters have case. Keyflow folds the letters of the alphabets whose
//! capital and small forms sit a fixed distance apart: Latin (ASCII, Latin-1,
//! Latin Extended-A), Greek, Cyrillic, Armenian and full-width Latin. Every other
//! character compares exactly. That is an assumption, stated with the operator's
//! explanation; the linter flags values that hold letters outside those alphabets.
//!
//! Why not `str::to_lowercase`: its Unicode tables are about 10 KB of the page's
//! gzipped first load, for letters that policies almost never hold.

/// The small form of `c` under the rule above; `c` itself otherwise.
pub fn fold_char(c: char) -> char {
    let u = c as u32;
    let shifted = match u {
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE => u + 32,
        // Latin Extended-A: capitals on one parity, each followed by its small form.
        0x100..=0x137 | 0x14A..=0x177 if u.is_multiple_of(2) => u + 1,
        0x139..=0x148 | 0x179..=0x17E if !u.is_multiple_of(2) => u + 1,
        0x178 => 0xFF,
        // Greek: archaic letters, tonos capitals, the alphabet (0x3A2 is
        // unassigned), final sigma, Coptic in Greek and the symbols' capitals.
        0x370..=0x373 | 0x3D8..=0x3EF if u.is_multiple_of(2) => u + 1,
        0x376 | 0x3F7 | 0x3FA => u + 1,
        0x37F => 0x3F3,
        0x3CF => 0x3D7,
        0x3F4 => 0x3B8,
        0x3F9 => 0x3F2,
        0x3FD..=0x3FF => u - 130,
        0x386 => 0x3AC,
        0x388..=0x38A => u + 37,
        0x38C => 0x3CC,
        0x38E | 0x38F => u + 63,
        0x391..=0x3A1 | 0x3A3..=0x3AB => u + 32,
        0x3C2 => 0x3C3,
        // Cyrillic.
        0x400..=0x40F => u + 80,
        0x410..=0x42F => u + 32,
        0x460..=0x481 | 0x48A..=0x4BF | 0x4D0..=0x52F if u.is_multiple_of(2) => u + 1,
        0x4C0 => 0x4CF,
        0x4C1..=0x4CE if !u.is_multiple_of(2) => u + 1,
        // Armenian, full-width Latin.
        0x531..=0x556 => u + 48,
        0xFF21..=0xFF3A => u + 32,
        _ => u,
    };
    char::from_u32(shifted).unwrap_or(c)
}

/// Whether `c` is a cased letter outside the alphabets above (its case is not
/// folded). Letters without case (CJK, Arabic, …) compare exactly anyway.
pub fn unfolded_letter(c: char) -> bool {
    !c.is_ascii() && (c.is_uppercase() || c.is_lowercase()) && !in_folded_alphabets(c)
}

fn in_folded_alphabets(c: char) -> bool {
    matches!(c as u32, 0xC0..=0x17F | 0x370..=0x3FF | 0x400..=0x52F | 0x531..=0x587 | 0xFF21..=0xFF5A)
}

/// `s` with every character folded.
pub fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// Whether `a` and `b` are equal ignoring case (see the module comment).
pub fn eq_ignoring_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().map(fold_char).eq(b.chars().map(fold_char))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The folding agrees with Unicode's own lowercase mapping in every alphabet it covers.
    #[test]
    fn agrees_with_unicode_lowercase_in_the_folded_alphabets() {
        let ranges = [
            0x20..0x7F,
            0xC0..0x180,
            0x370..0x400,
            0x400..0x530,
            0x531..0x588,
            0xFF21..0xFF5B,
        ];
        let mut checked = 0;
        for r in ranges {
            for u in r {
                let Some(c) = char::from_u32(u) else { continue };
                let lower: Vec<char> = c.to_lowercase().collect();
                // One-to-many mappings (İ → i̇) and letters without a small form in
                // the same block are left as they are.
                if lower.len() != 1 {
                    continue;
                }
                let expected = if lower[0] == 'ς' { 'σ' } else { lower[0] };
                let expected = if c == 'ς' { 'σ' } else { expected };
                assert_eq!(fold_char(c), expected, "U+{u:04X} {c}");
                checked += 1;
            }
        }
        assert!(checked > 800, "{checked}");
    }

    #[test]
    fn compares_ignoring_case_and_nothing_else() {
        assert!(eq_ignoring_case("Prod", "pROD"));
        assert!(eq_ignoring_case("ÉQUIPE", "équipe"));
        assert!(eq_ignoring_case("ΟΔΥΣΣΕΥΣ", "οδυσσευς"));
        assert!(eq_ignoring_case("МОСКВА", "москва"));
        assert!(!eq_ignoring_case("prod", "prod "));
        assert!(!eq_ignoring_case("straße", "strasse"));
        assert_eq!(fold("ÀÖØÞ×"), "àöøþ×");
    }

    #[test]
    fn letters_outside_the_folded_alphabets_are_named() {
        assert!(unfolded_letter('Ꭰ')); // Cherokee has case; not folded here.
        assert!(!unfolded_letter('é'));
        assert!(!unfolded_letter('7'));
        assert!(!unfolded_letter('日'), "no case to fold");
    }
}
