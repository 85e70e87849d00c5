//! SSM Parameter Store SecureString parameters encrypted with a KMS key: a
//! writer stores one, readers get it with and without `--with-decryption`.

use keyflow_policy::Context;
use keyflow_policy::base64::{self, Alphabet};

use super::calls::{Via, iam_call, key_state_error, kms_call, step};
use super::{FieldRefMut, FlowDef, FlowRun, RefKind};
use crate::errors;
use crate::report::{NoteKind, Step};
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

    /// A KMS request SSM makes for `actor`: `true` when KMS allowed it and the
    /// key is usable; otherwise the step ends with the error the caller sees.
    fn kms(&self, s: &mut Step, actor: &Actor, action: &str, key: &KeyInfo) -> bool {
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
            s.deny("AccessDeniedException");
            return false;
        }
        match key_state_error(key) {
            Some((_, msg)) => {
                s.fail(errors::key_state("InvalidKeyId", msg));
                false
            }
            None => true,
        }
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
        if c.kms(&mut s, writer, action, k) {
            s.result = format!(
                "Version 1 stored; value encrypted under {} with context PARAMETER_ARN={}",
                k.arn, c.arn
            );
        }
    } else {
        s.result = "Version 1 stored (plain text)".into();
    }
    let note = match p.tier {
        Tier::Standard => {
            "Standard parameters are encrypted directly under the KMS key: the caller needs kms:Encrypt, which Parameter Store requests with the encryption context PARAMETER_ARN."
        }
        Tier::Advanced => {
            "Advanced parameters use envelope encryption with the AWS Encryption SDK: the caller needs kms:GenerateDataKey, requested with the encryption context PARAMETER_ARN."
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
        if c.kms(&mut r, actor, "kms:Decrypt", k) {
            r.result = format!("\"Value\": \"{}\"", p.value);
        }
    } else {
        r.result = format!("\"Value\": \"{}\"", p.value);
    }
    if c.key.is_some() {
        r.note(
            NoteKind::Note,
            "With --with-decryption, Parameter Store calls kms:Decrypt on the caller's behalf (context PARAMETER_ARN); the caller needs kms:Decrypt on the key.",
            Source::Doc(&sources::SSM_KMS),
        );
        r.note(
            NoteKind::Note,
            format!(
                "The request reaches KMS with kms:ViaService=ssm.{}.amazonaws.com. The key policy must allow the caller, directly or by delegating to the account (then an IAM policy must allow it too).",
                c.w.s.region
            ),
            Source::Doc(&sources::KMS_CONDITION_KEYS),
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
        "Without decryption Parameter Store returns the encrypted value; the write-up got it without any permission on the key, so no KMS call is made for the caller.",
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
