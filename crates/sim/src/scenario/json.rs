//! A small reader over `keyflow_json::Value` that knows where it is, so every
//! error in a scenario names its JSON path (`buckets[0].default_encryption.key`).
//! It uses the policy engine's JSON parser rather than serde_json's, so the
//! browser bundle carries one JSON parser, not two.

use keyflow_json::{Kind, Member, Value};

use crate::names::Named;
use crate::scenario::ScenarioError;

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn kind_of(kind: &Kind) -> &'static str {
    match kind {
        Kind::Null => "null",
        Kind::Bool(_) => "a boolean",
        Kind::Number(_) => "a number",
        Kind::String(_) => "a string",
        Kind::Array(_) => "an array",
        Kind::Object(_) => "an object",
    }
}

pub(crate) struct Obj<'a> {
    members: &'a [Member<'a>],
    pub path: String,
    allowed: Vec<&'static str>,
}

impl<'a> Obj<'a> {
    pub fn new(value: &'a Value<'a>, path: &str) -> Result<Self, ScenarioError> {
        let Kind::Object(members) = &value.kind else {
            return Err(ScenarioError::new(
                path,
                format!("expected an object, found {}", kind_of(&value.kind)),
            ));
        };
        // A repeated field would silently lose one of its values.
        for (i, m) in members.iter().enumerate() {
            if members.iter().take(i).any(|earlier| earlier.key == m.key) {
                return Err(ScenarioError::new(&join(path, &m.key), "duplicate field"));
            }
        }
        Ok(Self {
            members,
            path: path.to_string(),
            allowed: Vec::new(),
        })
    }

    fn lookup(&self, key: &str) -> Option<&'a Value<'a>> {
        self.members
            .iter()
            .find(|m| m.key == key)
            .map(|m| &m.value)
            // An explicit null means "not given", like a missing field.
            .filter(|v| !matches!(v.kind, Kind::Null))
    }

    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    fn get(&mut self, key: &'static str) -> Option<&'a Value<'a>> {
        self.allowed.push(key);
        self.lookup(key)
    }

    pub fn opt_str(&mut self, key: &'static str) -> Result<Option<String>, ScenarioError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value {
                kind: Kind::String(s),
                ..
            }) => Ok(Some(s.to_string())),
            Some(other) => Err(ScenarioError::new(
                &self.at(key),
                format!("expected a string, found {}", kind_of(&other.kind)),
            )),
        }
    }

    pub fn str_or(&mut self, key: &'static str, default: &str) -> Result<String, ScenarioError> {
        Ok(self.opt_str(key)?.unwrap_or_else(|| default.to_string()))
    }

    pub fn req_str(&mut self, key: &'static str) -> Result<String, ScenarioError> {
        match self.opt_str(key)? {
            Some(s) if !s.is_empty() => Ok(s),
            Some(_) => Err(ScenarioError::new(&self.at(key), "must not be empty")),
            None => Err(ScenarioError::new(&self.at(key), "missing required field")),
        }
    }

    pub fn opt_bool(&mut self, key: &'static str) -> Result<Option<bool>, ScenarioError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value {
                kind: Kind::Bool(b),
                ..
            }) => Ok(Some(*b)),
            Some(other) => Err(ScenarioError::new(
                &self.at(key),
                format!("expected true or false, found {}", kind_of(&other.kind)),
            )),
        }
    }

    pub fn bool_or(&mut self, key: &'static str, default: bool) -> Result<bool, ScenarioError> {
        Ok(self.opt_bool(key)?.unwrap_or(default))
    }

    pub fn opt_u64(&mut self, key: &'static str) -> Result<Option<u64>, ScenarioError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value {
                kind: Kind::Number(n),
                ..
            }) if n.parse::<u64>().is_ok() => Ok(n.parse().ok()),
            Some(other) => Err(ScenarioError::new(
                &self.at(key),
                format!("expected a whole number, found {}", kind_of(&other.kind)),
            )),
        }
    }

    /// A string that must spell a value of `T`.
    pub fn named<T: Named>(&mut self, key: &'static str) -> Result<Option<T>, ScenarioError> {
        match self.opt_str(key)? {
            None => Ok(None),
            Some(s) => T::from_name(&s).map(Some).ok_or_else(|| {
                ScenarioError::new(
                    &self.at(key),
                    crate::names::UnknownName::new::<T>(&s).to_string(),
                )
            }),
        }
    }

    /// [`Obj::named`] with a default for a missing field.
    pub fn named_or<T: Named>(
        &mut self,
        key: &'static str,
        default: T,
    ) -> Result<T, ScenarioError> {
        Ok(self.named(key)?.unwrap_or(default))
    }

    pub fn opt_obj(&mut self, key: &'static str) -> Result<Option<Obj<'a>>, ScenarioError> {
        let path = self.at(key);
        match self.get(key) {
            None => Ok(None),
            Some(v) => Obj::new(v, &path).map(Some),
        }
    }

    /// Elements of an array field with their paths; a missing field is empty.
    pub fn array(
        &mut self,
        key: &'static str,
    ) -> Result<Vec<(String, &'a Value<'a>)>, ScenarioError> {
        let path = self.at(key);
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value {
                kind: Kind::Array(items),
                ..
            }) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{path}[{i}]"), v))
                .collect()),
            Some(other) => Err(ScenarioError::new(
                &path,
                format!("expected an array, found {}", kind_of(&other.kind)),
            )),
        }
    }

    pub fn str_list(&mut self, key: &'static str) -> Result<Vec<String>, ScenarioError> {
        self.array(key)?
            .into_iter()
            .map(|(path, v)| match &v.kind {
                Kind::String(s) => Ok(s.to_string()),
                other => Err(ScenarioError::new(
                    &path,
                    format!("expected a string, found {}", kind_of(other)),
                )),
            })
            .collect()
    }

    /// `{ "key": "value" | ["v1", "v2"] }`
    pub fn str_map(
        &mut self,
        key: &'static str,
    ) -> Result<Vec<(String, Vec<String>)>, ScenarioError> {
        let path = self.at(key);
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        let map = Obj::new(value, &path)?;
        let mut out = Vec::new();
        for m in map.members {
            let (k, v) = (&m.key, &m.value);
            let at = join(&path, k);
            let values = match &v.kind {
                Kind::String(s) => vec![s.to_string()],
                Kind::Bool(b) => vec![b.to_string()],
                Kind::Number(n) => vec![n.to_string()],
                Kind::Array(items) => items
                    .iter()
                    .map(|i| match &i.kind {
                        Kind::String(s) => Ok(s.to_string()),
                        other => Err(ScenarioError::new(
                            &at,
                            format!("expected strings, found {}", kind_of(other)),
                        )),
                    })
                    .collect::<Result<_, _>>()?,
                other => {
                    return Err(ScenarioError::new(
                        &at,
                        format!("expected a string or a list, found {}", kind_of(other)),
                    ));
                }
            };
            out.push((k.to_string(), values));
        }
        Ok(out)
    }

    /// Rejects fields this reader did not ask for: a typo must not silently lose data.
    pub fn finish(self) -> Result<(), ScenarioError> {
        for key in self.members.iter().map(|m| &m.key) {
            if !self.allowed.iter().any(|a| a == key) {
                let mut expected = self.allowed.clone();
                expected.sort_unstable();
                expected.dedup();
                return Err(ScenarioError::new(
                    &self.at(key),
                    format!("unknown field (expected one of: {})", expected.join(", ")),
                ));
            }
        }
        Ok(())
    }
}
