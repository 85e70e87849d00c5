//! A small reader over `serde_json::Value` that knows where it is, so every
//! error in a scenario names its JSON path (`buckets[0].default_encryption.key`).

use serde_json::{Map, Value};

use crate::scenario::ScenarioError;

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    pub path: String,
    allowed: Vec<&'static str>,
}

impl<'a> Obj<'a> {
    pub fn new(value: &'a Value, path: &str) -> Result<Self, ScenarioError> {
        match value {
            Value::Object(map) => Ok(Self {
                map,
                path: path.to_string(),
                allowed: Vec::new(),
            }),
            other => Err(ScenarioError::new(
                path,
                format!("expected an object, found {}", kind_of(other)),
            )),
        }
    }

    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.allowed.push(key);
        // An explicit null means "not given", like a missing field.
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(|v| !v.is_null())
    }

    pub fn opt_str(&mut self, key: &'static str) -> Result<Option<String>, ScenarioError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(ScenarioError::new(
                &self.at(key),
                format!("expected a string, found {}", kind_of(other)),
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
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(ScenarioError::new(
                &self.at(key),
                format!("expected true or false, found {}", kind_of(other)),
            )),
        }
    }

    pub fn bool_or(&mut self, key: &'static str, default: bool) -> Result<bool, ScenarioError> {
        Ok(self.opt_bool(key)?.unwrap_or(default))
    }

    pub fn opt_u64(&mut self, key: &'static str) -> Result<Option<u64>, ScenarioError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
            Some(other) => Err(ScenarioError::new(
                &self.at(key),
                format!("expected a whole number, found {}", kind_of(other)),
            )),
        }
    }

    /// A string that must be one of `choices`; returns its index.
    pub fn choice(
        &mut self,
        key: &'static str,
        choices: &[&str],
        default: usize,
    ) -> Result<usize, ScenarioError> {
        match self.opt_str(key)? {
            None => Ok(default),
            Some(s) => choices.iter().position(|c| *c == s).ok_or_else(|| {
                ScenarioError::new(
                    &self.at(key),
                    format!(
                        "unknown value \"{s}\" (expected one of: {})",
                        choices.join(", ")
                    ),
                )
            }),
        }
    }

    pub fn opt_obj(&mut self, key: &'static str) -> Result<Option<Obj<'a>>, ScenarioError> {
        let path = self.at(key);
        match self.get(key) {
            None => Ok(None),
            Some(v) => Obj::new(v, &path).map(Some),
        }
    }

    /// Elements of an array field with their paths; a missing field is empty.
    pub fn array(&mut self, key: &'static str) -> Result<Vec<(String, &'a Value)>, ScenarioError> {
        let path = self.at(key);
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{path}[{i}]"), v))
                .collect()),
            Some(other) => Err(ScenarioError::new(
                &path,
                format!("expected an array, found {}", kind_of(other)),
            )),
        }
    }

    pub fn str_list(&mut self, key: &'static str) -> Result<Vec<String>, ScenarioError> {
        self.array(key)?
            .into_iter()
            .map(|(path, v)| match v {
                Value::String(s) => Ok(s.clone()),
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
        let Value::Object(map) = value else {
            return Err(ScenarioError::new(
                &path,
                format!("expected an object, found {}", kind_of(value)),
            ));
        };
        let mut out = Vec::new();
        for (k, v) in map {
            let at = join(&path, k);
            let values = match v {
                Value::String(s) => vec![s.clone()],
                Value::Bool(b) => vec![b.to_string()],
                Value::Number(n) => vec![n.to_string()],
                Value::Array(items) => items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => Ok(s.clone()),
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
            out.push((k.clone(), values));
        }
        Ok(out)
    }

    /// Rejects fields this reader did not ask for: a typo must not silently lose data.
    pub fn finish(self) -> Result<(), ScenarioError> {
        for key in self.map.keys() {
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
