//! The flows a world's resources imply, with the principals that take part.
//!
//! Who takes part is decided with the policy engine: the admin of a flow is the
//! first principal of the input allowed to make the flow's configuration call, the
//! readers are every principal allowed to read. When the input has nobody for a
//! role a flow needs, a principal is added and named `KeyflowAdded…`, so it cannot
//! be mistaken for one of the user's.

use keyflow_policy::PolicyKind;
use keyflow_sim::flows::{alb, cloudtrail, s3_encrypt, ssm};
use keyflow_sim::{
    FlowParams, FlowSpec, NamedPolicy, ParameterType, Principal, PrincipalKind, Scenario, Sse,
};

use super::access::Who;
use super::model::{BucketB, LbB, ParamB, TrailB, finding};
use super::util::Env;
use super::{Finding, Severity};

pub(crate) struct Inputs<'a> {
    pub env: &'a Env,
    pub trails: &'a [TrailB],
    pub lbs: &'a [LbB],
    pub params: &'a [ParamB],
    pub buckets: &'a [BucketB],
}

const ADMIN: &str = "KeyflowAddedAdmin";
const LOG_READER: &str = "KeyflowAddedLogReader";
const APP: &str = "KeyflowAddedApp";
const BATCH_ROLE: &str = "KeyflowAddedBatchOperationsRole";

fn doc(statements: &[String]) -> String {
    let body: Vec<String> = statements.iter().map(|s| format!("        {s}")).collect();
    super::util::pretty(&format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": [{}]}}",
        body.join(",")
    ))
}

fn allow(actions: &[&str], resources: &[String]) -> String {
    let a: Vec<String> = actions.iter().map(|a| format!("\"{a}\"")).collect();
    let r: Vec<String> = resources.iter().map(|r| format!("\"{r}\"")).collect();
    format!(
        "{{\"Effect\": \"Allow\", \"Action\": [{}], \"Resource\": [{}]}}",
        a.join(", "),
        r.join(", ")
    )
}

impl Added {
    /// The principal found, or Keyflow's added admin when there is none.
    fn admin_or(&mut self, found: Option<String>) -> String {
        found.unwrap_or_else(|| {
            self.admin = true;
            ADMIN.to_string()
        })
    }
}

/// A log prefix as the start of an object key: empty, or ending in one `/`.
fn log_prefix(prefix: &str) -> String {
    if prefix.is_empty() {
        String::new()
    } else {
        format!("{}/", prefix.trim_end_matches('/'))
    }
}

/// A principal Keyflow adds, with its one identity policy.
fn added_principal(name: &str, kind: PrincipalKind, policy: &str, document: String) -> Principal {
    let mut p = Principal::new(name, kind);
    p.policies.push(NamedPolicy {
        name: policy.into(),
        document,
    });
    p
}

/// The principals Keyflow adds, collected while flows are chosen.
#[derive(Default)]
struct Added {
    admin: bool,
    log_buckets: Vec<String>,
    app_buckets: Vec<(String, String)>,
    batch: Vec<(String, String)>,
}

fn flow_id(kind_default: &str, taken: &mut Vec<String>, name: &str) -> Option<String> {
    if !taken.iter().any(|t| t == kind_default) {
        taken.push(kind_default.to_string());
        return None;
    }
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut id = format!("{kind_default}-{clean}");
    let mut i = 2;
    while taken.contains(&id) {
        id = format!("{kind_default}-{clean}-{i}");
        i += 1;
    }
    taken.push(id.clone());
    Some(id)
}

/// Adds a flow for every trail with a key, load balancer with access logs,
/// SecureString parameter and bucket with an SSE-KMS default; returns a line per
/// principal Keyflow added.
pub(crate) fn add_flows(
    s: &mut Scenario,
    inputs: &Inputs<'_>,
    out: &mut Vec<Finding>,
) -> Vec<String> {
    let env = inputs.env;
    let partition = env.partition();
    let account = &env.account;
    let region = &env.region;
    let who: Vec<Who> = s.principals.iter().map(|p| Who::new(p, env)).collect();
    let bucket_policy = |name: &str| {
        s.buckets
            .iter()
            .find(|b| b.name == name)
            .and_then(|b| b.policy.as_deref())
            .map(|t| keyflow_policy::parse(t, PolicyKind::BucketPolicy).policy)
    };
    let mut added = Added::default();
    let mut flows: Vec<FlowSpec> = Vec::new();
    let mut taken = Vec::new();
    let first = |action: &str, resource: &str, rp: Option<&keyflow_policy::Policy>| {
        who.iter()
            .find(|w| w.can(env, action, resource, rp))
            .map(|w| w.name.clone())
    };
    let all = |action: &str, resource: &str, rp: Option<&keyflow_policy::Policy>| -> Vec<String> {
        who.iter()
            .filter(|w| w.can(env, action, resource, rp))
            .map(|w| w.name.clone())
            .collect()
    };

    // CloudTrail with SSE-KMS (sources 001, 002).
    for t in inputs.trails {
        let Some(key) = &t.kms_key else { continue };
        let arn = format!(
            "arn:{partition}:cloudtrail:{region}:{account}:trail/{}",
            t.name
        );
        let admin = added.admin_or(first("cloudtrail:UpdateTrail", &arn, None));
        let prefix = log_prefix(&t.prefix);
        let object = format!(
            "arn:{partition}:s3:::{}/{prefix}AWSLogs/{account}/CloudTrail/{region}/log.json.gz",
            t.bucket
        );
        let policy = bucket_policy(&t.bucket);
        let mut readers = all("s3:GetObject", &object, policy.as_ref());
        if readers.is_empty() {
            added.log_buckets.push(t.bucket.clone());
            readers.push(LOG_READER.to_string());
        }
        flows.push(FlowSpec {
            params: FlowParams::CloudtrailSseKms(cloudtrail::Params {
                trail: t.name.clone(),
                key: key.clone(),
                admin,
                readers,
            }),
            id: flow_id("cloudtrail", &mut taken, &t.name),
        });
    }
    for t in inputs.trails.iter().filter(|t| t.kms_key.is_none()) {
        out.push(finding(&t.origin, Severity::Note, format!(
            "trail {} has no KMS key (SSE-S3): no CloudTrail SSE-KMS flow is added; give the trail a key in the scenario to see what switching would do",
            t.name
        )));
    }

    // ALB access logs (source 000).
    for lb in inputs.lbs {
        let arn = format!(
            "arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/app/{}/{}",
            lb.name, lb.id
        );
        let admin = added.admin_or(first(
            "elasticloadbalancing:ModifyLoadBalancerAttributes",
            &arn,
            None,
        ));
        let prefix = log_prefix(&lb.prefix);
        let object = format!(
            "arn:{partition}:s3:::{}/{prefix}AWSLogs/{account}/elasticloadbalancing/log.gz",
            lb.bucket
        );
        let policy = bucket_policy(&lb.bucket);
        let reader = first("s3:GetObject", &object, policy.as_ref()).unwrap_or_else(|| {
            added.log_buckets.push(lb.bucket.clone());
            LOG_READER.to_string()
        });
        let bucket_key = s
            .buckets
            .iter()
            .find(|b| b.name == lb.bucket)
            .map(|b| &b.default_encryption)
            .filter(|e| e.sse == Sse::Kms)
            .map(|e| e.key.clone().unwrap_or_else(|| "alias/aws/s3".into()));
        let key = bucket_key.unwrap_or_else(|| {
            out.push(finding(&lb.origin, Severity::Note, format!(
                "the access-log bucket {} of {} does not default to SSE-KMS; the ALB flow's last steps switch its default to alias/aws/s3 to show what a KMS default would do",
                lb.bucket, lb.name
            )));
            "alias/aws/s3".into()
        });
        flows.push(FlowSpec {
            params: FlowParams::AlbAccessLogs(alb::Params {
                load_balancer: lb.name.clone(),
                key,
                admin,
                reader,
            }),
            id: flow_id("alb", &mut taken, &lb.name),
        });
    }

    // SSM Parameter Store SecureString (source 004).
    for p in inputs
        .params
        .iter()
        .filter(|p| p.kind == ParameterType::SecureString)
    {
        let arn = format!(
            "arn:{partition}:ssm:{region}:{account}:parameter/{}",
            p.name.trim_start_matches('/')
        );
        let writer = added.admin_or(first("ssm:PutParameter", &arn, None));
        // "ssm:GetParameter*": the two read calls a SecureString is fetched with.
        let mut readers = all("ssm:GetParameters", &arn, None);
        for r in all("ssm:GetParameter", &arn, None) {
            if !readers.contains(&r) {
                readers.push(r);
            }
        }
        readers.sort_by_key(|r| s.principals.iter().position(|p| &p.name == r));
        if readers.is_empty() {
            out.push(finding(&p.origin, Severity::Note, format!(
                "no principal in the input is allowed ssm:GetParameter or ssm:GetParameters on {}: the SSM flow only stores it",
                p.name
            )));
        }
        flows.push(FlowSpec {
            params: FlowParams::SsmSecurestring(ssm::Params {
                parameter: p.name.clone(),
                writer,
                readers,
            }),
            id: flow_id("ssm", &mut taken, &p.name),
        });
    }

    // Encrypting an in-use bucket with SSE-KMS (source 003).
    for b in inputs.buckets {
        let Some(enc) = s
            .buckets
            .iter()
            .find(|x| x.name == b.name)
            .map(|x| &x.default_encryption)
            .filter(|e| e.sse == Sse::Kms)
        else {
            continue;
        };
        let key = enc.key.clone().unwrap_or_else(|| "alias/aws/s3".into());
        let bucket_arn = format!("arn:{partition}:s3:::{}", b.name);
        let policy = bucket_policy(&b.name);
        let admin = added.admin_or(first(
            "s3:PutEncryptionConfiguration",
            &bucket_arn,
            policy.as_ref(),
        ));
        let object = format!("{bucket_arn}/uploads/2022/09/18/new-object.json");
        let app = who
            .iter()
            .find(|w| w.name != admin && w.can(env, "s3:PutObject", &object, policy.as_ref()))
            .map(|w| w.name.clone())
            .unwrap_or_else(|| {
                added.app_buckets.push((b.name.clone(), key.clone()));
                APP.to_string()
            });
        let batch_role = who
            .iter()
            .find(|w| w.trusts("batchoperations.s3.amazonaws.com"))
            .map(|w| w.name.clone())
            .unwrap_or_else(|| {
                added.batch.push((b.name.clone(), key.clone()));
                BATCH_ROLE.to_string()
            });
        flows.push(FlowSpec {
            params: FlowParams::S3EncryptInUse(s3_encrypt::Params {
                bucket: b.name.clone(),
                key,
                bucket_key: enc.bucket_key,
                admin,
                app,
                batch_role,
                inventory_bucket: None,
                inventory_versions: s3_encrypt::InventoryVersions::All,
                puts_per_day: None,
            }),
            id: flow_id("s3", &mut taken, &b.name),
        });
    }

    // The principals Keyflow adds.
    let key_arn = |k: &str| {
        if k.starts_with("alias/") {
            "*".to_string()
        } else {
            format!("arn:{partition}:kms:{region}:{account}:key/{k}")
        }
    };
    let mut lines = Vec::new();
    if added.admin {
        s.principals.push(added_principal(
            ADMIN,
            PrincipalKind::User,
            "AddedByKeyflow-AdministratorAccess",
            doc(&["{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}".to_string()]),
        ));
        lines.push(format!("{ADMIN} (user allowed everything, the admin of flows whose configuration call nobody in the input may make)"));
    }
    if !added.log_buckets.is_empty() {
        let mut res: Vec<String> = added
            .log_buckets
            .iter()
            .map(|b| format!("arn:{partition}:s3:::{b}/*"))
            .collect();
        res.dedup();
        s.principals.push(added_principal(
            LOG_READER,
            PrincipalKind::User,
            "AddedByKeyflow-ReadLogs",
            doc(&[allow(&["s3:GetObject"], &res)]),
        ));
        lines.push(format!("{LOG_READER} (user with s3:GetObject on the log bucket, to show whether the key policy lets an account principal read the logs)"));
    }
    if !added.app_buckets.is_empty() {
        let res: Vec<String> = added
            .app_buckets
            .iter()
            .map(|(b, _)| format!("arn:{partition}:s3:::{b}/*"))
            .collect();
        let app_keys: Vec<String> = added.app_buckets.iter().map(|(_, k)| key_arn(k)).collect();
        s.principals.push(added_principal(
            APP,
            PrincipalKind::User,
            "AddedByKeyflow-App",
            doc(&[
                allow(&["s3:GetObject", "s3:PutObject"], &res),
                allow(&["kms:Decrypt", "kms:GenerateDataKey"], &app_keys),
            ]),
        ));
        lines.push(format!("{APP} (user that reads and writes objects of the bucket being encrypted, with kms:Decrypt and kms:GenerateDataKey on its key)"));
    }
    if !added.batch.is_empty() {
        let objects: Vec<String> = added
            .batch
            .iter()
            .map(|(b, _)| format!("arn:{partition}:s3:::{b}/*"))
            .collect();
        let keys: Vec<String> = added.batch.iter().map(|(_, k)| key_arn(k)).collect();
        let mut role = added_principal(
            BATCH_ROLE,
            PrincipalKind::Role,
            "AddedByKeyflow-BatchCopy",
            doc(&[
                allow(
                    &["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                    &objects,
                ),
                allow(&["kms:Decrypt", "kms:GenerateDataKey"], &keys),
            ]),
        );
        // S3 Batch Operations assumes the role as batchoperations.s3.amazonaws.com
        // ("Granting permissions for Batch Operations", Amazon S3 User Guide,
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-iam-role-policies.html).
        role.trust_policy = Some(doc(&["{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"batchoperations.s3.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}".to_string()]));
        s.principals.push(role);
        lines.push(format!(
            "{BATCH_ROLE} (role S3 Batch Operations assumes to copy objects in place)"
        ));
    }
    s.flows = flows;
    lines
}
