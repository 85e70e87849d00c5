//! Key references as KMS resolves them in the home account and Region.

use keyflow_policy::Arn;

use super::Scenario;
use crate::ids::ManagedService;
use crate::names::Named;

/// Which key a reference names: a scenario key (by index) or an AWS managed key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRef {
    Customer(usize),
    Managed(ManagedService),
}

impl Scenario {
    /// Resolves a key ID, key ARN, alias name or alias ARN as KMS would in the
    /// home account and Region.
    pub fn resolve_key(&self, reference: &str) -> Option<KeyRef> {
        if reference.starts_with("arn:") {
            let arn = Arn::parse(reference)?;
            if arn.service != "kms" || arn.region != self.region {
                return None;
            }
            let found = self.resolve_local(arn.resource)?;
            let owner = match found {
                KeyRef::Customer(i) => self
                    .keys
                    .get(i)?
                    .account
                    .as_deref()
                    .unwrap_or(&self.account),
                KeyRef::Managed(_) => &self.account,
            };
            return (owner == arn.account).then_some(found);
        }
        self.resolve_local(reference)
    }

    fn resolve_local(&self, r: &str) -> Option<KeyRef> {
        if let Some(id) = r.strip_prefix("key/") {
            return self
                .keys
                .iter()
                .position(|k| k.id == id)
                .map(KeyRef::Customer);
        }
        if r.starts_with("alias/") {
            if let Some(service) = r
                .strip_prefix("alias/aws/")
                .and_then(ManagedService::from_name)
            {
                return Some(KeyRef::Managed(service));
            }
            return self
                .keys
                .iter()
                .position(|k| k.aliases.iter().any(|a| a == r))
                .map(KeyRef::Customer);
        }
        self.keys
            .iter()
            .position(|k| k.id == r)
            .map(KeyRef::Customer)
    }
}
