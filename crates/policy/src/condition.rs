//! Condition operators: parsing the operator name, compiling the policy values once,
//! and evaluating against the request context.

use serde::Serialize;

use crate::context::{Context, ContextValue};
use crate::pattern::{Flavor, Glob, arn_like, tokenize};
use crate::variables::{Template, parse_template};

/// The base operator, without `IfExists` or a set prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

use Operator as O;

/// Every base operator, for lookups and suggestions.
pub const OPERATORS: [Operator; 27] = [
    O::StringEquals,
    O::StringNotEquals,
    O::StringEqualsIgnoreCase,
    O::StringNotEqualsIgnoreCase,
    O::StringLike,
    O::StringNotLike,
    O::NumericEquals,
    O::NumericNotEquals,
    O::NumericLessThan,
    O::NumericLessThanEquals,
    O::NumericGreaterThan,
    O::NumericGreaterThanEquals,
    O::DateEquals,
    O::DateNotEquals,
    O::DateLessThan,
    O::DateLessThanEquals,
    O::DateGreaterThan,
    O::DateGreaterThanEquals,
    O::Bool,
    O::BinaryEquals,
    O::IpAddress,
    O::NotIpAddress,
    O::ArnEquals,
    O::ArnLike,
    O::ArnNotEquals,
    O::ArnNotLike,
    O::Null,
];

impl Operator {
    pub fn name(self) -> &'static str {
        match self {
            O::StringEquals => "StringEquals",
            O::StringNotEquals => "StringNotEquals",
            O::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            O::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            O::StringLike => "StringLike",
            O::StringNotLike => "StringNotLike",
            O::NumericEquals => "NumericEquals",
            O::NumericNotEquals => "NumericNotEquals",
            O::NumericLessThan => "NumericLessThan",
            O::NumericLessThanEquals => "NumericLessThanEquals",
            O::NumericGreaterThan => "NumericGreaterThan",
            O::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            O::DateEquals => "DateEquals",
            O::DateNotEquals => "DateNotEquals",
            O::DateLessThan => "DateLessThan",
            O::DateLessThanEquals => "DateLessThanEquals",
            O::DateGreaterThan => "DateGreaterThan",
            O::DateGreaterThanEquals => "DateGreaterThanEquals",
            O::Bool => "Bool",
            O::BinaryEquals => "BinaryEquals",
            O::IpAddress => "IpAddress",
            O::NotIpAddress => "NotIpAddress",
            O::ArnEquals => "ArnEquals",
            O::ArnLike => "ArnLike",
            O::ArnNotEquals => "ArnNotEquals",
            O::ArnNotLike => "ArnNotLike",
            O::Null => "Null",
        }
    }

    /// Negated operators are true when the key is absent and combine values as NOR.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            O::StringNotEquals
                | O::StringNotEqualsIgnoreCase
                | O::StringNotLike
                | O::NumericNotEquals
                | O::DateNotEquals
                | O::NotIpAddress
                | O::ArnNotEquals
                | O::ArnNotLike
        )
    }

    /// Whether policy variables are substituted in this operator's values.
    pub fn takes_variables(self) -> bool {
        matches!(
            self,
            O::StringEquals
                | O::StringNotEquals
                | O::StringEqualsIgnoreCase
                | O::StringNotEqualsIgnoreCase
                | O::StringLike
                | O::StringNotLike
                | O::ArnEquals
                | O::ArnLike
                | O::ArnNotEquals
                | O::ArnNotLike
        )
    }

    pub fn from_name(name: &str) -> Option<Operator> {
        OPERATORS.into_iter().find(|o| o.name() == name)
    }
}

/// `ForAnyValue:` / `ForAllValues:` prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SetOperator {
    ForAnyValue,
    ForAllValues,
}

/// A full operator such as `ForAllValues:StringLikeIfExists`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct OperatorSpec {
    pub base: Operator,
    pub set: Option<SetOperator>,
    pub if_exists: bool,
}

impl OperatorSpec {
    /// Parses an operator name exactly as AWS spells it (names are case-sensitive).
    pub fn parse(name: &str) -> Option<OperatorSpec> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetOperator::ForAnyValue), r)
        } else if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetOperator::ForAllValues), r)
        } else {
            (None, name)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let base = Operator::from_name(base)?;
        // Null has no IfExists form.
        if base == O::Null && if_exists {
            return None;
        }
        Some(OperatorSpec {
            base,
            set,
            if_exists,
        })
    }
}

/// A CIDR block, IPv4 or IPv6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cidr {
    v6: bool,
    addr: u128,
    prefix: u8,
}

pub(crate) fn parse_ip(text: &str) -> Option<(bool, u128)> {
    if let Ok(v4) = text.parse::<std::net::Ipv4Addr>() {
        return Some((false, u128::from(u32::from(v4))));
    }
    text.parse::<std::net::Ipv6Addr>()
        .ok()
        .map(|v6| (true, u128::from(v6)))
}

pub(crate) fn parse_cidr(text: &str) -> Option<Cidr> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
        None => (text, None),
    };
    let (v6, addr) = parse_ip(addr.trim())?;
    let max = if v6 { 128 } else { 32 };
    let prefix = prefix.unwrap_or(max);
    if prefix > max {
        return None;
    }
    Some(Cidr { v6, addr, prefix })
}

impl Cidr {
    fn contains(&self, v6: bool, addr: u128) -> bool {
        if v6 != self.v6 {
            return false;
        }
        let bits = if v6 { 128 } else { 32 };
        let shift = bits - u32::from(self.prefix);
        if shift >= 128 {
            return true;
        }
        (addr >> shift) == (self.addr >> shift)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(s: &str, len: usize) -> Option<(i64, &str)> {
    let digits = s.get(..len)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, &s[len..]))
}

/// Parses a W3C ISO 8601 date/time (`2025-07-15`, `2025-07-15T08:00:00Z`,
/// `2025-07-15T08:00:00.5+09:00`) or epoch seconds, to epoch seconds.
pub(crate) fn parse_date(text: &str) -> Option<f64> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return decimal(t);
    }
    let (y, r) = num(t, 4)?;
    let r = r.strip_prefix('-')?;
    let (mo, r) = num(r, 2)?;
    let r = r.strip_prefix('-')?;
    let (d, r) = num(r, 2)?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, mo, d) as f64 * 86_400.0;
    if r.is_empty() {
        return Some(secs);
    }
    let r = r.strip_prefix(['T', 't', ' '])?;
    let (h, r) = num(r, 2)?;
    let r = r.strip_prefix(':')?;
    let (mi, mut r) = num(r, 2)?;
    let mut s = 0.0;
    if let Some(rr) = r.strip_prefix(':') {
        let (sec, rr) = num(rr, 2)?;
        s = sec as f64;
        r = rr;
        if let Some(frac) = r.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            s += decimal(&format!("0.{}", &frac[..n]))?;
            r = &frac[n..];
        }
    }
    if h > 24 || mi > 59 || s >= 61.0 {
        return None;
    }
    secs += (h * 3600 + mi * 60) as f64 + s;
    let offset = match r {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match r.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let r = &r[1..];
            let (oh, r) = num(r, 2)?;
            let r = r.strip_prefix(':').unwrap_or(r);
            let (om, r) = num(r, 2)?;
            if !r.is_empty() {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(secs - offset as f64)
}

pub(crate) fn parse_number(text: &str) -> Option<f64> {
    decimal(text.trim()).filter(|v| v.is_finite())
}

/// A decimal number (`-12`, `3.5`, `.5`, `1.`, `2e3`, `+1E-2`) as f64. Up to
/// 19 significant digits and a power of ten up to 22 give the correctly
/// rounded value (one rounding of an exact integer times or over an exact
/// power of ten), so equal and ordered decimals stay equal and ordered; beyond
/// that the result is within an ulp or two. Written out rather than
/// `str::parse::<f64>`, whose tables weigh several KB in the page.
pub(crate) fn decimal(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    let mut i = 0;
    let negative = match b.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let (mut mantissa, mut exp, mut digits, mut seen_point) = (0u64, 0i32, 0usize, false);
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => {
                digits += 1;
                if mantissa < 1_000_000_000_000_000_000 {
                    mantissa = mantissa * 10 + u64::from(c - b'0');
                    exp -= i32::from(seen_point);
                } else {
                    // Digits past the 19th only scale the integer part.
                    exp += i32::from(!seen_point);
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        let rest = &t[i + 1..];
        let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
        if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let e: i32 = digits.parse().ok()?;
        exp += if rest.starts_with('-') { -e } else { e };
    } else if i != b.len() {
        return None;
    }
    let m = mantissa as f64;
    let value = if exp >= 0 {
        m * 10f64.powi(exp)
    } else if exp >= -22 {
        m / 10f64.powi(-exp)
    } else {
        m / 10f64.powi(22) / 10f64.powi(-exp - 22)
    };
    Some(if negative { -value } else { value })
}

pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// One policy value, compiled for its operator.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Compiled {
    /// Equality; for IgnoreCase operators the text is lower-cased already.
    Text(String),
    Like(Glob),
    /// A value with policy variables, resolved per request.
    Template(Template),
    Number(f64),
    Date(f64),
    Bool(bool),
    Binary(Vec<u8>),
    Ip(Cidr),
    /// `Null`: true means "key must be absent".
    Null(bool),
    /// Unusable for this operator (lint reports it); never matches.
    Invalid,
}

/// Compiles one policy value for `op`; `variables` is false for 2008-10-17 policies.
pub(crate) fn compile_value(op: Operator, value: &str, variables: bool) -> Compiled {
    if variables
        && op.takes_variables()
        && let Some(t) = parse_template(value)
    {
        return Compiled::Template(t);
    }
    match op {
        O::StringEquals | O::StringNotEquals => Compiled::Text(value.to_owned()),
        O::StringEqualsIgnoreCase | O::StringNotEqualsIgnoreCase => {
            Compiled::Text(crate::case::fold(value))
        }
        O::StringLike | O::StringNotLike => Compiled::Like(Glob::new(value, Flavor::Plain, false)),
        O::ArnEquals | O::ArnLike | O::ArnNotEquals | O::ArnNotLike => {
            Compiled::Text(value.to_owned())
        }
        O::NumericEquals
        | O::NumericNotEquals
        | O::NumericLessThan
        | O::NumericLessThanEquals
        | O::NumericGreaterThan
        | O::NumericGreaterThanEquals => {
            parse_number(value).map_or(Compiled::Invalid, Compiled::Number)
        }
        O::DateEquals
        | O::DateNotEquals
        | O::DateLessThan
        | O::DateLessThanEquals
        | O::DateGreaterThan
        | O::DateGreaterThanEquals => parse_date(value).map_or(Compiled::Invalid, Compiled::Date),
        O::Bool => parse_bool(value).map_or(Compiled::Invalid, Compiled::Bool),
        O::BinaryEquals => {
            crate::base64::decode_lenient(value).map_or(Compiled::Invalid, Compiled::Binary)
        }
        O::IpAddress | O::NotIpAddress => parse_cidr(value).map_or(Compiled::Invalid, Compiled::Ip),
        O::Null => parse_bool(value).map_or(Compiled::Invalid, Compiled::Null),
    }
}

/// Does one request value satisfy one policy value under the *positive* form of `op`
/// (negation is applied by the caller)?
fn value_matches(op: Operator, policy: &Compiled, request: &str, ctx: &Context) -> bool {
    match policy {
        Compiled::Template(t) => {
            if matches!(op, O::StringLike | O::StringNotLike) {
                let mut chars = Vec::new();
                if !t.resolve_marked(ctx, &mut chars) {
                    return false;
                }
                return Glob::from_tokens(tokenize(&chars, Flavor::Plain)).matches(request, false);
            }
            let mut s = String::new();
            if !t.resolve(ctx, &mut s) {
                return false;
            }
            let resolved = match op {
                O::StringEqualsIgnoreCase | O::StringNotEqualsIgnoreCase => {
                    Compiled::Text(crate::case::fold(&s))
                }
                _ => Compiled::Text(s),
            };
            value_matches(op, &resolved, request, ctx)
        }
        Compiled::Text(p) => match op {
            O::StringEquals | O::StringNotEquals => p == request,
            O::StringEqualsIgnoreCase | O::StringNotEqualsIgnoreCase => {
                crate::case::eq_ignoring_case(p, request)
            }
            O::ArnEquals | O::ArnLike | O::ArnNotEquals | O::ArnNotLike => arn_like(p, request),
            _ => false,
        },
        Compiled::Like(g) => g.matches(request, false),
        Compiled::Number(p) => match parse_number(request) {
            Some(r) => match op {
                O::NumericEquals | O::NumericNotEquals => r == *p,
                O::NumericLessThan => r < *p,
                O::NumericLessThanEquals => r <= *p,
                O::NumericGreaterThan => r > *p,
                O::NumericGreaterThanEquals => r >= *p,
                _ => false,
            },
            None => false,
        },
        Compiled::Date(p) => match parse_date(request) {
            Some(r) => match op {
                O::DateEquals | O::DateNotEquals => r == *p,
                O::DateLessThan => r < *p,
                O::DateLessThanEquals => r <= *p,
                O::DateGreaterThan => r > *p,
                O::DateGreaterThanEquals => r >= *p,
                _ => false,
            },
            None => false,
        },
        Compiled::Bool(p) => parse_bool(request) == Some(*p),
        Compiled::Binary(p) => match crate::base64::decode_lenient(request) {
            Some(r) => r == *p,
            None => false,
        },
        Compiled::Ip(c) => match parse_ip(request.trim()) {
            Some((v6, addr)) => c.contains(v6, addr),
            None => false,
        },
        Compiled::Null(_) | Compiled::Invalid => false,
    }
}

/// Does request value `v` satisfy the operator (negation applied) for any of the
/// policy values? Positive: OR over values; negated: NOR.
fn one_request_value(op: Operator, values: &[Compiled], v: &str, ctx: &Context) -> bool {
    let any = values.iter().any(|p| value_matches(op, p, v, ctx));
    if op.is_negated() { !any } else { any }
}

/// Evaluates one `operator: { key: values }` clause. `spec` is `None` for an unknown
/// operator, which never matches.
pub(crate) fn evaluate_clause(
    spec: Option<OperatorSpec>,
    key: &str,
    values: &[Compiled],
    ctx: &Context,
) -> bool {
    let Some(spec) = spec else { return false };
    let present = ctx.get(key).filter(|v| !v.values().is_empty());
    if spec.base == O::Null {
        let absent = present.is_none();
        return values.contains(&Compiled::Null(absent));
    }
    let Some(present) = present else {
        if spec.if_exists {
            return true;
        }
        return match spec.set {
            Some(SetOperator::ForAnyValue) => false,
            Some(SetOperator::ForAllValues) => true,
            // Missing key: positive operators fail, negated operators hold.
            None => spec.base.is_negated(),
        };
    };
    let reqs = present.values();
    match spec.set {
        Some(SetOperator::ForAllValues) => reqs
            .iter()
            .all(|v| one_request_value(spec.base, values, v, ctx)),
        Some(SetOperator::ForAnyValue) => reqs
            .iter()
            .any(|v| one_request_value(spec.base, values, v, ctx)),
        None => {
            if spec.base.is_negated() {
                // NOR across every request value and every policy value.
                reqs.iter()
                    .all(|v| one_request_value(spec.base, values, v, ctx))
            } else {
                reqs.iter()
                    .any(|v| one_request_value(spec.base, values, v, ctx))
            }
        }
    }
}

/// For explanations: the request values of `key`, if present.
pub(crate) fn request_values<'a>(ctx: &'a Context, key: &str) -> Option<&'a [String]> {
    ctx.get(key).map(ContextValue::values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_as_the_standard_library_reads_them() {
        // Every form a policy writes, exact where the standard library is.
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "+7",
            "42",
            "3.5",
            "-3.25",
            ".5",
            "1.",
            "007",
            "1e3",
            "2E-2",
            "-1.5e+2",
            "9007199254740993",
            "123456789012345678901234567890",
            "0.000000000000000000001",
            "1.5e300",
            "2.5e-300",
            "0.1",
            "0.2",
            "0.30000000000000004",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // A deterministic spread of integers and decimals (a small LCG).
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let int = (x >> 33) % 10_000_000;
            let frac = (x >> 13) % 100_000;
            let scale = (x >> 5) % 6;
            texts.push(format!("{int}.{frac:0width$}", width = scale as usize + 1));
            texts.push(format!("-{int}"));
            texts.push(format!("{int}e-{scale}"));
        }
        for t in &texts {
            let ours = decimal(t).unwrap_or_else(|| panic!("{t}"));
            let std: f64 = t.parse().unwrap();
            let close = ours == std || ((ours - std) / std).abs() < 1e-15;
            assert!(close, "{t}: {ours} vs {std}");
            // Within the fast path (at most 15 significant digits here) the value is exact.
            if t.trim_start_matches(['-', '+'])
                .chars()
                .filter(char::is_ascii_digit)
                .count()
                <= 15
                && !t.contains(['e', 'E'])
            {
                assert_eq!(ours, std, "{t}");
            }
        }
        for bad in [
            "", "-", "+", ".", "e3", "1e", "1e+", "1.2.3", "--1", "1x", "0x10", "nan", "inf", " 1",
        ] {
            assert_eq!(decimal(bad), None, "{bad:?}");
        }
        assert_eq!(parse_number(" 12 "), Some(12.0));
        assert_eq!(parse_number("1e999"), None);
    }

    fn eval(op: &str, key: &str, vals: &[&str], ctx: &Context) -> bool {
        let spec = OperatorSpec::parse(op);
        let base = spec.map_or(O::StringEquals, |s| s.base);
        let compiled: Vec<Compiled> = vals.iter().map(|v| compile_value(base, v, true)).collect();
        evaluate_clause(spec, key, &compiled, ctx)
    }

    fn ctx(pairs: &[(&str, &str)]) -> Context {
        let mut c = Context::new();
        for (k, v) in pairs {
            c.insert(*k, *v);
        }
        c
    }

    #[test]
    fn operator_names() {
        let s = OperatorSpec::parse("ForAllValues:StringLikeIfExists").unwrap();
        assert_eq!(s.base, O::StringLike);
        assert_eq!(s.set, Some(SetOperator::ForAllValues));
        assert!(s.if_exists);
        assert!(OperatorSpec::parse("StringEqual").is_none());
        assert!(OperatorSpec::parse("stringequals").is_none());
        assert!(OperatorSpec::parse("NullIfExists").is_none());
        for op in OPERATORS {
            assert_eq!(OperatorSpec::parse(op.name()).unwrap().base, op);
        }
    }

    #[test]
    fn string_operators() {
        let c = ctx(&[("aws:PrincipalTag/dept", "Finance")]);
        assert!(!eval(
            "StringEquals",
            "aws:principaltag/dept",
            &["finance"],
            &c
        ));
        assert!(eval(
            "StringEquals",
            "AWS:PrincipalTag/Dept",
            &["x", "Finance"],
            &c
        ));
        assert!(eval(
            "StringEqualsIgnoreCase",
            "aws:PrincipalTag/dept",
            &["finance"],
            &c
        ));
        assert!(!eval(
            "StringNotEqualsIgnoreCase",
            "aws:PrincipalTag/dept",
            &["FINANCE"],
            &c
        ));
        assert!(eval("StringLike", "aws:PrincipalTag/dept", &["Fin*"], &c));
        assert!(!eval("StringLike", "aws:PrincipalTag/dept", &["fin*"], &c));
        assert!(eval(
            "StringLike",
            "aws:PrincipalTag/dept",
            &["F?nance"],
            &c
        ));
        // NOR for negated operators.
        assert!(!eval(
            "StringNotEquals",
            "aws:PrincipalTag/dept",
            &["a", "Finance"],
            &c
        ));
        assert!(eval(
            "StringNotEquals",
            "aws:PrincipalTag/dept",
            &["a", "b"],
            &c
        ));
        assert!(!eval("StringNotLike", "aws:PrincipalTag/dept", &["F*"], &c));
    }

    #[test]
    fn missing_keys() {
        let c = Context::new();
        assert!(!eval("StringEquals", "k", &["v"], &c));
        assert!(eval("StringNotEquals", "k", &["v"], &c));
        assert!(eval("StringEqualsIfExists", "k", &["v"], &c));
        assert!(eval("StringNotEqualsIfExists", "k", &["v"], &c));
        assert!(eval("NotIpAddress", "aws:SourceIp", &["10.0.0.0/8"], &c));
        assert!(!eval("IpAddress", "aws:SourceIp", &["10.0.0.0/8"], &c));
        assert!(eval("ArnNotLike", "aws:PrincipalArn", &["arn:*"], &c));
        assert!(eval("NumericNotEquals", "n", &["1"], &c));
        assert!(eval("DateNotEquals", "d", &["2020-01-01"], &c));
        assert!(!eval("Bool", "aws:SecureTransport", &["false"], &c));
        assert!(eval("BoolIfExists", "aws:SecureTransport", &["false"], &c));
    }

    #[test]
    fn present_key_with_if_exists_is_evaluated() {
        let c = ctx(&[("k", "a")]);
        assert!(!eval("StringEqualsIfExists", "k", &["b"], &c));
        assert!(eval("StringNotEqualsIfExists", "k", &["b"], &c));
    }

    #[test]
    fn null_operator() {
        let c = ctx(&[("k", "a")]);
        assert!(eval("Null", "k", &["false"], &c));
        assert!(!eval("Null", "k", &["true"], &c));
        assert!(eval("Null", "other", &["true"], &c));
        let empty = Context::new().with("tags", Vec::<String>::new());
        assert!(eval("Null", "tags", &["true"], &empty));
    }

    #[test]
    fn set_operators() {
        let none = Context::new();
        let empty = Context::new().with("aws:TagKeys", Vec::<String>::new());
        let tags = Context::new().with("aws:TagKeys", vec!["env", "team"]);
        // ForAnyValue: false when absent or empty.
        assert!(!eval(
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            &["env"],
            &none
        ));
        assert!(!eval(
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            &["env"],
            &empty
        ));
        assert!(!eval(
            "ForAnyValue:StringNotEquals",
            "aws:TagKeys",
            &["env"],
            &none
        ));
        assert!(eval(
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            &["env"],
            &tags
        ));
        assert!(!eval(
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            &["x"],
            &tags
        ));
        // ForAllValues: true when absent or empty.
        assert!(eval(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            &["env"],
            &none
        ));
        assert!(eval(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            &["env"],
            &empty
        ));
        assert!(!eval(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            &["env"],
            &tags
        ));
        assert!(eval(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            &["env", "team", "x"],
            &tags
        ));
        // Negated with sets: per value, then any/all.
        assert!(eval(
            "ForAnyValue:StringNotEquals",
            "aws:TagKeys",
            &["env"],
            &tags
        ));
        assert!(!eval(
            "ForAllValues:StringNotEquals",
            "aws:TagKeys",
            &["env"],
            &tags
        ));
        assert!(eval(
            "ForAllValues:StringNotEquals",
            "aws:TagKeys",
            &["x"],
            &tags
        ));
        assert!(eval(
            "ForAllValues:StringNotEquals",
            "aws:TagKeys",
            &["x"],
            &none
        ));
        assert!(eval(
            "ForAnyValue:StringEqualsIfExists",
            "aws:TagKeys",
            &["x"],
            &none
        ));
    }

    #[test]
    fn numeric_and_date() {
        let c = ctx(&[
            ("aws:MultiFactorAuthAge", "7200"),
            ("aws:CurrentTime", "2025-07-15T08:00:00Z"),
        ]);
        assert!(!eval(
            "NumericLessThan",
            "aws:MultiFactorAuthAge",
            &["3600"],
            &c
        ));
        assert!(eval(
            "NumericGreaterThanEquals",
            "aws:MultiFactorAuthAge",
            &["7200"],
            &c
        ));
        assert!(eval(
            "NumericEquals",
            "aws:MultiFactorAuthAge",
            &["7200.0"],
            &c
        ));
        assert!(eval(
            "NumericLessThanEquals",
            "aws:MultiFactorAuthAge",
            &["1e4"],
            &c
        ));
        assert!(!eval(
            "NumericLessThan",
            "aws:MultiFactorAuthAge",
            &["abc"],
            &c
        ));
        assert!(eval(
            "DateGreaterThan",
            "aws:CurrentTime",
            &["2025-07-01T00:00:00Z"],
            &c
        ));
        assert!(!eval(
            "DateLessThan",
            "aws:CurrentTime",
            &["2025-07-01"],
            &c
        ));
        // Epoch seconds and offsets.
        assert!(eval("DateEquals", "aws:CurrentTime", &["1752566400"], &c));
        assert!(eval(
            "DateEquals",
            "aws:CurrentTime",
            &["2025-07-15T17:00:00+09:00"],
            &c
        ));
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_date("2000-03-01"), Some(951_868_800.0));
        assert_eq!(parse_date("2025-13-01"), None);
        assert_eq!(
            parse_date("2025-01-01T10:00:00.5Z"),
            Some(parse_date("2025-01-01T10:00:00Z").unwrap() + 0.5)
        );
    }

    #[test]
    fn ip_addresses() {
        let c = ctx(&[("aws:SourceIp", "203.0.113.7")]);
        assert!(eval("IpAddress", "aws:SourceIp", &["203.0.113.0/24"], &c));
        assert!(!eval(
            "NotIpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24"],
            &c
        ));
        assert!(eval("NotIpAddress", "aws:SourceIp", &["192.0.2.0/24"], &c));
        assert!(eval("IpAddress", "aws:SourceIp", &["203.0.113.7"], &c));
        assert!(eval("IpAddress", "aws:SourceIp", &["0.0.0.0/0"], &c));
        let v6 = ctx(&[("aws:SourceIp", "2001:db8::1")]);
        assert!(eval("IpAddress", "aws:SourceIp", &["2001:db8::/32"], &v6));
        assert!(!eval("IpAddress", "aws:SourceIp", &["2001:db9::/32"], &v6));
        assert!(!eval("IpAddress", "aws:SourceIp", &["0.0.0.0/0"], &v6));
        assert!(eval("IpAddress", "aws:SourceIp", &["::/0"], &v6));
        assert!(parse_cidr("10.0.0.0/33").is_none());
    }

    #[test]
    fn bool_binary_arn() {
        let c = ctx(&[
            ("aws:SecureTransport", "false"),
            ("b", "aGVsbG8="),
            (
                "aws:SourceArn",
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/t",
            ),
        ]);
        assert!(eval("Bool", "aws:SecureTransport", &["false"], &c));
        assert!(!eval("Bool", "aws:SecureTransport", &["true"], &c));
        assert!(eval("BinaryEquals", "b", &["aGVsbG8="], &c));
        assert!(!eval("BinaryEquals", "b", &["d29ybGQ="], &c));
        assert!(eval(
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:cloudtrail:*:111122223333:trail/*"],
            &c
        ));
        assert!(eval(
            "ArnEquals",
            "aws:SourceArn",
            &["arn:aws:cloudtrail:*:111122223333:trail/*"],
            &c
        ));
        assert!(!eval(
            "ArnNotLike",
            "aws:SourceArn",
            &["arn:aws:cloudtrail:*:111122223333:*"],
            &c
        ));
        assert!(!eval(
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:cloudtrail:*:444455556666:trail/*"],
            &c
        ));
    }

    #[test]
    fn variables_in_condition_values() {
        let c = ctx(&[("aws:username", "alice"), ("s3:prefix", "home/alice/x")]);
        assert!(eval(
            "StringLike",
            "s3:prefix",
            &["home/${aws:username}/*"],
            &c
        ));
        assert!(!eval(
            "StringLike",
            "s3:prefix",
            &["home/${aws:userid}/*"],
            &c
        ));
        assert!(eval(
            "StringEquals",
            "aws:username",
            &["${aws:username}"],
            &c
        ));
        // Numeric operators do not substitute variables.
        assert!(!eval("NumericEquals", "n", &["${aws:username}"], &c));
    }

    #[test]
    fn multivalued_key_without_set_operator() {
        let c = Context::new().with("aws:CalledVia", vec!["a.amazonaws.com", "b.amazonaws.com"]);
        assert!(eval(
            "StringEquals",
            "aws:CalledVia",
            &["b.amazonaws.com"],
            &c
        ));
        assert!(!eval(
            "StringNotEquals",
            "aws:CalledVia",
            &["b.amazonaws.com"],
            &c
        ));
    }

    #[test]
    fn unknown_operator_never_matches() {
        assert!(!eval("StringEqual", "k", &["v"], &ctx(&[("k", "v")])));
    }
}
