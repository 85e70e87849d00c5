//! Typed names for the things a run refers to: policies, checks and the AWS
//! managed keys. Each has one `Display`/`FromStr` pair; nothing else formats
//! or splits them.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::names::names;

names! {
    /// A service that owns an AWS managed key in every account and Region (`alias/aws/<service>`).
    pub enum ManagedService {
        S3 = "s3",
        Ssm = "ssm",
    }
}

impl ManagedService {
    /// `alias/aws/s3`.
    pub fn alias(self) -> String {
        format!("alias/aws/{}", self.as_str())
    }
}

/// Where a policy text lives: the scenario field it comes from, or the AWS-written
/// policy it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PolicyId {
    /// An identity-based policy of a principal (`identity:PRINCIPAL/POLICY`).
    Identity { principal: String, policy: String },
    /// The permissions boundary of a principal (`boundary:PRINCIPAL`).
    Boundary(String),
    /// The trust policy of a role (`trust:ROLE`).
    Trust(String),
    /// The key policy of a scenario key, by key ID (`key:ID`).
    Key(String),
    /// The fixed key policy of an AWS managed key (`key:aws/s3`).
    ManagedKey(ManagedService),
    /// A bucket policy (`bucket:NAME`).
    Bucket(String),
    /// A service control policy of the home account (`scp:NAME`).
    Scp(String),
    /// The stand-in identity policy of an account AWS owns (`aws-owned:ACCOUNT`).
    AwsOwned(String),
}

impl PolicyId {
    /// Whether the scenario holds the text (and the user can edit it).
    pub fn is_editable(&self) -> bool {
        !matches!(self, PolicyId::ManagedKey(_) | PolicyId::AwsOwned(_))
    }
}

impl fmt::Display for PolicyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyId::Identity { principal, policy } => write!(f, "identity:{principal}/{policy}"),
            PolicyId::Boundary(p) => write!(f, "boundary:{p}"),
            PolicyId::Trust(p) => write!(f, "trust:{p}"),
            PolicyId::Key(id) => write!(f, "key:{id}"),
            PolicyId::ManagedKey(s) => write!(f, "key:aws/{s}"),
            PolicyId::Bucket(b) => write!(f, "bucket:{b}"),
            PolicyId::Scp(n) => write!(f, "scp:{n}"),
            PolicyId::AwsOwned(a) => write!(f, "aws-owned:{a}"),
        }
    }
}

/// A text that is not a policy id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadId(pub String);

impl fmt::Display for BadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a policy or check id: \"{}\"", self.0)
    }
}

impl std::error::Error for BadId {}

impl FromStr for PolicyId {
    type Err = BadId;

    fn from_str(text: &str) -> Result<Self, BadId> {
        let bad = || BadId(text.to_string());
        let (kind, rest) = text.split_once(':').ok_or_else(bad)?;
        if rest.is_empty() {
            return Err(bad());
        }
        let id = match kind {
            "identity" => {
                // Principal names never hold `/` (the reader refuses them); policy names may.
                let (principal, policy) = rest.split_once('/').ok_or_else(bad)?;
                PolicyId::Identity {
                    principal: principal.to_string(),
                    policy: policy.to_string(),
                }
            }
            "boundary" => PolicyId::Boundary(rest.to_string()),
            "trust" => PolicyId::Trust(rest.to_string()),
            "key" => match rest.strip_prefix("aws/").map(str::parse::<ManagedService>) {
                Some(Ok(service)) => PolicyId::ManagedKey(service),
                _ => PolicyId::Key(rest.to_string()),
            },
            "bucket" => PolicyId::Bucket(rest.to_string()),
            "scp" => PolicyId::Scp(rest.to_string()),
            "aws-owned" => PolicyId::AwsOwned(rest.to_string()),
            _ => return Err(bad()),
        };
        Ok(id)
    }
}

impl Serialize for PolicyId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A check in a report: the flow, the step (or `matrix:PRINCIPAL` for an access
/// matrix row), the action, and which occurrence of that action in the step it
/// is. Stable across edits that do not change the step's calls before it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CheckId {
    pub flow: String,
    pub step: String,
    pub action: String,
    /// 0 for the first check of `action` in the step, 1 for the second, …
    pub occurrence: u32,
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.flow, self.step, self.action)?;
        if self.occurrence > 0 {
            write!(f, "#{}", self.occurrence + 1)?;
        }
        Ok(())
    }
}

impl FromStr for CheckId {
    type Err = BadId;

    fn from_str(text: &str) -> Result<Self, BadId> {
        let bad = || BadId(text.to_string());
        let mut parts = text.splitn(3, '/');
        let (Some(flow), Some(step), Some(last)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let (action, occurrence) = match last.rsplit_once('#') {
            Some((action, n)) => {
                let n: u32 = n.parse().map_err(|_| bad())?;
                (action, n.checked_sub(1).ok_or_else(bad)?)
            }
            None => (last, 0),
        };
        if flow.is_empty() || step.is_empty() || action.is_empty() {
            return Err(bad());
        }
        Ok(CheckId {
            flow: flow.to_string(),
            step: step.to_string(),
            action: action.to_string(),
            occurrence,
        })
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_ids_round_trip() {
        let ids = [
            PolicyId::Identity {
                principal: "Admin".into(),
                policy: "Read/Write".into(),
            },
            PolicyId::Boundary("Dev".into()),
            PolicyId::Trust("s3-batch".into()),
            PolicyId::Key("1234abcd-12ab-34cd-56ef-1234567890ab".into()),
            PolicyId::ManagedKey(ManagedService::Ssm),
            PolicyId::Bucket("my-logs".into()),
            PolicyId::Scp("DenyLeave".into()),
            PolicyId::AwsOwned("127311923021".into()),
        ];
        for id in ids {
            let text = id.to_string();
            assert_eq!(text.parse::<PolicyId>(), Ok(id), "{text}");
        }
        assert_eq!(
            "key:aws/s3".parse::<PolicyId>(),
            Ok(PolicyId::ManagedKey(ManagedService::S3))
        );
        for bad in ["", "key", "key:", "identity:Admin", "robot:x"] {
            assert!(bad.parse::<PolicyId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn check_ids_round_trip() {
        let id = CheckId {
            flow: "s3".into(),
            step: "batch-copy".into(),
            action: "kms:GenerateDataKey".into(),
            occurrence: 2,
        };
        assert_eq!(id.to_string(), "s3/batch-copy/kms:GenerateDataKey#3");
        assert_eq!(id.to_string().parse::<CheckId>(), Ok(id));
        let first: CheckId = "cloudtrail/read-log:user1/s3:GetObject".parse().unwrap();
        assert_eq!(first.occurrence, 0);
        assert_eq!(first.step, "read-log:user1");
        for bad in ["a/b", "a//c", "a/b/c#0", "a/b/c#x"] {
            assert!(bad.parse::<CheckId>().is_err(), "{bad}");
        }
    }
}
