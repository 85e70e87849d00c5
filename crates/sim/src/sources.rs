//! Where each fact Keyflow shows comes from: an AWS document, one of the
//! write-ups the flows reproduce, or an assumption with its reason.
//!
//! Notes, error templates and documented/observed labels carry a [`Source`];
//! a test walks every built-in report and fails on a fact without one.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// An AWS documentation page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Doc {
    pub title: &'static str,
    pub url: &'static str,
}

/// A write-up a flow reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Post {
    pub title: &'static str,
    /// The date the post gives for its observations or its publication, if it gives one.
    pub date: Option<&'static str>,
}

/// The origin of one fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Doc(&'static Doc),
    Post(&'static Post),
    /// Keyflow's own modelling choice, with the reason it was needed.
    Assumption(&'static str),
    /// Written by whoever wrote the scenario (a user's expectation).
    Scenario,
}

impl Source {
    /// One line for text output: `AWS docs: TITLE <URL>`, `Post: TITLE (DATE)`, `Assumption: …`.
    pub fn label(&self) -> String {
        match self {
            Source::Doc(d) => format!("AWS docs: {} <{}>", d.title, d.url),
            Source::Post(p) => match p.date {
                Some(date) => format!("write-up: {} ({date})", p.title),
                None => format!("write-up: {}", p.title),
            },
            Source::Assumption(why) => format!("assumption: {why}"),
            Source::Scenario => "written in the scenario".to_string(),
        }
    }
}

impl Serialize for Source {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Source::Doc(d) => {
                let mut st = s.serialize_struct("Source", 3)?;
                st.serialize_field("kind", "aws-doc")?;
                st.serialize_field("title", d.title)?;
                st.serialize_field("url", d.url)?;
                st.end()
            }
            Source::Post(p) => {
                let mut st = s.serialize_struct("Source", 3)?;
                st.serialize_field("kind", "write-up")?;
                st.serialize_field("title", p.title)?;
                st.serialize_field("date", &p.date)?;
                st.end()
            }
            Source::Assumption(reason) => {
                let mut st = s.serialize_struct("Source", 2)?;
                st.serialize_field("kind", "assumption")?;
                st.serialize_field("reason", reason)?;
                st.end()
            }
            Source::Scenario => {
                let mut st = s.serialize_struct("Source", 1)?;
                st.serialize_field("kind", "scenario")?;
                st.end()
            }
        }
    }
}

// ---------------------------------------------------------------- the write-ups

pub static POST_ALB: Post = Post {
    title: "ALB アクセスログの格納時の暗号化は KMS カスタマキーで行えるのか?",
    date: Some("2022-09-18"),
};
pub static POST_CLOUDTRAIL_SSE_KMS: Post = Post {
    title: "CloudTrailの証跡ログをSSE-KMS暗号化に変更する",
    date: None,
};
pub static POST_KMS_2018: Post = Post {
    title: "AWS再入門2018 AWS Key Management Service編",
    date: Some("2018-04-27"),
};
pub static POST_S3_IN_USE: Post = Post {
    title: "運用中のS3を暗号化する話",
    date: None,
};
pub static POST_SSM: Post = Post {
    title: "AWS KMS で EC2 Systems Managerパラメータストアを暗号化",
    date: None,
};

// ---------------------------------------------------------------- AWS documentation

pub static ALB_ACCESS_LOGS: Doc = Doc {
    title: "Enable access logs for your Application Load Balancer",
    url: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html",
};
pub static CLOUDTRAIL_KMS_POLICY: Doc = Doc {
    title: "Configure AWS KMS key policies for CloudTrail",
    url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html",
};
pub static CLOUDTRAIL_SSE_KMS: Doc = Doc {
    title: "Encrypting CloudTrail log files, digest files, and event data stores with AWS KMS keys (SSE-KMS)",
    url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html",
};
pub static CLOUDTRAIL_S3_POLICY: Doc = Doc {
    title: "Amazon S3 bucket policy for CloudTrail",
    url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html",
};
pub static SSM_KMS: Doc = Doc {
    title: "How AWS Systems Manager Parameter Store uses AWS KMS",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html",
};
pub static S3_SSE_KMS: Doc = Doc {
    title: "Using server-side encryption with AWS KMS keys (SSE-KMS)",
    url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
};
pub static S3_BUCKET_KEY: Doc = Doc {
    title: "Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys",
    url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html",
};
pub static S3_DEFAULT_ENCRYPTION: Doc = Doc {
    title: "Setting default server-side encryption behavior for Amazon S3 buckets",
    url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html",
};
pub static S3_BATCH_COPY: Doc = Doc {
    title: "Copy objects (S3 Batch Operations)",
    url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-copy-object.html",
};
pub static S3_INVENTORY: Doc = Doc {
    title: "Cataloging and analyzing your data with S3 Inventory",
    url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory.html",
};
pub static KMS_CONDITION_KEYS: Doc = Doc {
    title: "AWS KMS condition keys",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html",
};
pub static KMS_GRANTS: Doc = Doc {
    title: "Grants in AWS KMS",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/grants.html",
};
pub static KMS_KEY_STATE: Doc = Doc {
    title: "Key states of AWS KMS keys",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html",
};
pub static KMS_AWS_MANAGED_KEYS: Doc = Doc {
    title: "AWS managed keys",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key",
};
pub static IAM_EVALUATION: Doc = Doc {
    title: "Policy evaluation logic",
    url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
};
pub static IAM_ACCESS_DENIED: Doc = Doc {
    title: "Access denied error messages",
    url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_access-denied.html",
};
pub static S3_ACCESS_DENIED: Doc = Doc {
    title: "Troubleshoot access denied (403 Forbidden) errors in Amazon S3",
    url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html",
};
pub static BATCH_OPS_IAM_ROLE: Doc = Doc {
    title: "Granting permissions for Batch Operations",
    url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-iam-role-policies.html",
};
