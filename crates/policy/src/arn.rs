//! Amazon Resource Names: one parser for every layer of Keyflow.
//!
//! `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (IAM User Guide, "IAM
//! identifiers", <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-identifiers.html>).
//! The resource part may itself contain `:` and `/`; it is kept whole.

use std::fmt;

/// A parsed ARN borrowing its text. Parsing checks the shape only (six parts,
/// `arn` first); it does not know which services exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits `text` into its parts; `None` when it is not an ARN.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let rest = text.strip_prefix("arn:")?;
        let (partition, rest) = rest.split_once(':')?;
        let (service, rest) = rest.split_once(':')?;
        let (region, rest) = rest.split_once(':')?;
        let (account, resource) = rest.split_once(':')?;
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The account, when the ARN names one (S3 bucket and object ARNs do not).
    pub fn account(&self) -> Option<&'a str> {
        (!self.account.is_empty()).then_some(self.account)
    }

    /// The resource type: the part of the resource before the first `/` or `:`
    /// (`key` in `key/1234…`, `role` in `role/path/Name`); empty when there is none.
    pub fn resource_type(&self) -> &'a str {
        match self.resource.find(['/', ':']) {
            Some(i) => self.resource.get(..i).unwrap_or(""),
            None => "",
        }
    }

    /// The resource after its type (`1234…` in `key/1234…`); the whole resource when untyped.
    pub fn resource_id(&self) -> &'a str {
        match self.resource.find(['/', ':']) {
            Some(i) => self.resource.get(i + 1..).unwrap_or(""),
            None => self.resource,
        }
    }

    /// The last `/`-separated segment of the resource (the name of a pathed IAM role or user).
    pub fn last_segment(&self) -> &'a str {
        self.resource.rsplit('/').next().unwrap_or(self.resource)
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// Whether `s` is a 12-digit AWS account ID.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_six_parts_and_keeps_the_resource_whole() {
        let a = Arn::parse("arn:aws:sts::111122223333:assumed-role/Admin/alice").unwrap();
        assert_eq!(
            (a.partition, a.service, a.region, a.account),
            ("aws", "sts", "", "111122223333")
        );
        assert_eq!(a.resource, "assumed-role/Admin/alice");
        assert_eq!(a.resource_type(), "assumed-role");
        assert_eq!(a.resource_id(), "Admin/alice");
        assert_eq!(a.last_segment(), "alice");
        assert_eq!(
            a.to_string(),
            "arn:aws:sts::111122223333:assumed-role/Admin/alice"
        );
        let s3 = Arn::parse("arn:aws:s3:::bucket/a:b/c").unwrap();
        assert_eq!(s3.account(), None);
        assert_eq!(s3.resource, "bucket/a:b/c");
        assert_eq!(s3.resource_type(), "bucket");
        let ssm = Arn::parse("arn:aws:ssm:us-east-1:111122223333:parameter/a/b").unwrap();
        assert_eq!(ssm.resource_id(), "a/b");
    }

    #[test]
    fn rejects_what_is_not_an_arn() {
        for text in [
            "",
            "arn",
            "arn:aws:s3",
            "arn:aws:s3::",
            "aws:iam::1:root",
            "*",
        ] {
            assert_eq!(Arn::parse(text), None, "{text}");
        }
        assert!(is_account_id("111122223333"));
        assert!(!is_account_id("12345"));
        assert!(!is_account_id("11112222333a"));
    }
}
