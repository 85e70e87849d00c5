//! The errors AWS returns in the flows, each with where its wording comes from.
//! Flows build errors only through these functions.

use keyflow_policy::Effect;

use crate::report::{ApiError, Check, Verdict};
use crate::sources::{self, Source};

fn error(code: &str, message: impl Into<String>, source: Source) -> ApiError {
    ApiError {
        code: code.to_string(),
        message: message.into(),
        source,
    }
}

/// The policy kind AWS names when a check is denied: which kind of policy is
/// missing an allow, or holds the deny.
fn denial_reason(check: &Check) -> String {
    let action = check.action();
    if check.decision == Verdict::ExplicitlyDenied {
        use keyflow_policy::PolicySlot as S;
        let kind = match check
            .deciding
            .iter()
            .find(|d| d.effect == Effect::Deny)
            .map(|d| d.slot)
        {
            Some(S::Resource) => "a resource-based policy",
            Some(S::PermissionBoundary) => "a permissions boundary",
            Some(S::Scp { .. }) => "a service control policy",
            Some(S::Rcp { .. }) => "a resource control policy",
            Some(S::VpcEndpoint) => "a VPC endpoint policy",
            Some(S::Session) => "a session policy",
            _ => "an identity-based policy",
        };
        return format!("with an explicit deny in {kind}");
    }
    use keyflow_policy::Reason as R;
    let missing = match &check.reason {
        Some(
            R::KeyPolicyNoGrant { .. }
            | R::KeyPolicyMissing
            | R::TrustPolicyNoGrant
            | R::CrossAccountNoResourcePolicy { .. }
            | R::CrossAccountNoResourceGrant { .. },
        ) => "resource-based policy",
        Some(R::ScpNoAllow { .. }) => "service control policy",
        Some(R::VpcEndpointNoAllow) => "VPC endpoint policy",
        Some(R::BoundaryNoAllow) => "permissions boundary",
        Some(R::SessionNoAllow) => "session policy",
        _ => "identity-based policy",
    };
    format!("because no {missing} allows the {action} action")
}

/// `User: ARN is not authorized to perform: ACTION on resource: RES because …`
/// (IAM User Guide, "Access denied error messages").
pub(crate) fn not_authorized(check: &Check) -> String {
    format!(
        "User: {} is not authorized to perform: {} on resource: {} {}",
        check.principal(),
        check.action(),
        check.resource(),
        denial_reason(check)
    )
}

/// An authorization failure as the service reports it, with the AccessDenied wording.
pub(crate) fn access_denied(code: &str, check: &Check) -> ApiError {
    error(
        code,
        not_authorized(check),
        Source::Doc(&sources::IAM_ACCESS_DENIED),
    )
}

/// What SSM and S3 report when KMS refused to decrypt (seen in the SSM write-up).
pub(crate) fn kms_ciphertext_denied(code: &str) -> ApiError {
    error(
        code,
        "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.",
        Source::Post(&sources::POST_SSM),
    )
}

/// ELB's answer when its test object cannot be written (ALB guide, troubleshooting).
pub(crate) fn elb_bucket_denied(bucket: &str) -> ApiError {
    error(
        "InvalidConfigurationRequest",
        format!("Access Denied for bucket: {bucket}. Please check S3bucket permission"),
        Source::Doc(&sources::ALB_ACCESS_LOGS),
    )
}

/// CloudTrail's answer when the bucket policy does not let it write.
pub(crate) fn cloudtrail_bucket_policy(bucket: &str) -> ApiError {
    error(
        "InsufficientS3BucketPolicyException",
        format!("Incorrect S3 bucket policy is detected for bucket: {bucket}"),
        Source::Doc(&sources::CLOUDTRAIL_S3_POLICY),
    )
}

/// CloudTrail's answer when the key policy does not let it use the key.
pub(crate) fn cloudtrail_key_policy(bucket: &str, key_arn: &str) -> ApiError {
    error(
        "InsufficientEncryptionPolicyException",
        format!("Insufficient permissions to access S3 bucket {bucket} or KMS key {key_arn}."),
        Source::Doc(&sources::CLOUDTRAIL_KMS_POLICY),
    )
}

/// A KMS key-state error (AWS KMS Developer Guide, "Key states of AWS KMS keys").
pub(crate) fn key_state(code: &str, message: String) -> ApiError {
    error(code, message, Source::Doc(&sources::KMS_KEY_STATE))
}
