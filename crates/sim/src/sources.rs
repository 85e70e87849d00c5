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

/// Wording seen in real AWS output, quoted in public reports, that no AWS page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    /// Where it was seen (issue trackers, with years).
    pub seen_in: &'static str,
}

/// The origin of one fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Doc(&'static Doc),
    Post(&'static Post),
    /// AWS output seen in the wild but not documented.
    Observed(&'static Observed),
    /// Keyflow's own modelling choice (or a conclusion drawn from sources),
    /// with the reason it was needed.
    Assumption(&'static str),
    /// Written by whoever wrote the scenario (a user's expectation, a setting).
    Scenario,
}

impl Source {
    /// One line for text output: `AWS docs: TITLE <URL>`, `write-up: TITLE (DATE)`, …
    pub fn label(&self) -> String {
        match self {
            Source::Doc(d) => format!("AWS docs: {} <{}>", d.title, d.url),
            Source::Post(p) => match p.date {
                Some(date) => format!("write-up: {} ({date})", p.title),
                None => format!("write-up: {}", p.title),
            },
            Source::Observed(o) => format!("observed in AWS output, not documented: {}", o.seen_in),
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
            Source::Observed(o) => {
                let mut st = s.serialize_struct("Source", 2)?;
                st.serialize_field("kind", "observed")?;
                st.serialize_field("seen_in", o.seen_in)?;
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
//
// Titles and URLs as AWS publishes them; where the current page could not be
// read in full, the wording was checked against AWS's archived documentation
// (June 2023).

macro_rules! doc {
    ($name:ident, $title:literal, $url:literal) => {
        pub static $name: Doc = Doc {
            title: $title,
            url: $url,
        };
    };
}

doc!(
    ALB_ACCESS_LOGS,
    "Enable access logs for your Application Load Balancer",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html"
);
doc!(
    ALB_LOGS_OVERVIEW,
    "Access logs for your Application Load Balancer",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html"
);
doc!(
    CLB_ACCESS_LOGS,
    "Enable access logs for your Classic Load Balancer",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/enable-access-logs.html#enable-access-logs-troubleshooting"
);
doc!(
    CLOUDTRAIL_KMS_POLICY,
    "Configure AWS KMS key policies for CloudTrail",
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html"
);
doc!(
    CLOUDTRAIL_DEFAULT_KEY_POLICY,
    "Default KMS key policy created in CloudTrail console",
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/default-kms-key-policy.html"
);
doc!(
    CLOUDTRAIL_SSE_KMS_2023,
    "Encrypting CloudTrail log files with AWS KMS keys (SSE-KMS) (as published until June 2023)",
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html"
);
doc!(
    CLOUDTRAIL_HOW_KMS,
    "How AWS CloudTrail uses AWS KMS",
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/how-kms-works-with-cloudtrail.html"
);
doc!(
    CLOUDTRAIL_HOW_IT_WORKS,
    "How CloudTrail works",
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/how-cloudtrail-works.html"
);
doc!(
    CLOUDTRAIL_VALIDATION,
    "Validating CloudTrail log file integrity",
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html"
);
doc!(
    CLOUDTRAIL_UPDATE_TRAIL,
    "UpdateTrail (AWS CloudTrail API Reference)",
    "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_UpdateTrail.html"
);
doc!(
    CLOUDTRAIL_BUCKET_POLICY_EXCEPTION,
    "CloudTrail exceptions: InsufficientS3BucketPolicyException",
    "https://docs.aws.amazon.com/botocore/latest/reference/services/cloudtrail/client/exceptions/InsufficientS3BucketPolicyException.html"
);
doc!(
    CLOUDTRAIL_ENCRYPTION_POLICY_EXCEPTION,
    "CloudTrail exceptions: InsufficientEncryptionPolicyException",
    "https://docs.aws.amazon.com/botocore/latest/reference/services/cloudtrail/client/exceptions/InsufficientEncryptionPolicyException.html"
);
doc!(
    SSM_KMS,
    "AWS KMS encryption for AWS Systems Manager Parameter Store SecureString parameters",
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/secure-string-parameter-kms-encryption.html"
);
doc!(
    SSM_RESTRICT_DECRYPTION,
    "Restricting decryption of SecureString parameter values",
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html"
);
doc!(
    S3_SSE_KMS,
    "Protecting data using server-side encryption with AWS KMS keys (SSE-KMS)",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context"
);
doc!(
    S3_BUCKET_KEY,
    "Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html"
);
doc!(
    S3_BUCKET_KEY_OBJECT,
    "Configuring an S3 Bucket Key at the object level",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-bucket-key-object.html"
);
doc!(
    S3_BATCH_BUCKET_KEY,
    "Using S3 Batch Operations to encrypt objects with S3 Bucket Keys",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-copy-example-bucket-key.html"
);
doc!(
    S3_COPY_OPERATION,
    "S3CopyObjectOperation (Amazon S3 Control API Reference)",
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_S3CopyObjectOperation.html"
);
doc!(
    S3_DEFAULT_ENCRYPTION,
    "Setting default server-side encryption behavior for Amazon S3 buckets",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html"
);
doc!(
    S3_BATCH_COPY,
    "Copy objects (S3 Batch Operations)",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-copy-object.html"
);
doc!(
    S3_INVENTORY,
    "Cataloging and analyzing your data with S3 Inventory",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory.html"
);
doc!(
    S3_INVENTORY_CONFIGURATION,
    "InventoryConfiguration (Amazon S3 API Reference)",
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_InventoryConfiguration.html"
);
doc!(
    S3_INVENTORY_ATHENA,
    "Querying Amazon S3 Inventory with Amazon Athena",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-athena-query.html"
);
doc!(
    S3_INVENTORY_BUCKET_POLICY,
    "Examples of Amazon S3 bucket policies: Grant permissions for S3 Inventory and S3 analytics",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html#example-bucket-policies-s3-inventory-1"
);
doc!(
    S3_SELECT,
    "Querying data in place with Amazon S3 Select",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/selecting-content-from-objects.html"
);
doc!(
    S3_SELECT_OBJECT_CONTENT,
    "SelectObjectContent (Amazon S3 API Reference)",
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_SelectObjectContent.html"
);
doc!(
    S3_VERSIONING,
    "How S3 Versioning works",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/versioning-workflows.html#versioning-workflows-new-versions"
);
doc!(
    S3_DELETE_VERSIONS,
    "Deleting object versions from a versioning-enabled bucket",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html"
);
doc!(
    S3_RESTORE_VERSIONS,
    "Restoring previous versions",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/RestoringPreviousVersions.html"
);
doc!(
    S3_ACCESS_DENIED,
    "Troubleshoot access denied (403 Forbidden) errors in Amazon S3",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html"
);
doc!(
    S3_ACTIONS,
    "Actions, resources, and condition keys for Amazon S3 (Service Authorization Reference)",
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html"
);
doc!(
    BATCH_OPS_IAM_ROLE,
    "Granting permissions for Batch Operations",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-iam-role-policies.html"
);
doc!(
    IAM_ACCESS_DENIED,
    "Troubleshoot access denied error messages",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html"
);
doc!(
    IAM_FORWARD_ACCESS,
    "Forward access sessions",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html"
);
doc!(
    IAM_EVALUATION,
    "Policy evaluation logic",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
);
doc!(
    KMS_CONDITION_KEYS,
    "AWS KMS condition keys",
    "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html"
);
doc!(
    KMS_GRANTS,
    "Grants in AWS KMS",
    "https://docs.aws.amazon.com/kms/latest/developerguide/grants.html"
);
doc!(
    KMS_KEY_STATE,
    "Key states of AWS KMS keys",
    "https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html#key-state-table"
);
doc!(
    KMS_CALLER_ACCOUNT,
    "AWS KMS condition keys: kms:CallerAccount",
    "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account"
);

// ---------------------------------------------------------------- observed, not documented

pub static OBS_CLOUDTRAIL_BUCKET_POLICY: Observed = Observed {
    seen_in: "AWS CLI output quoted in boto/boto3#1766 (2018), hashicorp/terraform#6388 (2016) and awsdocs/aws-cloudtrail-user-guide#24 (2021)",
};
pub static OBS_CLOUDTRAIL_KEY_POLICY: Observed = Observed {
    seen_in: "AWS output quoted in trussworks/terraform-aws-cloudtrail#186 (2021) and Azure/Azure-Sentinel#12242 (2025)",
};
pub static OBS_ELB_ERROR_CODE: Observed = Observed {
    seen_in: "the error code InvalidConfigurationRequest for this message, in ALB output quoted in public Terraform projects (the AWS guides give the message, not the code)",
};
pub static OBS_S3_KMS_DECRYPT: Observed = Observed {
    seen_in: "S3 GetObject output for SSE-KMS objects reported in 2023 (the same KMS wording as the SSM write-up)",
};
pub static OBS_KMS_ACCESS_DENIED: Observed = Observed {
    seen_in: "KMS output quoted in aws/copilot-cli#5500 (2023) and ministryofjustice PR #1296 (2021), in the IAM access-denied format",
};
pub static OBS_S3_CROSS_ACCOUNT_KMS: Observed = Observed {
    seen_in: "S3 output for a cross-account key quoted in the buildkite docs (2023)",
};
pub static OBS_S3_GENERIC_DENIED: Observed = Observed {
    seen_in: "S3 answers \"Access Denied\" without detail outside the bucket owner's account (boto/boto3#2952, 2021); S3 documents the detailed message for same-account requests only",
};
