//! Wildcard patterns (`*`, `?`) for actions, resources and `...Like` conditions.
//!
//! Patterns are compiled once at parse time. Common shapes (`*`, exact text,
//! `prefix*`) get fast paths; anything else runs a bit-set NFA simulation, which
//! is O(pattern × value) in the worst case and never backtracks exponentially
//! (`*a*a*a*…b` against `aaaa…` stays fast).

/// One pattern token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Char(char),
    /// `?`: one character; `colon` false means it may not match `:`.
    One {
        colon: bool,
    },
    /// `*`: any run; `colon` false means the run may not contain `:`.
    Star {
        colon: bool,
    },
}

/// A compiled wildcard pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Glob {
    /// `*` alone.
    Any,
    /// No wildcards.
    Exact(Box<str>),
    /// Literal text followed by one `*` that may cross anything.
    Prefix(Box<str>),
    General(Box<[Tok]>),
}

/// How `*` and `?` treat colons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// Actions and `StringLike`: wildcards match any character.
    Plain,
    /// Resource ARNs: inside the first five colon segments a wildcard stays in its
    /// segment unless the `*` is the last character of the segment; after the fifth
    /// colon (the resource part) wildcards match anything.
    Arn,
}

/// Builds the token list for `pattern`, where `literal[i]` marks characters that came
/// from a `${*}`-style escape or a variable value and so are never wildcards.
pub(crate) fn tokenize(chars: &[(char, bool)], flavor: Flavor) -> Vec<Tok> {
    let arn = flavor == Flavor::Arn && starts_with_arn(chars);
    let mut toks = Vec::with_capacity(chars.len());
    let mut colons = 0usize;
    for (i, &(c, literal)) in chars.iter().enumerate() {
        let in_resource_part = colons >= 5;
        let tok = if literal {
            Tok::Char(c)
        } else if c == '*' {
            let next = chars.get(i + 1).map(|&(n, _)| n);
            let ends_segment = matches!(next, None | Some(':'));
            Tok::Star {
                colon: !arn || in_resource_part || ends_segment,
            }
        } else if c == '?' {
            Tok::One {
                colon: !arn || in_resource_part,
            }
        } else {
            Tok::Char(c)
        };
        if c == ':' {
            colons += 1;
        }
        // Consecutive stars of the same kind are equivalent to one.
        if let (Tok::Star { colon: a }, Some(Tok::Star { colon: b })) = (tok, toks.last())
            && a == *b
        {
            continue;
        }
        toks.push(tok);
    }
    toks
}

fn starts_with_arn(chars: &[(char, bool)]) -> bool {
    let prefix = ['a', 'r', 'n', ':'];
    chars.len() >= 4 && chars.iter().zip(prefix).all(|(&(c, _), p)| c == p)
}

impl Glob {
    /// Compiles `pattern`; `lower` lower-cases it first (for case-insensitive actions).
    pub(crate) fn new(pattern: &str, flavor: Flavor, lower: bool) -> Glob {
        let owned;
        let pattern = if lower {
            owned = pattern.to_ascii_lowercase();
            owned.as_str()
        } else {
            pattern
        };
        if pattern == "*" {
            return Glob::Any;
        }
        let chars: Vec<(char, bool)> = pattern.chars().map(|c| (c, false)).collect();
        Glob::from_tokens(tokenize(&chars, flavor))
    }

    pub(crate) fn from_tokens(toks: Vec<Tok>) -> Glob {
        let wild = toks.iter().filter(|t| !matches!(t, Tok::Char(_))).count();
        if wild == 0 {
            return Glob::Exact(toks.iter().filter_map(tok_char).collect::<String>().into());
        }
        if wild == 1 && matches!(toks.last(), Some(Tok::Star { colon: true })) {
            if toks.len() == 1 {
                return Glob::Any;
            }
            let prefix: String = toks.iter().filter_map(tok_char).collect();
            return Glob::Prefix(prefix.into());
        }
        Glob::General(toks.into_boxed_slice())
    }

    /// Matches `value`; with `ci` ASCII letters compare case-insensitively (the pattern
    /// must then be lower case already).
    pub(crate) fn matches(&self, value: &str, ci: bool) -> bool {
        match self {
            Glob::Any => true,
            Glob::Exact(s) => {
                if ci {
                    s.eq_ignore_ascii_case(value)
                } else {
                    **s == *value
                }
            }
            Glob::Prefix(p) => {
                let (p, v) = (p.as_bytes(), value.as_bytes());
                v.len() >= p.len()
                    && if ci {
                        v[..p.len()].eq_ignore_ascii_case(p)
                    } else {
                        &v[..p.len()] == p
                    }
            }
            Glob::General(toks) => nfa_match(toks, value, ci),
        }
    }
}

fn tok_char(t: &Tok) -> Option<char> {
    match t {
        Tok::Char(c) => Some(*c),
        _ => None,
    }
}

/// Bit set over NFA states that lives on the stack for patterns up to 511 tokens.
struct Bits {
    small: [u64; 8],
    large: Vec<u64>,
    words: usize,
}

impl Bits {
    fn new(states: usize) -> Bits {
        let words = states.div_ceil(64);
        Bits {
            small: [0; 8],
            large: if words > 8 {
                vec![0; words]
            } else {
                Vec::new()
            },
            words,
        }
    }
    fn slice(&mut self) -> &mut [u64] {
        if self.words > 8 {
            &mut self.large
        } else {
            &mut self.small[..self.words]
        }
    }
    fn view(&self) -> &[u64] {
        if self.words > 8 {
            &self.large
        } else {
            &self.small[..self.words]
        }
    }
}

fn set(bits: &mut [u64], i: usize) {
    if let Some(w) = bits.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

fn get(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

/// Enters state `i` and, through the empty transitions of stars, every following star.
fn enter(bits: &mut [u64], toks: &[Tok], mut i: usize) {
    set(bits, i);
    while let Some(Tok::Star { .. }) = toks.get(i) {
        i += 1;
        set(bits, i);
    }
}

fn chars_eq(p: char, c: char, ci: bool) -> bool {
    p == c || (ci && p == c.to_ascii_lowercase())
}

fn nfa_match(toks: &[Tok], value: &str, ci: bool) -> bool {
    let states = toks.len() + 1;
    let mut cur = Bits::new(states);
    let mut next = Bits::new(states);
    enter(cur.slice(), toks, 0);
    for c in value.chars() {
        let nx = next.slice();
        nx.fill(0);
        let mut alive = false;
        for (w, &word) in cur.view().iter().enumerate() {
            let mut word = word;
            while word != 0 {
                let i = w * 64 + word.trailing_zeros() as usize;
                word &= word - 1;
                let next = match toks.get(i) {
                    // Staying on a star keeps the states after it reachable.
                    Some(Tok::Star { colon }) if *colon || c != ':' => Some(i),
                    Some(Tok::Char(p)) if chars_eq(*p, c, ci) => Some(i + 1),
                    Some(Tok::One { colon }) if *colon || c != ':' => Some(i + 1),
                    _ => None,
                };
                if let Some(n) = next {
                    enter(nx, toks, n);
                    alive = true;
                }
            }
        }
        if !alive {
            return false;
        }
        std::mem::swap(&mut cur, &mut next);
    }
    get(cur.view(), toks.len())
}

/// `ArnLike`/`ArnEquals`: compares the six colon-separated parts one by one, so a
/// wildcard never crosses a colon of the first five parts.
pub(crate) fn arn_like(pattern: &str, value: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let mut p = pattern.splitn(6, ':');
    let mut v = value.splitn(6, ':');
    loop {
        match (p.next(), v.next()) {
            (None, None) => return true,
            (Some(ps), Some(vs)) => {
                if !Glob::new(ps, Flavor::Plain, false).matches(vs, false) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(p: &str, v: &str) -> bool {
        Glob::new(p, Flavor::Arn, false).matches(v, false)
    }
    fn plain(p: &str, v: &str) -> bool {
        Glob::new(p, Flavor::Plain, false).matches(v, false)
    }

    #[test]
    fn fast_paths_are_chosen() {
        assert_eq!(Glob::new("*", Flavor::Arn, false), Glob::Any);
        assert!(matches!(
            Glob::new("abc", Flavor::Arn, false),
            Glob::Exact(_)
        ));
        assert!(matches!(
            Glob::new("arn:aws:s3:::b/*", Flavor::Arn, false),
            Glob::Prefix(_)
        ));
        assert!(matches!(
            Glob::new("kms:*DataKey*", Flavor::Plain, true),
            Glob::General(_)
        ));
    }

    #[test]
    fn actions_are_case_insensitive() {
        let g = Glob::new("KMS:*DataKey*", Flavor::Plain, true);
        assert!(g.matches("kms:GenerateDataKeyWithoutPlaintext", true));
        assert!(g.matches("KMS:GENERATEDATAKEY", true));
        assert!(!g.matches("kms:Decrypt", true));
        let e = Glob::new("kms:Decrypt", Flavor::Plain, true);
        assert!(e.matches("KMS:decrypt", true));
        let p = Glob::new("s3:Get*", Flavor::Plain, true);
        assert!(p.matches("S3:GETOBJECT", true));
        assert!(!p.matches("s3:PutObject", true));
    }

    #[test]
    fn documented_resource_example() {
        // IAM UG: arn:aws:s3:::b/*/test/* matches b/1///test///x.jpg and b//test/x.jpg, not b/test/x.jpg.
        let p = "arn:aws:s3:::b/*/test/*";
        assert!(res(p, "arn:aws:s3:::b/1///test///x.jpg"));
        assert!(res(p, "arn:aws:s3:::b//test/x.jpg"));
        assert!(!res(p, "arn:aws:s3:::b/test/x.jpg"));
    }

    #[test]
    fn resources_are_case_sensitive_and_question_mark_is_one_char() {
        assert!(!res(
            "arn:aws:s3:::b/Docs/*",
            "arn:aws:s3:::b/docs/plan.txt"
        ));
        assert!(res("arn:aws:s3:::b/2025-0?/*", "arn:aws:s3:::b/2025-03/x"));
        assert!(!res("arn:aws:s3:::b/2025-0?/*", "arn:aws:s3:::b/2025-10/x"));
        assert!(!res("arn:aws:s3:::b/a?", "arn:aws:s3:::b/a"));
    }

    #[test]
    fn star_inside_a_segment_stays_in_the_segment() {
        // `us-*-1` cannot swallow a colon; a trailing `*` of a segment can.
        assert!(res("arn:aws:sqs:us-*-1:1:q", "arn:aws:sqs:us-east-1:1:q"));
        assert!(!res("arn:aws:sqs:us-*-1:1:q", "arn:aws:sqs:us-x:y-1:1:q"));
        assert!(res("arn:aws:ssm:*", "arn:aws:ssm:us-east-1:1:parameter/x"));
        assert!(res(
            "arn:aws:logs:*:*:log-group:*",
            "arn:aws:logs:eu-west-1:1:log-group:g:log-stream:s"
        ));
        // In the resource part a star crosses colons and slashes.
        assert!(res(
            "arn:aws:logs:r:1:log-group:a*z",
            "arn:aws:logs:r:1:log-group:a:b/c:z"
        ));
    }

    #[test]
    fn pathological_patterns_are_fast() {
        let p = format!("{}b", "*a".repeat(200));
        let v = "a".repeat(5000);
        let start = std::time::Instant::now();
        assert!(!plain(&p, &v));
        assert!(start.elapsed().as_secs() < 2);
        let long = format!("{}*", "x".repeat(1000));
        assert!(plain(
            &format!("*{long}"),
            &format!("yy{}", "x".repeat(1000))
        ));
    }

    #[test]
    fn arn_like_compares_segment_by_segment() {
        let p = "arn:aws:someservice:*:111122223333:finance/*";
        assert!(arn_like(
            p,
            "arn:aws:someservice:us-east-1:111122223333:finance/x"
        ));
        assert!(!arn_like(
            p,
            "arn:aws:someservice:us-east-1:extra:111122223333:finance/x"
        ));
        // StringLike matches the same value across the colon.
        assert!(plain(
            p,
            "arn:aws:someservice:us-east-1:extra:111122223333:finance/x"
        ));
        assert!(arn_like("*", "anything"));
        assert!(!arn_like("arn:aws:iam::1:role/*", "arn:aws:iam::1"));
    }
}
