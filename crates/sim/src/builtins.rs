//! The built-in scenarios: JSON data files built from the source posts' own policies.

use crate::scenario::{Scenario, ScenarioError};

/// A built-in scenario as shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Builtin {
    pub name: &'static str,
    pub title: &'static str,
    pub json: &'static str,
}

impl Builtin {
    pub fn scenario(&self) -> Result<Scenario, ScenarioError> {
        Scenario::from_json(self.json)
    }
}

const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "alb-logs-cmk",
        title: "ALB access logs and a customer managed key on the log bucket",
        json: include_str!("../scenarios/alb-logs-cmk.json"),
    },
    Builtin {
        name: "alb-logs-cmk-documented",
        title: "ALB access logs, following the documented behaviour after the key switch",
        json: include_str!("../scenarios/alb-logs-cmk-documented.json"),
    },
    Builtin {
        name: "cloudtrail-sse-kms",
        title: "CloudTrail log files with SSE-KMS and the console's key policy",
        json: include_str!("../scenarios/cloudtrail-sse-kms.json"),
    },
    Builtin {
        name: "cloudtrail-sse-kms-restricted",
        title: "CloudTrail with SSE-KMS, decryption restricted to one user",
        json: include_str!("../scenarios/cloudtrail-sse-kms-restricted.json"),
    },
    Builtin {
        name: "ssm-securestring-cmk",
        title: "SSM SecureString parameters with a customer managed key",
        json: include_str!("../scenarios/ssm-securestring-cmk.json"),
    },
    Builtin {
        name: "s3-encrypt-in-use-bucket",
        title: "Encrypting an in-use bucket with SSE-KMS, a Bucket Key and Batch Operations",
        json: include_str!("../scenarios/s3-encrypt-in-use-bucket.json"),
    },
];

/// Every built-in scenario, in display order.
pub fn builtins() -> &'static [Builtin] {
    BUILTINS
}

/// A built-in by name.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}
