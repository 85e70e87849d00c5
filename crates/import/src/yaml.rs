//! YAML documents into [`Node`]s, keeping positions and CloudFormation's
//! short-form tags.
//!
//! CloudFormation's YAML short forms (`!Ref X`, `!GetAtt A.B`, `!Sub …`) are turned
//! into their full-form mappings (`{"Ref": "X"}`, `{"Fn::GetAtt": ["A", "B"]}`,
//! `{"Fn::Sub": …}`), the same shape a JSON template uses, per "Intrinsic function
//! reference" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html):
//! "the short form … `!Ref`" and "`!GetAtt logicalNameOfResource.attributeName`".
//!
//! Plain scalars follow the YAML 1.2 core schema (null, booleans, numbers); a
//! number that JSON cannot write (`0x1F`, `.5`) stays a string.

use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use crate::node::{Entry, Node, NodeKind, is_json_number};

/// Deepest nesting accepted: deeper input would cost stack in later passes.
const MAX_DEPTH: usize = 128;
/// Most nodes one document may expand to (aliases can multiply them).
const MAX_NODES: usize = 500_000;

/// A document that is not YAML (or is too large to expand), with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct YamlError {
    pub offset: u32,
    pub message: String,
}

struct Offsets {
    /// Byte offset of every char index; empty when the text is ASCII.
    table: Vec<u32>,
    len: u32,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
                .collect()
        };
        Offsets { table, len }
    }

    fn byte(&self, char_index: usize) -> u32 {
        if self.table.is_empty() {
            u32::try_from(char_index).unwrap_or(u32::MAX).min(self.len)
        } else {
            self.table.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

enum Frame {
    Seq {
        at: u32,
        anchor: usize,
        tag: Option<Tag>,
        items: Vec<Node>,
    },
    Map {
        at: u32,
        anchor: usize,
        tag: Option<Tag>,
        entries: Vec<Entry>,
        key: Option<(String, u32)>,
    },
}

/// The CloudFormation function a short-form tag stands for (`!Ref` → `Ref`).
fn short_form(tag: &Tag) -> Option<String> {
    if tag.handle != "!" {
        return None;
    }
    let name = tag.suffix.as_str();
    Some(match name {
        "Ref" | "Condition" => name.to_string(),
        _ => format!("Fn::{name}"),
    })
}

fn is_core(tag: &Tag, suffix: &str) -> bool {
    tag.handle == "tag:yaml.org,2002:" && tag.suffix == suffix
}

fn plain_scalar(v: &str, at: u32) -> Node {
    let kind = match v {
        "" | "~" | "null" | "Null" | "NULL" => NodeKind::Null,
        "true" | "True" | "TRUE" => NodeKind::Bool(true),
        "false" | "False" | "FALSE" => NodeKind::Bool(false),
        _ if is_json_number(v) => NodeKind::Num(v.to_string()),
        _ => NodeKind::Str(v.to_string()),
    };
    Node::new(kind, at)
}

/// Wraps a tagged node: short forms become `{"Fn::X": node}`.
fn apply_tag(tag: Option<&Tag>, node: Node) -> Node {
    let Some(tag) = tag else { return node };
    let Some(function) = short_form(tag) else {
        return node;
    };
    let at = node.at;
    // `!GetAtt A.B` is the scalar form of `Fn::GetAtt: [A, B]`.
    let value = match (&node.kind, function.as_str()) {
        (NodeKind::Str(s), "Fn::GetAtt") => match s.split_once('.') {
            Some((res, attr)) => Node::new(
                NodeKind::Seq(vec![Node::str(res, at), Node::str(attr, at)]),
                at,
            ),
            None => node,
        },
        _ => node,
    };
    Node::new(
        NodeKind::Map(vec![Entry {
            key: function,
            key_at: at,
            value,
        }]),
        at,
    )
}

/// Parses the first YAML document of `text`.
pub(crate) fn parse(text: &str) -> Result<Node, YamlError> {
    let offsets = Offsets::new(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: BTreeMap<usize, Node> = BTreeMap::new();
    let mut count = 0usize;
    let mut root: Option<Node> = None;
    let parser = Parser::new_from_str(text).keep_tags(true);
    for item in parser {
        let (event, span) = item.map_err(|e| YamlError {
            offset: offsets.byte(e.marker().index()),
            message: e.info().to_string(),
        })?;
        let at = offsets.byte(span.start.index());
        let too_many = |count: usize| -> Result<(), YamlError> {
            if count > MAX_NODES {
                Err(YamlError {
                    offset: at,
                    message: format!("more than {MAX_NODES} values (alias expansion)"),
                })
            } else {
                Ok(())
            }
        };
        let complete = match event {
            Event::StreamStart | Event::Nothing | Event::DocumentStart(_) => None,
            Event::DocumentEnd | Event::StreamEnd => {
                if root.is_some() || stack.is_empty() {
                    break;
                }
                None
            }
            Event::Alias(id) => {
                let node = anchors.get(&id).cloned().ok_or_else(|| YamlError {
                    offset: at,
                    message: "alias to an unknown anchor".into(),
                })?;
                count += node_count(&node);
                too_many(count)?;
                Some((node, 0usize))
            }
            Event::Scalar(value, style, anchor, tag) => {
                count += 1;
                too_many(count)?;
                let tag = tag.map(|t| t.into_owned());
                let node = match (&tag, style) {
                    (Some(t), _) if is_core(t, "str") => Node::str(value.as_ref(), at),
                    (_, ScalarStyle::Plain) => plain_scalar(&value, at),
                    _ => Node::str(value.as_ref(), at),
                };
                Some((apply_tag(tag.as_ref(), node), anchor))
            }
            Event::SequenceStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError {
                        offset: at,
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                    });
                }
                stack.push(Frame::Seq {
                    at,
                    anchor,
                    tag: tag.map(|t| t.into_owned()),
                    items: Vec::new(),
                });
                None
            }
            Event::MappingStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError {
                        offset: at,
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                    });
                }
                stack.push(Frame::Map {
                    at,
                    anchor,
                    tag: tag.map(|t| t.into_owned()),
                    entries: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq {
                    at,
                    anchor,
                    tag,
                    items,
                }) => {
                    count += 1;
                    too_many(count)?;
                    Some((
                        apply_tag(tag.as_ref(), Node::new(NodeKind::Seq(items), at)),
                        anchor,
                    ))
                }
                Some(Frame::Map {
                    at,
                    anchor,
                    tag,
                    entries,
                    ..
                }) => {
                    count += 1;
                    too_many(count)?;
                    Some((
                        apply_tag(tag.as_ref(), Node::new(NodeKind::Map(entries), at)),
                        anchor,
                    ))
                }
                None => None,
            },
        };
        let Some((node, anchor)) = complete else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => {
                    let text = match &node.kind {
                        NodeKind::Null => String::new(),
                        _ => node.scalar_text().ok_or_else(|| YamlError {
                            offset: node.at,
                            message: format!(
                                "a mapping key must be a plain value, found {}",
                                node.type_name()
                            ),
                        })?,
                    };
                    *key = Some((text, node.at));
                }
                Some((k, key_at)) => entries.push(Entry {
                    key: k,
                    key_at,
                    value: node,
                }),
            },
        }
    }
    root.ok_or(YamlError {
        offset: 0,
        message: "the document is empty".into(),
    })
}

fn node_count(n: &Node) -> usize {
    match &n.kind {
        NodeKind::Seq(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        NodeKind::Map(entries) => 1 + entries.iter().map(|e| node_count(&e.value)).sum::<usize>(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::to_json;

    #[test]
    fn short_forms_become_full_forms() {
        let n = parse("A: !Ref B\nC: !GetAtt Key.Arn\nD: !Sub 'arn:${AWS::Partition}:s3:::x'\nE: !Join ['', [a, !Ref B]]\n").unwrap();
        let json = to_json(&n, None);
        assert!(
            json.contains("\"A\": {\n        \"Ref\": \"B\"\n    }"),
            "{json}"
        );
        assert!(
            json.contains(
                "\"Fn::GetAtt\": [\n            \"Key\",\n            \"Arn\"\n        ]"
            ),
            "{json}"
        );
        assert!(
            json.contains("\"Fn::Sub\": \"arn:${AWS::Partition}:s3:::x\""),
            "{json}"
        );
        assert!(json.contains("\"Fn::Join\": ["), "{json}");
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let n =
            parse("a: 2012-10-17\nb: 12\nc: 'true'\nd: true\ne: ~\nf: 0x1F\ng: \"3\"\n").unwrap();
        assert_eq!(n.get("a").unwrap().as_str(), Some("2012-10-17"));
        assert_eq!(n.get("b").unwrap().kind, NodeKind::Num("12".into()));
        assert_eq!(n.get("c").unwrap().as_str(), Some("true"));
        assert_eq!(n.get("d").unwrap().kind, NodeKind::Bool(true));
        assert_eq!(n.get("e").unwrap().kind, NodeKind::Null);
        assert_eq!(n.get("f").unwrap().as_str(), Some("0x1F"));
        assert_eq!(n.get("g").unwrap().as_str(), Some("3"));
    }

    #[test]
    fn positions_are_byte_offsets_even_after_non_ascii_text() {
        let text = "# ça\nKey: value\n";
        let n = parse(text).unwrap();
        let v = n.get("Key").unwrap();
        assert_eq!(&text[v.at as usize..v.at as usize + 5], "value");
    }

    #[test]
    fn errors_carry_their_offset() {
        let text = "Parameters:\n    A:\n      Type: String\n  Resources:\n    B: 1\n";
        let e = parse(text).unwrap_err();
        let p = crate::position(text, e.offset as usize);
        assert_eq!(p.line, 4, "{e:?}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut t = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            t.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&t).unwrap_err();
        assert!(e.message.contains("alias expansion"), "{e:?}");
    }
}
