//! The AWS pages fixes, the access view and the lockout what-if cite beside
//! the ones in [`crate::sources`]: each condition key a fix writes names the
//! page that documents that key for the integration.

use crate::sources::Doc;

/// `kms:ViaService`: limits a KMS permission to requests an AWS service makes
/// for the principal (AWS KMS Developer Guide, "AWS KMS condition keys").
pub static KMS_VIA_SERVICE: Doc = Doc {
    title: "AWS KMS condition keys: kms:ViaService",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service",
};

/// `kms:EncryptionContext:context-key`: one pair of the request's encryption context.
pub static KMS_ENCRYPTION_CONTEXT: Doc = Doc {
    title: "AWS KMS condition keys: kms:EncryptionContext:context-key",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context",
};

/// `kms:CallerAccount`: the account of the caller (used with `Principal "*"`).
pub static KMS_CALLER_ACCOUNT: Doc = Doc {
    title: "AWS KMS condition keys: kms:CallerAccount",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account",
};

/// Key policies are the primary way to control access to a KMS key.
pub static KMS_KEY_POLICIES: Doc = Doc {
    title: "Key policies in AWS KMS",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html",
};

/// IAM policies grant KMS permissions only where the key policy delegates to the account.
pub static KMS_IAM_POLICIES: Doc = Doc {
    title: "Using IAM policies with AWS KMS",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/iam-policies.html",
};

/// Cross-account use needs the key policy and an IAM policy in the other account.
pub static KMS_EXTERNAL_ACCOUNTS: Doc = Doc {
    title: "Allowing users in other accounts to use a KMS key",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html",
};

/// The default key policy and the lockout safety check ("prevent unmanageable KMS keys").
pub static KMS_DEFAULT_KEY_POLICY: Doc = Doc {
    title: "Default key policy",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key",
};

/// PutKeyPolicy: without BypassPolicyLockoutSafetyCheck the new policy must let
/// the principal making the request make a later PutKeyPolicy request.
pub static KMS_PUT_KEY_POLICY: Doc = Doc {
    title: "PutKeyPolicy - AWS Key Management Service API Reference",
    url: "https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html",
};

/// The AWS Knowledge Center article that quotes the lockout error word for word.
pub static KNOWLEDGE_CENTER_LOCKOUT: Doc = Doc {
    title: "AWS Knowledge Center: why does creating a KMS key fail with \"The new key policy will not allow you to update the key policy in the future\"?",
    url: "https://aws.amazon.com/premiumsupport/knowledge-center/update-key-policy-future/",
};

/// `aws:SourceArn`, `aws:SourceAccount` and the other global condition keys.
pub static IAM_GLOBAL_KEYS: Doc = Doc {
    title: "AWS global condition context keys",
    url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html",
};

/// Bucket policies: resource-based policies that name principals.
pub static S3_BUCKET_POLICIES: Doc = Doc {
    title: "Bucket policies for Amazon S3",
    url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html",
};

/// CloudTrail's bucket policy: `aws:SourceArn` and `s3:x-amz-acl` for `cloudtrail.amazonaws.com`.
pub static CLOUDTRAIL_S3_POLICY: Doc = Doc {
    title: "Amazon S3 bucket policy for CloudTrail",
    url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html",
};

/// AWS managed keys: their key policies cannot be changed.
pub static KMS_AWS_MANAGED_KEYS: Doc = Doc {
    title: "AWS managed keys",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key",
};
