//! Reading a scenario: every problem is reported with its JSON path.

use keyflow_json::Value;

use super::json::Obj;
use super::*;
use crate::flows::{FlowKind, FlowParams};

impl Scenario {
    /// Reads a scenario; every problem is reported with its JSON path.
    pub fn from_json(text: &str) -> Result<Self, ScenarioError> {
        let value = keyflow_json::parse(text).map_err(|e| {
            let at = keyflow_policy::LineIndex::new(text).position(e.span.start);
            ScenarioError::new(
                "",
                format!(
                    "not valid JSON: {} at line {}, column {}",
                    e.kind, at.line, at.column
                ),
            )
        })?;
        let scenario = read_scenario(&value)?;
        super::validate::check(&scenario)?;
        Ok(scenario)
    }

    /// Reads a scenario without the cross-reference checks of [`Scenario::validate`]:
    /// for text this program wrote itself (a saved draft keeps work the checks
    /// would refuse, such as a flow naming a principal just removed).
    pub fn from_json_unchecked(text: &str) -> Result<Self, ScenarioError> {
        let value = keyflow_json::parse(text)
            .map_err(|e| ScenarioError::new("", format!("not valid JSON: {}", e.kind)))?;
        read_scenario(&value)
    }
}

/// Each element of an array field, read with `read`.
fn list<'a, T>(
    o: &mut Obj<'a>,
    key: &'static str,
    read: impl Fn(&'a Value<'a>, &str) -> Result<T, ScenarioError>,
) -> Result<Vec<T>, ScenarioError> {
    o.array(key)?
        .into_iter()
        .map(|(path, v)| read(v, &path))
        .collect()
}

fn read_scenario(value: &Value) -> Result<Scenario, ScenarioError> {
    let mut o = Obj::new(value, "")?;
    let scenario = Scenario {
        name: o.str_or("name", "")?,
        title: o.str_or("title", "")?,
        description: o.str_or("description", "")?,
        account: o.req_str("account")?,
        region: o.req_str("region")?,
        settings: match o.opt_obj("settings")? {
            Some(s) => read_settings(s)?,
            None => Settings::default(),
        },
        principals: list(&mut o, "principals", read_principal)?,
        keys: list(&mut o, "keys", read_key)?,
        buckets: list(&mut o, "buckets", read_bucket)?,
        load_balancers: list(&mut o, "load_balancers", read_lb)?,
        trails: list(&mut o, "trails", read_trail)?,
        parameters: list(&mut o, "parameters", read_parameter)?,
        scps: list(&mut o, "scps", read_named_policy)?,
        flows: list(&mut o, "flows", read_flow)?,
        expectations: list(&mut o, "expectations", read_expectation)?,
    };
    o.finish()?;
    Ok(scenario)
}

fn read_settings(mut o: Obj<'_>) -> Result<Settings, ScenarioError> {
    let s = Settings {
        alb_delivery: o.named_or("alb_delivery", Behaviour::default())?,
        elb_log_writer: o.named_or("elb_log_writer", ElbLogWriter::default())?,
        digest_encryption: o.named_or("digest_encryption", DigestEncryption::default())?,
        batch_copy_bucket_key: o.named_or("batch_copy_bucket_key", Behaviour::default())?,
    };
    o.finish()?;
    Ok(s)
}

fn read_named_policy(v: &Value, path: &str) -> Result<NamedPolicy, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let p = NamedPolicy {
        name: o.req_str("name")?,
        document: o.str_or("document", "")?,
    };
    o.finish()?;
    Ok(p)
}

fn read_principal(v: &Value, path: &str) -> Result<Principal, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let p = Principal {
        name: o.req_str("name")?,
        kind: o.named_or("type", PrincipalKind::default())?,
        account: o.opt_str("account")?,
        role: o.opt_str("role")?,
        session: o.opt_str("session")?,
        service: o.opt_str("service")?,
        policies: list(&mut o, "policies", read_named_policy)?,
        permission_boundary: o.opt_str("permission_boundary")?,
        trust_policy: o.opt_str("trust_policy")?,
    };
    o.finish()?;
    Ok(p)
}

fn read_grant(v: &Value, path: &str) -> Result<Grant, ScenarioError> {
    let mut g = Obj::new(v, path)?;
    let grant = Grant {
        grantee: g.req_str("grantee")?,
        operations: g.str_list("operations")?,
        encryption_context_subset: g
            .str_map("encryption_context_subset")?
            .into_iter()
            .map(|(k, v)| (k, v.join(",")))
            .collect(),
    };
    g.finish()?;
    Ok(grant)
}

fn read_key(v: &Value, path: &str) -> Result<Key, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let key = Key {
        id: o.req_str("id")?,
        account: o.opt_str("account")?,
        description: o.str_or("description", "")?,
        aliases: o.str_list("aliases")?,
        policy: o.req_str("policy")?,
        state: o.named_or("state", KeyState::default())?,
        grants: list(&mut o, "grants", read_grant)?,
    };
    o.finish()?;
    Ok(key)
}

fn read_encryption(o: &mut Obj<'_>, key_field: &'static str) -> Result<Encryption, ScenarioError> {
    let sse = o.named_or("sse", Sse::default())?;
    let key = o.opt_str(key_field)?;
    let bucket_key = o.bool_or("bucket_key", false)?;
    if sse != Sse::Kms && key.is_some() {
        return Err(ScenarioError::new(
            &o.at(key_field),
            "a key is only used with \"sse\": \"SSE-KMS\"",
        ));
    }
    if sse != Sse::Kms && bucket_key {
        return Err(ScenarioError::new(
            &o.at("bucket_key"),
            "S3 Bucket Keys only apply to SSE-KMS",
        ));
    }
    Ok(Encryption {
        sse,
        key,
        bucket_key,
    })
}

fn read_object(v: &Value, path: &str) -> Result<S3Object, ScenarioError> {
    let mut obj = Obj::new(v, path)?;
    let key = obj.req_str("key")?;
    let e = read_encryption(&mut obj, "kms_key")?;
    obj.finish()?;
    Ok(S3Object {
        key,
        sse: e.sse,
        kms_key: e.key,
        bucket_key: e.bucket_key,
    })
}

fn read_bucket(v: &Value, path: &str) -> Result<Bucket, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let b = Bucket {
        name: o.req_str("name")?,
        account: o.opt_str("account")?,
        policy: o.opt_str("policy")?,
        object_ownership: o.named_or("object_ownership", ObjectOwnership::default())?,
        default_encryption: match o.opt_obj("default_encryption")? {
            Some(mut e) => {
                let enc = read_encryption(&mut e, "key")?;
                e.finish()?;
                enc
            }
            None => Encryption::default(),
        },
        versioning: o.bool_or("versioning", false)?,
        objects: list(&mut o, "objects", read_object)?,
    };
    o.finish()?;
    Ok(b)
}

fn read_lb(v: &Value, path: &str) -> Result<LoadBalancer, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let name = o.req_str("name")?;
    let id = o.str_or("id", "50dc6c495c0c9188")?;
    let Some(mut logs) = o.opt_obj("access_logs")? else {
        return Err(ScenarioError::new(
            &o.at("access_logs"),
            "missing required field",
        ));
    };
    let access_logs = AccessLogs {
        bucket: logs.req_str("bucket")?,
        prefix: logs.str_or("prefix", "")?,
    };
    // ALB guide, bucket requirements: "The prefix that you specify must not include AWSLogs."
    if access_logs.prefix.contains("AWSLogs") {
        return Err(ScenarioError::new(
            &logs.at("prefix"),
            "the prefix must not contain \"AWSLogs\"",
        ));
    }
    logs.finish()?;
    o.finish()?;
    Ok(LoadBalancer {
        name,
        id,
        access_logs,
    })
}

fn read_trail(v: &Value, path: &str) -> Result<Trail, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let t = Trail {
        name: o.req_str("name")?,
        bucket: o.req_str("bucket")?,
        prefix: o.str_or("prefix", "")?,
        kms_key: o.opt_str("kms_key")?,
        log_file_validation: o.bool_or("log_file_validation", false)?,
    };
    o.finish()?;
    Ok(t)
}

fn read_parameter(v: &Value, path: &str) -> Result<Parameter, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let p = Parameter {
        name: o.req_str("name")?,
        kind: o.named_or("type", ParameterType::default())?,
        key: o.opt_str("key")?,
        tier: o.named_or("tier", Tier::default())?,
        value: o.str_or("value", "")?,
    };
    if p.kind != ParameterType::SecureString && p.key.is_some() {
        return Err(ScenarioError::new(
            &o.at("key"),
            "only SecureString parameters use a KMS key",
        ));
    }
    o.finish()?;
    Ok(p)
}

fn read_flow(v: &Value, path: &str) -> Result<FlowSpec, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let Some(kind) = o.named::<FlowKind>("flow")? else {
        return Err(ScenarioError::new(
            &o.at("flow"),
            format!(
                "missing required field (one of: {})",
                <FlowKind as crate::names::Named>::NAMES.join(", ")
            ),
        ));
    };
    let id = o.opt_str("id")?;
    let params = FlowParams::read(kind, &mut o)?;
    o.finish()?;
    Ok(FlowSpec { params, id })
}

fn read_expectation(v: &Value, path: &str) -> Result<Expectation, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let Some(kind) = o.named::<ExpectationKind>("expect")? else {
        return Err(ScenarioError::new(
            &o.at("expect"),
            "missing required field (one of: step, matrix, request)",
        ));
    };
    let e = match kind {
        ExpectationKind::Step => Expectation::Step {
            flow: o.req_str("flow")?,
            step: o.req_str("step")?,
            outcome: o.named_or("outcome", ExpectedOutcome::Ok)?,
            code: o.opt_str("code")?,
            because: o.str_or("because", "")?,
            source: o.str_or("source", "")?,
        },
        ExpectationKind::Matrix => {
            let e = Expectation::Matrix {
                flow: o.req_str("flow")?,
                principal: o.req_str("principal")?,
                read: o.opt_bool("read")?,
                deliver: o.opt_bool("deliver")?,
                because: o.str_or("because", "")?,
                source: o.str_or("source", "")?,
            };
            if let Expectation::Matrix {
                read: None,
                deliver: None,
                ..
            } = e
            {
                return Err(ScenarioError::new(
                    &o.at("read"),
                    "a matrix expectation needs \"read\" or \"deliver\"",
                ));
            }
            e
        }
        ExpectationKind::Request => Expectation::Request {
            principal: o.req_str("principal")?,
            action: o.req_str("action")?,
            resource: o.req_str("resource")?,
            context: o.str_map("context")?.into_iter().collect(),
            decision: o.named_or("decision", ExpectedDecision::Allowed)?,
            because: o.str_or("because", "")?,
            source: o.str_or("source", "")?,
        },
    };
    o.finish()?;
    Ok(e)
}
