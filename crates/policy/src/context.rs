//! The request being authorized and its condition-key context.

use serde::{Deserialize, Serialize};

/// A context value: one string, or a list for multivalued keys (e.g. `aws:TagKeys`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ContextValue {
    Single(String),
    Multi(Vec<String>),
}

impl ContextValue {
    /// The values as a slice (one element for a single value).
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::Single(s) => std::slice::from_ref(s),
            ContextValue::Multi(v) => v,
        }
    }

    pub fn is_multi(&self) -> bool {
        matches!(self, ContextValue::Multi(_))
    }
}

impl From<&str> for ContextValue {
    fn from(s: &str) -> Self {
        ContextValue::Single(s.to_owned())
    }
}

impl From<String> for ContextValue {
    fn from(s: String) -> Self {
        ContextValue::Single(s)
    }
}

impl From<Vec<String>> for ContextValue {
    fn from(v: Vec<String>) -> Self {
        ContextValue::Multi(v)
    }
}

impl From<Vec<&str>> for ContextValue {
    fn from(v: Vec<&str>) -> Self {
        ContextValue::Multi(v.into_iter().map(str::to_owned).collect())
    }
}

/// Request context keys. Key names are case-insensitive (`aws:CurrentTime` =
/// `AWS:currenttime`); values are kept as given. A key that was never inserted is
/// absent: nothing is derived from the principal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "std::collections::BTreeMap<String, ContextValue>")]
#[serde(into = "std::collections::BTreeMap<String, ContextValue>")]
pub struct Context {
    // A short vector beats a map for the handful of keys a request carries.
    entries: Vec<(String, ContextValue)>,
}

impl Context {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (replacing any value under the same case-insensitive name).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<ContextValue>) {
        let key = key.into();
        let value = value.into();
        if let Some(slot) = self
            .entries
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(&key))
        {
            *slot = (key, value);
        } else {
            self.entries.push((key, value));
        }
    }

    /// Builder form of [`Context::insert`].
    pub fn with(mut self, key: impl Into<String>, value: impl Into<ContextValue>) -> Self {
        self.insert(key, value);
        self
    }

    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    pub fn remove(&mut self, key: &str) -> Option<ContextValue> {
        let i = self
            .entries
            .iter()
            .position(|(k, _)| k.eq_ignore_ascii_case(key))?;
        Some(self.entries.remove(i).1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl From<std::collections::BTreeMap<String, ContextValue>> for Context {
    fn from(map: std::collections::BTreeMap<String, ContextValue>) -> Self {
        let mut c = Context::new();
        for (k, v) in map {
            c.insert(k, v);
        }
        c
    }
}

impl From<Context> for std::collections::BTreeMap<String, ContextValue> {
    fn from(c: Context) -> Self {
        c.entries.into_iter().collect()
    }
}

/// One authorization request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// IAM user/role ARN (a role ARN stands for a session of that role), an
    /// `assumed-role` or `federated-user` session ARN, `arn:aws:iam::ACCOUNT:root`,
    /// or a service principal such as `cloudtrail.amazonaws.com`.
    pub principal: String,
    /// `service:Action`.
    pub action: String,
    /// Resource ARN, or `*` for actions without a resource.
    pub resource: String,
    /// Account owning the resource; defaults to the ARN's account field.
    #[serde(default)]
    pub resource_account: Option<String>,
    #[serde(default)]
    pub context: Context,
}

impl Request {
    pub fn new(
        principal: impl Into<String>,
        action: impl Into<String>,
        resource: impl Into<String>,
    ) -> Self {
        Request {
            principal: principal.into(),
            action: action.into(),
            resource: resource.into(),
            resource_account: None,
            context: Context::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_values_are_not() {
        let mut c = Context::new();
        c.insert("aws:CurrentTime", "X");
        assert_eq!(
            c.get("AWS:currenttime"),
            Some(&ContextValue::Single("X".into()))
        );
        c.insert("AWS:CURRENTTIME", "y");
        assert_eq!(c.len(), 1);
        assert_eq!(
            c.get("aws:currenttime").unwrap().values(),
            ["y".to_string()]
        );
        assert!(c.get("aws:username").is_none());
        c.insert("aws:TagKeys", vec!["a", "b"]);
        assert!(c.get("aws:tagkeys").unwrap().is_multi());
        assert!(c.remove("AWS:TAGKEYS").is_some());
    }
}
