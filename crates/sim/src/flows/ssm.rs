//! SSM Parameter Store SecureString with a customer managed key (source 004).

use super::*;
use crate::report::FlowReport;
use crate::scenario::{FlowSpec, ParameterType, Tier};

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
    base64_std(&bytes)
}

fn base64_std(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(crate) fn parameter_arn(region: &str, account: &str, name: &str) -> String {
    format!(
        "arn:aws:ssm:{region}:{account}:parameter/{}",
        name.trim_start_matches('/')
    )
}

pub(super) fn run(w: &World<'_>, spec: &FlowSpec) -> FlowReport {
    let mut flow = new_flow(
        "SSM Parameter Store SecureString with a customer managed key",
        &["004"],
    );
    let FlowSpec::SsmSecurestring {
        parameter,
        writer,
        readers,
        ..
    } = spec
    else {
        return flow;
    };
    let (Some(p), Some(writer)) = (
        w.s.parameters.iter().find(|x| &x.name == parameter),
        w.actor(writer),
    ) else {
        return flow;
    };
    let arn = parameter_arn(&w.s.region, &w.s.account, &p.name);
    let secure = p.kind == ParameterType::SecureString;
    let key = if secure {
        w.key(p.key.as_deref().unwrap_or("alias/aws/ssm"))
    } else {
        None
    };
    let ec = [("PARAMETER_ARN", arn.as_str())];

    // put-parameter
    let mut s = step(
        "put-parameter",
        format!(
            "{} stores {} ({:?}, {:?} tier{})",
            writer.name,
            p.name,
            p.kind,
            p.tier,
            key.map(|k| format!(", key {}", k.label()))
                .unwrap_or_default()
        ),
        &writer.name,
        "ssm:PutParameter",
    );
    if !s.push(iam_call(w, &writer, "ssm:PutParameter", &arn, Ctx::new())) {
        let msg = s.checks.last().map(not_authorized).unwrap_or_default();
        s.fail("AccessDeniedException", msg);
    } else if let Some(k) = key {
        // Standard values are encrypted directly; advanced ones by envelope (Encryption SDK).
        let action = if p.tier == Tier::Standard {
            "kms:Encrypt"
        } else {
            "kms:GenerateDataKey"
        };
        if !s.push(kms_call(
            w,
            &writer,
            action,
            k,
            Some("ssm"),
            &ec,
            Ctx::new(),
        )) {
            let msg = s.checks.last().map(not_authorized).unwrap_or_default();
            s.fail("AccessDeniedException", msg);
        } else if let Some((_, msg)) = key_state_error(k) {
            s.fail("InvalidKeyId", msg);
        } else {
            s.result = format!(
                "Version 1 stored; value encrypted under {} with context PARAMETER_ARN={arn}",
                k.arn
            );
        }
    } else {
        s.result = "Version 1 stored (plain text)".into();
    }
    s.note = if p.tier == Tier::Standard {
        "Standard tier: SSM calls kms:Encrypt for the caller, with encryption context PARAMETER_ARN.".into()
    } else {
        "Advanced tier: SSM uses envelope encryption and calls kms:GenerateDataKey for the caller."
            .into()
    };
    let stored = s.is_ok();
    flow.steps.push(s);
    if !stored {
        return flow;
    }

    for name in readers {
        let Some(actor) = w.actor(name) else { continue };
        // --with-decryption
        let mut r = step(
            format!("get-parameters-with-decryption:{name}"),
            format!(
                "{name}: aws ssm get-parameters --names {} --with-decryption",
                p.name
            ),
            name,
            "ssm:GetParameters",
        );
        if !r.push(iam_call(w, &actor, "ssm:GetParameters", &arn, Ctx::new())) {
            let msg = r.checks.last().map(not_authorized).unwrap_or_default();
            r.fail("AccessDeniedException", msg);
        } else if let Some(k) = key {
            if !r.push(kms_call(
                w,
                &actor,
                "kms:Decrypt",
                k,
                Some("ssm"),
                &ec,
                Ctx::new(),
            )) {
                r.fail("AccessDeniedException", E29);
            } else if let Some((_, msg)) = key_state_error(k) {
                r.fail("InvalidKeyId", msg);
            } else {
                r.result = format!("\"Value\": \"{}\"", p.value);
            }
        } else {
            r.result = format!("\"Value\": \"{}\"", p.value);
        }
        if key.is_some() {
            r.note = "SSM calls kms:Decrypt for the caller (kms:ViaService=ssm.REGION.amazonaws.com, context PARAMETER_ARN). The key policy must allow it, directly (key user) or by delegating to IAM (root statement) plus an IAM allow.".replace("REGION", &w.s.region);
        }
        flow.steps.push(r);

        if !secure {
            continue;
        }
        // --no-with-decryption
        let mut n = step(
            format!("get-parameters-no-decryption:{name}"),
            format!(
                "{name}: aws ssm get-parameters --names {} --no-with-decryption",
                p.name
            ),
            name,
            "ssm:GetParameters",
        );
        if !n.push(iam_call(w, &actor, "ssm:GetParameters", &arn, Ctx::new())) {
            let msg = n.checks.last().map(not_authorized).unwrap_or_default();
            n.fail("AccessDeniedException", msg);
        } else {
            n.result = format!("\"Value\": \"{}\" (ciphertext, base64)", ciphertext(&arn));
        }
        n.note = "Without decryption SSM returns the ciphertext blob and makes no KMS call: no key permission is needed.".into();
        flow.steps.push(n);
    }
    flow
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
