//! The compact canonical JSON of share links: defaults dropped, policies
//! minified when a link can lay them out again byte for byte.

use super::Scenario;
use super::ScenarioError;

impl Scenario {
    fn policy_texts_mut(&mut self) -> Vec<&mut String> {
        let mut out: Vec<&mut String> = Vec::new();
        for p in &mut self.principals {
            out.extend(p.policies.iter_mut().map(|pol| &mut pol.document));
            out.extend(p.permission_boundary.as_mut());
            out.extend(p.trust_policy.as_mut());
        }
        out.extend(self.keys.iter_mut().map(|k| &mut k.policy));
        out.extend(self.buckets.iter_mut().filter_map(|b| b.policy.as_mut()));
        out.extend(self.scps.iter_mut().map(|s| &mut s.document));
        out
    }

    /// The compact canonical JSON used by share links: defaults dropped, no
    /// whitespace. A policy laid out exactly as [`crate::jsontext::pretty`] would
    /// lay it out is stored minified (the decoder lays it out again); any other
    /// text is stored verbatim, so a link restores every policy to the byte.
    /// One-line verbatim texts get a leading space to tell them from minified ones.
    pub fn to_canonical_json(&self) -> String {
        let mut copy = self.clone();
        for text in copy.policy_texts_mut() {
            let min = crate::jsontext::minify(text);
            let canonical = min.as_deref().and_then(crate::jsontext::pretty);
            if let (Some(min), Some(pretty)) = (min, canonical)
                && pretty == *text
            {
                *text = min;
            } else if !text.contains('\n') {
                text.insert(0, ' ');
            }
        }
        // Serialising plain data to a string cannot fail; fall back to empty to stay panic-free.
        serde_json::to_string(&copy).unwrap_or_default()
    }

    /// Reads canonical JSON: minified policies are laid out again (4-space
    /// indent), verbatim ones are restored as they were written.
    pub fn from_canonical_json(text: &str) -> Result<Self, ScenarioError> {
        let mut scenario = Self::from_json(text)?;
        for t in scenario.policy_texts_mut() {
            if t.contains('\n') {
                continue;
            }
            if let Some(verbatim) = t.strip_prefix(' ') {
                *t = verbatim.to_string();
            } else if let Some(pretty) = crate::jsontext::pretty(t) {
                *t = pretty;
            }
        }
        Ok(scenario)
    }

    /// The scenario as indented JSON (the file format).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
