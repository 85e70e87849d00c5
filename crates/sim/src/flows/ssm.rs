//! SSM Parameter Store SecureString parameters encrypted with a KMS key: a
//! writer stores one, readers get it with and without `--with-decryption`.

use keyflow_policy::Context;
use keyflow_policy::base64::{self, Alphabet};

use super::calls::{Via, iam_call, key_state_error, kms_call, step};
use super::{FieldRefMut, FlowDef, FlowRun, RefKind};
use crate::errors;
use crate::report::{ApiError, NoteKind, Step};
use crate::scenario::json::Obj;
use crate::scenario::{Parameter, ParameterType, Scenario, ScenarioError, Tier};
use crate::sources::{self, Source};
use crate::whatif::WhatIf;
use crate::world::{Actor, KeyInfo, World};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Params {
    pub parameter: String,
    pub writer: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub readers: Vec<String>,
}

impl Params {
    pub(crate) fn read(o: &mut Obj<'_>) -> Result<Self, ScenarioError> {
        Ok(Params {
            parameter: o.req_str("parameter")?,
            writer: o.req_str("writer")?,
            readers: o.str_list("readers")?,
        })
    }
}

/// A stable stand-in for the ciphertext blob SSM returns without decryption.
fn ciphertext(seed: &str) -> String {
    // FNV-1a stretched into bytes: deterministic, not cryptographic.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut bytes = vec![0x01, 0x02, 0x02, 0x00, 0x78]; // "AQICAHj…" like real KMS blobs
    for i in 0..96u32 {
        for b in seed.bytes().chain(i.to_le_bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        bytes.push((h >> 24) as u8);
    }
    base64::encode(&bytes, Alphabet::Standard)
}

pub(crate) fn parameter_arn(region: &str, account: &str, name: &str) -> String {
    format!(
        "arn:aws:ssm:{region}:{account}:parameter/{}",
        name.trim_start_matches('/')
    )
}

/// What every step of one run shares.
struct Ctx<'a, 'w> {
    w: &'a World<'w>,
    p: &'w Parameter,
    arn: String,
    key: Option<&'a KeyInfo>,
}

impl Ctx<'_, '_> {
    fn context(&self) -> [(&str, &str); 1] {
        [("PARAMETER_ARN", self.arn.as_str())]
    }

    /// A KMS request SSM makes for `actor`; `None` when it allowed and the key is usable.
    fn kms(&self, s: &mut Step, actor: &Actor, action: &str, key: &KeyInfo) -> Option<ApiError> {
        let check = kms_call(
            self.w,
            actor,
            action,
            key,
            Some(Via::Ssm),
            &self.context(),
            Context::new(),
        );
        if !s.push(check) {
            return Some(if action == "kms:Decrypt" {
                errors::kms_ciphertext_denied("AccessDeniedException")
            } else {
                s.checks
                    .last()
                    .map(|c| errors::access_denied("AccessDeniedException", c))?
            });
        }
        key_state_error(key).map(|(_, msg)| errors::key_state("InvalidKeyId", msg))
    }
}

impl FlowDef for Params {
    fn default_id(&self) -> &'static str {
        "ssm"
    }

    fn title(&self, w: &World<'_>) -> String {
        let managed =
            w.s.parameters
                .iter()
                .find(|p| p.name == self.parameter)
                .and_then(|p| {
                    p.key
                        .as_deref()
                        .and_then(|k| w.key(k))
                        .or(w.key("alias/aws/ssm"))
                })
                .is_some_and(|k| k.scenario_index.is_none());
        if managed {
            "SSM Parameter Store SecureString with the AWS managed key aws/ssm".into()
        } else {
            "SSM Parameter Store SecureString with a customer managed key".into()
        }
    }

    fn sources(&self) -> Vec<Source> {
        vec![
            Source::Post(&sources::POST_SSM),
            Source::Doc(&sources::SSM_KMS),
        ]
    }

    fn refs_mut(&mut self) -> Vec<FieldRefMut<'_>> {
        let mut out = vec![
            FieldRefMut::new("parameter", RefKind::Parameter, &mut self.parameter),
            FieldRefMut::new("writer", RefKind::Principal, &mut self.writer),
        ];
        out.extend(FieldRefMut::each(
            "readers",
            RefKind::Principal,
            &mut self.readers,
        ));
        out
    }

    fn what_ifs(&self, s: &Scenario) -> Vec<WhatIf> {
        let Some((i, p)) = s
            .parameters
            .iter()
            .enumerate()
            .find(|(_, p)| p.name == self.parameter)
        else {
            return Vec::new();
        };
        let (label, tier) = match p.tier {
            Tier::Standard => ("Standard → Advanced", Tier::Advanced),
            Tier::Advanced => ("Advanced → Standard", Tier::Standard),
        };
        vec![WhatIf {
            label: format!("Parameter {}: tier {label}", p.name),
            edits: vec![crate::edit::Edit::ParameterTier { parameter: i, tier }],
        }]
    }

    fn run(&self, w: &World<'_>, flow: &mut FlowRun) {
        let (Some(p), Some(writer)) = (
            w.s.parameters.iter().find(|x| x.name == self.parameter),
            w.actor(&self.writer),
        ) else {
            return;
        };
        let key = match p.kind {
            ParameterType::SecureString => w.key(p.key.as_deref().unwrap_or("alias/aws/ssm")),
            _ => None,
        };
        let c = Ctx {
            w,
            p,
            arn: parameter_arn(&w.s.region, &w.s.account, &p.name),
            key,
        };
        let stored = put_parameter(&c, &writer);
        let ok = stored.is_ok();
        flow.push(stored);
        if !ok {
            return;
        }
        for name in &self.readers {
            let Some(actor) = w.actor(name) else { continue };
            flow.push(get_with_decryption(&c, name, &actor));
            if p.kind == ParameterType::SecureString {
                flow.push(get_without_decryption(&c, name, &actor));
            }
        }
    }
}

/// `aws ssm put-parameter`: IAM, then KMS through SSM for SecureString values.
fn put_parameter(c: &Ctx<'_, '_>, writer: &Actor) -> Step {
    let p = c.p;
    let mut s = step(
        "put-parameter",
        format!(
            "{} stores {} ({}, {} tier{})",
            writer.name,
            p.name,
            p.kind,
            p.tier,
            c.key
                .map(|k| format!(", key {}", k.label()))
                .unwrap_or_default()
        ),
        &writer.name,
        "ssm:PutParameter",
    );
    s.sets_state = true;
    if !s.push(iam_call(
        c.w,
        writer,
        "ssm:PutParameter",
        &c.arn,
        Context::new(),
    )) {
        s.deny("AccessDeniedException");
    } else if let Some(k) = c.key {
        // Standard values are encrypted directly; advanced ones by envelope encryption.
        let action = match p.tier {
            Tier::Standard => "kms:Encrypt",
            Tier::Advanced => "kms:GenerateDataKey",
        };
        match c.kms(&mut s, writer, action, k) {
            Some(e) => s.fail(e),
            None => {
                s.result = format!(
                    "Version 1 stored; value encrypted under {} with context PARAMETER_ARN={}",
                    k.arn, c.arn
                );
            }
        }
    } else {
        s.result = "Version 1 stored (plain text)".into();
    }
    let note = match p.tier {
        Tier::Standard => {
            "Standard tier: SSM calls kms:Encrypt for the caller, with encryption context PARAMETER_ARN."
        }
        Tier::Advanced => {
            "Advanced tier: SSM uses envelope encryption and calls kms:GenerateDataKey for the caller."
        }
    };
    s.note(NoteKind::Note, note, Source::Doc(&sources::SSM_KMS));
    s
}

/// `aws ssm get-parameters --with-decryption`: IAM, then kms:Decrypt through SSM.
fn get_with_decryption(c: &Ctx<'_, '_>, name: &str, actor: &Actor) -> Step {
    let p = c.p;
    let mut r = step(
        format!("get-parameters-with-decryption:{name}"),
        format!(
            "{name}: aws ssm get-parameters --names {} --with-decryption",
            p.name
        ),
        name,
        "ssm:GetParameters",
    );
    if !r.push(iam_call(
        c.w,
        actor,
        "ssm:GetParameters",
        &c.arn,
        Context::new(),
    )) {
        r.deny("AccessDeniedException");
    } else if let Some(k) = c.key {
        match c.kms(&mut r, actor, "kms:Decrypt", k) {
            Some(e) => r.fail(e),
            None => r.result = format!("\"Value\": \"{}\"", p.value),
        }
    } else {
        r.result = format!("\"Value\": \"{}\"", p.value);
    }
    if c.key.is_some() {
        r.note(
            NoteKind::Note,
            format!(
                "SSM calls kms:Decrypt for the caller (kms:ViaService=ssm.{}.amazonaws.com, context PARAMETER_ARN). The key policy must allow it, directly (key user) or by delegating to IAM (root statement) plus an IAM allow.",
                c.w.s.region
            ),
            Source::Doc(&sources::SSM_KMS),
        );
    }
    r
}

/// `aws ssm get-parameters --no-with-decryption`: the ciphertext, no KMS call.
fn get_without_decryption(c: &Ctx<'_, '_>, name: &str, actor: &Actor) -> Step {
    let mut n = step(
        format!("get-parameters-no-decryption:{name}"),
        format!(
            "{name}: aws ssm get-parameters --names {} --no-with-decryption",
            c.p.name
        ),
        name,
        "ssm:GetParameters",
    );
    if !n.push(iam_call(
        c.w,
        actor,
        "ssm:GetParameters",
        &c.arn,
        Context::new(),
    )) {
        n.deny("AccessDeniedException");
    } else {
        n.result = format!("\"Value\": \"{}\" (ciphertext, base64)", ciphertext(&c.arn));
    }
    n.note(
        NoteKind::Note,
        "Without decryption SSM returns the ciphertext blob and makes no KMS call: no key permission is needed.",
        Source::Post(&sources::POST_SSM),
    );
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ciphertext_looks_like_a_kms_blob() {
        let c = ciphertext("arn:aws:ssm:ap-northeast-1:111122223333:parameter/prd-db-pass");
        assert!(c.starts_with("AQICAH"), "{c}");
        assert_eq!(
            c,
            ciphertext("arn:aws:ssm:ap-northeast-1:111122223333:parameter/prd-db-pass")
        );
    }

    #[test]
    fn hierarchical_names_keep_their_path() {
        assert_eq!(
            parameter_arn(
                "us-east-1",
                "111122223333",
                "/ReadableParameters/MyParameter"
            ),
            "arn:aws:ssm:us-east-1:111122223333:parameter/ReadableParameters/MyParameter"
        );
    }
}
