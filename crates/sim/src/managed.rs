//! The AWS managed keys (`aws/s3`, `aws/ssm`): their fixed key policies and
//! the key IDs the simulator gives them.
//!
//! The policy text follows the key policy AWS attaches to these keys (AWS KMS
//! Developer Guide, "AWS managed keys"): use through the owning service for
//! every principal of the account, and direct read-only metadata access.

use crate::ids::ManagedService;

/// The deterministic key ID of an AWS managed key in a run.
pub(crate) fn key_id(service: ManagedService) -> &'static str {
    match service {
        ManagedService::S3 => "a0b1c2d3-0000-4000-8000-000000000053",
        ManagedService::Ssm => "a0b1c2d3-0000-4000-8000-000000000055",
    }
}

/// The fixed key policy of an AWS managed key in this account and Region.
pub fn key_policy(service: ManagedService, account: &str, region: &str) -> String {
    let (id, sid) = match service {
        ManagedService::S3 => (
            "    \"Id\": \"auto-s3-2\",\n",
            "Allow access through S3 for all principals in the account that are authorized to use S3",
        ),
        ManagedService::Ssm => (
            "",
            "Allow access through AWS Systems Manager for all principals in the account that are authorized to use AWS Systems Manager",
        ),
    };
    format!(
        r#"{{
    "Version": "2012-10-17",
{id}    "Statement": [
        {{
            "Sid": "{sid}",
            "Effect": "Allow",
            "Principal": {{
                "AWS": "*"
            }},
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:DescribeKey"
            ],
            "Resource": "*",
            "Condition": {{
                "StringEquals": {{
                    "kms:CallerAccount": "{account}",
                    "kms:ViaService": "{service}.{region}.amazonaws.com"
                }}
            }}
        }},
        {{
            "Sid": "Allow direct access to key metadata to the account",
            "Effect": "Allow",
            "Principal": {{
                "AWS": "arn:aws:iam::{account}:root"
            }},
            "Action": [
                "kms:Describe*",
                "kms:Get*",
                "kms:List*"
            ],
            "Resource": "*"
        }}
    ]
}}"#
    )
}
