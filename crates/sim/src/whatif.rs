//! What-ifs: changes worth trying on a copy of a scenario to see which steps
//! flip. Each flow offers its own; the scenario-wide ones are here.

use crate::edit::{Edit, apply};
use crate::flows::RefKind;
use crate::scenario::{KeyState, Scenario, Sse};

/// A change the compare view can try on a copy of the scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct WhatIf {
    pub label: String,
    pub edits: Vec<Edit>,
}

impl WhatIf {
    /// The scenario with this change applied.
    pub fn apply_to(&self, s: &Scenario) -> Scenario {
        let mut copy = s.clone();
        for e in &self.edits {
            apply(&mut copy, e.clone());
        }
        copy
    }
}

/// The changes worth comparing for this scenario: each flow's own first, then
/// bucket encryption and key states.
pub fn what_ifs(s: &Scenario) -> Vec<WhatIf> {
    let mut out: Vec<WhatIf> = s.flows.iter().flat_map(|f| f.params.what_ifs(s)).collect();
    // The key a flow works with is the telling one to switch a bucket to.
    let flow_key = s.flows.iter().find_map(|f| {
        f.params
            .refs()
            .into_iter()
            .find(|r| r.kind == RefKind::Key)
            .map(|r| r.name)
    });
    for (i, b) in s.buckets.iter().enumerate() {
        let enc = &b.default_encryption;
        match enc.sse {
            Sse::Kms => out.push(WhatIf {
                label: format!("Bucket {}: default encryption SSE-KMS → SSE-S3", b.name),
                edits: vec![Edit::BucketSse {
                    bucket: i,
                    sse: Sse::S3,
                }],
            }),
            _ => {
                let key = flow_key.clone().or_else(|| enc.key.clone());
                out.push(WhatIf {
                    label: format!(
                        "Bucket {}: default encryption {} → SSE-KMS ({})",
                        b.name,
                        enc.sse,
                        key.as_deref().unwrap_or("aws/s3")
                    ),
                    edits: vec![
                        Edit::BucketSse {
                            bucket: i,
                            sse: Sse::Kms,
                        },
                        Edit::BucketKmsKey { bucket: i, key },
                    ],
                });
            }
        }
        out.push(WhatIf {
            label: format!(
                "Bucket {}: Bucket Key {}",
                b.name,
                if enc.bucket_key {
                    "on → off"
                } else {
                    "off → on"
                }
            ),
            edits: vec![Edit::BucketKeyEnabled {
                bucket: i,
                on: !enc.bucket_key,
            }],
        });
    }
    for (i, k) in s.keys.iter().enumerate() {
        let (label, state) = match k.state {
            KeyState::Enabled => ("Enabled → Disabled", KeyState::Disabled),
            _ => ("→ Enabled", KeyState::Enabled),
        };
        out.push(WhatIf {
            label: format!("Key {}: {label}", k.aliases.first().unwrap_or(&k.id)),
            edits: vec![Edit::KeyState { key: i, state }],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_what_if_changes_its_scenario() {
        for b in crate::builtins() {
            let s = b.scenario().unwrap();
            let all = what_ifs(&s);
            assert!(!all.is_empty(), "{}", b.name);
            for w in all {
                assert_ne!(w.apply_to(&s), s, "{}: {}", b.name, w.label);
            }
        }
    }

    #[test]
    fn the_alb_behaviour_switch_comes_first() {
        let s = crate::builtin("alb-logs-cmk").unwrap().scenario().unwrap();
        assert!(what_ifs(&s)[0].label.starts_with("ALB log delivery"));
    }
}
