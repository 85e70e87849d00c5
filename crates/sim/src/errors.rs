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

/// The policy kind AWS names when a check is denied: `with an explicit deny in a
/// … policy` or `because no … policy allows the … action` (IAM User Guide,
/// "Troubleshoot access denied error messages").
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
            Some(S::Session) => "a session policy",
            Some(S::VpcEndpoint) => "a VPC endpoint policy",
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
        Some(R::BoundaryNoAllow) => "permissions boundary",
        Some(R::SessionNoAllow) => "session policy",
        Some(R::VpcEndpointNoAllow) => "VPC endpoint policy",
        _ => "identity-based policy",
    };
    format!("because no {missing} allows the {action} action")
}

/// Whether the caller and the resource are in one account (S3 gives its
/// detailed message only then).
fn same_account(check: &Check) -> bool {
    match (
        check.context("aws:PrincipalAccount"),
        check.request.resource_account.as_deref(),
    ) {
        (Some(caller), Some(owner)) => caller == owner,
        _ => false,
    }
}

/// The AWS service that sent a KMS request for the caller, from `kms:ViaService`.
fn via_service(check: &Check) -> Option<&str> {
    check
        .context("kms:ViaService")
        .and_then(|v| v.split('.').next())
}

/// The access-denied error for a denied check, in the wording the service that
/// answers uses.
pub(crate) fn access_denied(code: &str, check: &Check) -> ApiError {
    let action = check.action();
    let principal = check.principal();
    let resource = check.resource();
    if action.starts_with("s3:") {
        if !same_account(check) {
            return error(
                code,
                "Access Denied",
                Source::Observed(&sources::OBS_S3_GENERIC_DENIED),
            );
        }
        // S3 quotes the resource ARN.
        return error(
            code,
            format!(
                "User: {principal} is not authorized to perform: {action} on resource: \"{resource}\" {}",
                denial_reason(check)
            ),
            Source::Doc(&sources::S3_ACCESS_DENIED),
        );
    }
    match (via_service(check), action) {
        (Some("s3"), "kms:Decrypt") => kms_ciphertext_denied_s3(code),
        (Some("ssm"), "kms:Decrypt") => ssm_decrypt_denied(),
        (Some("s3"), _) if !same_account(check) => error(
            code,
            format!(
                "User: {principal} is not authorized to perform: {action} on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access"
            ),
            Source::Observed(&sources::OBS_S3_CROSS_ACCOUNT_KMS),
        ),
        _ => error(
            code,
            format!(
                "User: {principal} is not authorized to perform: {action} on resource: {resource} {}",
                denial_reason(check)
            ),
            if action.starts_with("kms:") {
                Source::Observed(&sources::OBS_KMS_ACCESS_DENIED)
            } else {
                Source::Doc(&sources::IAM_ACCESS_DENIED)
            },
        ),
    }
}

const CIPHERTEXT_DENIED: &str = "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.";

/// What S3 answers when KMS refuses to decrypt an object for the reader.
fn kms_ciphertext_denied_s3(code: &str) -> ApiError {
    error(
        code,
        CIPHERTEXT_DENIED,
        Source::Observed(&sources::OBS_S3_KMS_DECRYPT),
    )
}

/// The whole line the AWS CLI printed in the SSM write-up when the caller could
/// not use the key (the request ID is a placeholder, as in the write-up).
fn ssm_decrypt_denied() -> ApiError {
    error(
        "AccessDeniedException",
        format!(
            "{CIPHERTEXT_DENIED} (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
        ),
        Source::Post(&sources::POST_SSM),
    )
}

/// ELB's answer when it cannot create its test file: the message is in the
/// Classic Load Balancer guide's troubleshooting (which names an unsupported
/// encryption option as one cause); the code is seen in real output.
pub(crate) fn elb_bucket_denied(bucket: &str) -> ApiError {
    error(
        "InvalidConfigurationRequest",
        format!("Access Denied for bucket: {bucket}. Please check S3bucket permission"),
        Source::Doc(&sources::CLB_ACCESS_LOGS),
    )
}

/// CloudTrail's answer when the bucket policy does not let it write.
pub(crate) fn cloudtrail_bucket_policy(bucket: &str) -> ApiError {
    error(
        "InsufficientS3BucketPolicyException",
        format!("Incorrect S3 bucket policy is detected for bucket: {bucket}"),
        Source::Observed(&sources::OBS_CLOUDTRAIL_BUCKET_POLICY),
    )
}

/// CloudTrail's answer when the key policy does not let it use the key.
pub(crate) fn cloudtrail_key_policy(bucket: &str, key_arn: &str) -> ApiError {
    error(
        "InsufficientEncryptionPolicyException",
        format!("Insufficient permissions to access S3 bucket {bucket} or KMS key {key_arn}."),
        Source::Observed(&sources::OBS_CLOUDTRAIL_KEY_POLICY),
    )
}

/// A KMS key-state error (AWS KMS Developer Guide, "Key states of AWS KMS keys").
pub(crate) fn key_state(code: &str, message: String) -> ApiError {
    error(code, message, Source::Doc(&sources::KMS_KEY_STATE))
}
