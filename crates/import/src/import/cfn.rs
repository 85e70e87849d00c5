//! CloudFormation and CDK-synthesized templates (JSON or YAML).
//!
//! Intrinsic functions are resolved to what CloudFormation would produce, using
//! what `Ref` and `Fn::GetAtt` return for each resource type as the CloudFormation
//! Template Reference documents it (the "Return values" section of each page under
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/):
//!
//! | type | `Ref` | `Fn::GetAtt` |
//! |---|---|---|
//! | AWS::KMS::Key | key ID | `Arn`, `KeyId` |
//! | AWS::KMS::Alias | alias name (`alias/exampleAlias`) | |
//! | AWS::S3::Bucket | bucket name | `Arn` (`arn:aws:s3:::NAME`), `DomainName`, `RegionalDomainName`, `DualStackDomainName`, `WebsiteURL` |
//! | AWS::IAM::Role | role name | `Arn`, `RoleId` |
//! | AWS::IAM::User | user name | `Arn` |
//! | AWS::IAM::Group | group name | `Arn` |
//! | AWS::IAM::ManagedPolicy | policy ARN | `PolicyArn` |
//! | AWS::IAM::Policy | resource name | |
//! | AWS::CloudTrail::Trail | trail name | `Arn` (`arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME`) |
//! | AWS::ElasticLoadBalancingV2::LoadBalancer | load balancer ARN | `LoadBalancerName`, `LoadBalancerFullName` (`app/NAME/ID`) |
//! | AWS::SSM::Parameter | parameter name | `Type`, `Value` |
//!
//! A resource without a name property gets a name CloudFormation generates ("By
//! default, AWS CloudFormation generates a unique physical ID to name a resource",
//! Name type, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html);
//! Keyflow uses `STACK-LogicalId` and says so. What cannot be known from the
//! template (`Fn::ImportValue`, parameters without a default, `Fn::If` on such
//! parameters, IDs AWS assigns) becomes a visible placeholder with a finding.

use std::collections::{HashMap, HashSet};

use keyflow_sim::{Encryption, Named, ObjectOwnership, ParameterType, PrincipalKind, Sse, Tier};

use super::FileCtx;
use super::model::*;
use super::util::{self, Env};
use crate::node::{Entry, Node, NodeKind};

const MAX_DEPTH: usize = 96;

struct Resource<'a> {
    id: String,
    ty: String,
    props: Option<&'a Node>,
    /// Where the logical ID is written (findings point there).
    key_at: u32,
    condition: Option<String>,
}

struct Template<'a> {
    env: Env,
    stack: String,
    params: HashMap<String, &'a Node>,
    mappings: Option<&'a Node>,
    conditions: Option<&'a Node>,
    resources: Vec<Resource<'a>>,
    names: HashMap<String, Option<String>>,
    conds: HashMap<String, Option<Option<bool>>>,
    reported: HashSet<String>,
}

fn seq_of(n: &Node) -> Vec<&Node> {
    match &n.kind {
        NodeKind::Seq(items) => items.iter().collect(),
        _ => vec![n],
    }
}

fn text_of(n: &Node) -> Option<String> {
    n.scalar_text()
}

impl<'a> Template<'a> {
    fn resource(&self, id: &str) -> Option<&Resource<'a>> {
        self.resources.iter().find(|r| r.id == id)
    }

    fn once(&mut self, key: String) -> bool {
        self.reported.insert(key)
    }

    fn unresolved(&mut self, ctx: &mut FileCtx<'_>, at: u32, what: &str, why: &str) -> Node {
        let ph = util::placeholder(what);
        ctx.warn(at, format!("{why}: left as the placeholder {ph}"));
        Node::str(ph, at)
    }

    // ------------------------------------------------------------ names and IDs

    /// The physical name (or ID) of a resource, as `Ref` of a name-like resource returns.
    fn name_of(&mut self, ctx: &mut FileCtx<'_>, id: &str, at: u32) -> String {
        if let Some(done) = self.names.get(id) {
            return match done {
                Some(n) => n.clone(),
                None => util::placeholder(&format!("cycle {id}")),
            };
        }
        self.names.insert(id.to_string(), None);
        let (ty, props, node_at) = match self.resource(id) {
            Some(r) => (r.ty.clone(), r.props, r.key_at),
            None => (String::new(), None, at),
        };
        let prop = match ty.as_str() {
            "AWS::KMS::Alias" => Some("AliasName"),
            "AWS::S3::Bucket" => Some("BucketName"),
            "AWS::IAM::Role" => Some("RoleName"),
            "AWS::IAM::User" => Some("UserName"),
            "AWS::IAM::Group" => Some("GroupName"),
            "AWS::IAM::ManagedPolicy" => Some("ManagedPolicyName"),
            "AWS::IAM::Policy" => Some("PolicyName"),
            "AWS::CloudTrail::Trail" => Some("TrailName"),
            "AWS::ElasticLoadBalancingV2::LoadBalancer" => Some("Name"),
            "AWS::SSM::Parameter" => Some("Name"),
            _ => None,
        };
        let given = prop
            .and_then(|p| props.and_then(|n| n.get(p)))
            .and_then(|n| self.resolve(ctx, n, 0))
            .and_then(|n| text_of(&n));
        let name = match (ty.as_str(), given) {
            ("AWS::KMS::Key", _) => {
                let kid = util::stand_in_uuid(&format!("{}/{id}", self.stack));
                ctx.note(node_at, format!("key {id}: KMS assigns the key ID at creation; Keyflow uses the stand-in ID {kid}"));
                kid
            }
            (_, Some(n)) => n,
            _ => {
                let mut n = format!("{}-{id}", self.stack);
                if ty == "AWS::S3::Bucket" {
                    n = n.to_ascii_lowercase();
                }
                if !ty.is_empty() {
                    ctx.note(node_at, format!(
                        "{id} has no {}: CloudFormation generates a unique name (stack name, logical ID and a random suffix); Keyflow uses {n}",
                        prop.unwrap_or("name")
                    ));
                }
                n
            }
        };
        self.names.insert(id.to_string(), Some(name.clone()));
        name
    }

    fn path_of(&mut self, ctx: &mut FileCtx<'_>, props: Option<&Node>) -> String {
        props
            .and_then(|p| p.get("Path"))
            .and_then(|n| self.resolve(ctx, n, 0))
            .and_then(|n| text_of(&n))
            .unwrap_or_else(|| "/".into())
    }

    fn ref_value(&mut self, ctx: &mut FileCtx<'_>, id: &str, at: u32) -> Node {
        let Some(r) = self.resource(id) else {
            return self.unresolved(
                ctx,
                at,
                &format!("Ref {id}"),
                &format!(
                    "Ref to {id}, which is neither a parameter nor a resource of this template"
                ),
            );
        };
        let ty = r.ty.clone();
        let props = r.props;
        let e = self.env.clone();
        let p = e.partition();
        let v = match ty.as_str() {
            "AWS::KMS::Key"
            | "AWS::KMS::Alias"
            | "AWS::S3::Bucket"
            | "AWS::IAM::Role"
            | "AWS::IAM::User"
            | "AWS::IAM::Group"
            | "AWS::IAM::Policy"
            | "AWS::CloudTrail::Trail"
            | "AWS::SSM::Parameter" => self.name_of(ctx, id, at),
            "AWS::IAM::ManagedPolicy" => {
                let name = self.name_of(ctx, id, at);
                let path = self.path_of(ctx, props);
                format!("arn:{p}:iam::{}:policy{path}{name}", e.account)
            }
            "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
                let name = self.name_of(ctx, id, at);
                format!(
                    "arn:{p}:elasticloadbalancing:{}:{}:loadbalancer/app/{name}/{}",
                    e.region,
                    e.account,
                    util::stand_in_hex16(&format!("{}/{id}", self.stack))
                )
            }
            _ => {
                return self.unresolved(
                    ctx,
                    at,
                    &format!("Ref {id}"),
                    &format!("Ref of a {ty} is not modelled by Keyflow"),
                );
            }
        };
        Node::str(v, at)
    }

    fn get_att(&mut self, ctx: &mut FileCtx<'_>, id: &str, attr: &str, at: u32) -> Node {
        let Some(r) = self.resource(id) else {
            return self.unresolved(
                ctx,
                at,
                &format!("GetAtt {id}.{attr}"),
                &format!("Fn::GetAtt of {id}, which is not a resource of this template"),
            );
        };
        let ty = r.ty.clone();
        let props = r.props;
        let e = self.env.clone();
        let p = e.partition();
        let (acct, region) = (e.account.as_str(), e.region.as_str());
        let v = match (ty.as_str(), attr) {
            ("AWS::KMS::Key", "Arn") => {
                let kid = self.name_of(ctx, id, at);
                format!("arn:{p}:kms:{region}:{acct}:key/{kid}")
            }
            ("AWS::KMS::Key", "KeyId") => self.name_of(ctx, id, at),
            ("AWS::S3::Bucket", "Arn") => format!("arn:{p}:s3:::{}", self.name_of(ctx, id, at)),
            ("AWS::S3::Bucket", "DomainName") => {
                format!("{}.s3.{}", self.name_of(ctx, id, at), e.url_suffix())
            }
            ("AWS::S3::Bucket", "RegionalDomainName") => {
                format!(
                    "{}.s3.{region}.{}",
                    self.name_of(ctx, id, at),
                    e.url_suffix()
                )
            }
            ("AWS::S3::Bucket", "DualStackDomainName") => {
                format!(
                    "{}.s3.dualstack.{region}.{}",
                    self.name_of(ctx, id, at),
                    e.url_suffix()
                )
            }
            ("AWS::S3::Bucket", "WebsiteURL") => {
                format!(
                    "http://{}.s3-website.{region}.{}",
                    self.name_of(ctx, id, at),
                    e.url_suffix()
                )
            }
            ("AWS::IAM::Role", "Arn") => {
                let name = self.name_of(ctx, id, at);
                let path = self.path_of(ctx, props);
                format!("arn:{p}:iam::{acct}:role{path}{name}")
            }
            ("AWS::IAM::User", "Arn") => {
                let name = self.name_of(ctx, id, at);
                let path = self.path_of(ctx, props);
                format!("arn:{p}:iam::{acct}:user{path}{name}")
            }
            ("AWS::IAM::Group", "Arn") => {
                let name = self.name_of(ctx, id, at);
                let path = self.path_of(ctx, props);
                format!("arn:{p}:iam::{acct}:group{path}{name}")
            }
            ("AWS::IAM::ManagedPolicy", "PolicyArn") => {
                return self.ref_value(ctx, id, at);
            }
            ("AWS::CloudTrail::Trail", "Arn") => {
                format!(
                    "arn:{p}:cloudtrail:{region}:{acct}:trail/{}",
                    self.name_of(ctx, id, at)
                )
            }
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerName") => {
                self.name_of(ctx, id, at)
            }
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerFullName") => format!(
                "app/{}/{}",
                self.name_of(ctx, id, at),
                util::stand_in_hex16(&format!("{}/{id}", self.stack))
            ),
            ("AWS::SSM::Parameter", "Type") => {
                let t = props
                    .and_then(|n| n.get("Type"))
                    .and_then(|n| self.resolve(ctx, n, 0));
                return t.unwrap_or_else(|| Node::str("String", at));
            }
            ("AWS::SSM::Parameter", "Value") => {
                let t = props
                    .and_then(|n| n.get("Value"))
                    .and_then(|n| self.resolve(ctx, n, 0));
                return t.unwrap_or_else(|| Node::str("", at));
            }
            _ => {
                return self.unresolved(
                    ctx,
                    at,
                    &format!("GetAtt {id}.{attr}"),
                    &format!(
                        "Fn::GetAtt {id}.{attr} of a {ty} is known only after the stack is created"
                    ),
                );
            }
        };
        Node::str(v, at)
    }

    fn ref_target(&mut self, ctx: &mut FileCtx<'_>, name: &str, at: u32) -> Option<Node> {
        let e = self.env.clone();
        let v = match name {
            "AWS::AccountId" => e.account.clone(),
            "AWS::Region" => e.region.clone(),
            "AWS::Partition" => e.partition().to_string(),
            "AWS::URLSuffix" => e.url_suffix().to_string(),
            "AWS::StackName" => self.stack.clone(),
            "AWS::StackId" => format!(
                "arn:{}:cloudformation:{}:{}:stack/{}/{}",
                e.partition(),
                e.region,
                e.account,
                self.stack,
                util::stand_in_uuid(&self.stack)
            ),
            "AWS::NotificationARNs" => return Some(Node::new(NodeKind::Seq(Vec::new()), at)),
            "AWS::NoValue" => return None,
            _ => {
                if let Some(decl) = self.params.get(name).copied() {
                    return Some(self.parameter(ctx, name, decl, at));
                }
                return Some(self.ref_value(ctx, name, at));
            }
        };
        Some(Node::str(v, at))
    }

    fn parameter(&mut self, ctx: &mut FileCtx<'_>, name: &str, decl: &Node, at: u32) -> Node {
        let ty = decl.get_str("Type").unwrap_or("String").to_string();
        if ty.starts_with("AWS::SSM::Parameter::Value") {
            return self.unresolved(
                ctx,
                at,
                &format!("Parameter {name}"),
                &format!("parameter {name} is read from Parameter Store at deploy time"),
            );
        }
        let Some(default) = decl.get("Default").and_then(text_of) else {
            return self.unresolved(
                ctx,
                at,
                &format!("Parameter {name}"),
                &format!("parameter {name} has no Default and its value is given at deploy time"),
            );
        };
        if self.once(format!("param {name}")) {
            ctx.note(
                decl.at,
                format!("parameter {name} resolved to its Default \"{default}\""),
            );
        }
        if ty == "CommaDelimitedList" || ty.starts_with("List<") {
            let items = default
                .split(',')
                .map(|s| Node::str(s.trim(), at))
                .collect();
            return Node::new(NodeKind::Seq(items), at);
        }
        Node::str(default, at)
    }

    // ------------------------------------------------------------ conditions

    fn condition(&mut self, ctx: &mut FileCtx<'_>, name: &str, at: u32) -> Option<bool> {
        match self.conds.get(name) {
            Some(Some(v)) => return *v,
            Some(None) => return None,
            None => {}
        }
        self.conds.insert(name.to_string(), None);
        let node = self.conditions.and_then(|c| c.get(name));
        let v = match node {
            Some(n) => self.cond_value(ctx, n, 0),
            None => {
                ctx.warn(
                    at,
                    format!("condition {name} is not declared under Conditions"),
                );
                None
            }
        };
        self.conds.insert(name.to_string(), Some(v));
        v
    }

    fn cond_value(&mut self, ctx: &mut FileCtx<'_>, n: &Node, depth: usize) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let NodeKind::Bool(b) = n.kind {
            return Some(b);
        }
        let [e] = n.as_map()? else { return None };
        let args = seq_of(&e.value);
        match e.key.as_str() {
            "Condition" => {
                let name = text_of(&e.value)?;
                self.condition(ctx, &name, n.at)
            }
            "Fn::Equals" => {
                let (a, b) = (args.first()?, args.get(1)?);
                let a = self.resolve(ctx, a, depth + 1)?;
                let b = self.resolve(ctx, b, depth + 1)?;
                let (ta, tb) = (
                    crate::node::to_json(&a, None),
                    crate::node::to_json(&b, None),
                );
                if util::is_placeholder(&ta) || util::is_placeholder(&tb) {
                    return None;
                }
                Some(ta.trim_matches('"') == tb.trim_matches('"'))
            }
            "Fn::Not" => self.cond_value(ctx, args.first()?, depth + 1).map(|v| !v),
            "Fn::And" | "Fn::Or" => {
                let and = e.key == "Fn::And";
                let mut unknown = false;
                for a in args {
                    match self.cond_value(ctx, a, depth + 1) {
                        Some(v) if v != and => return Some(v),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                if unknown { None } else { Some(and) }
            }
            _ => None,
        }
    }

    // ------------------------------------------------------------ resolution

    /// The value CloudFormation would pass for `n`; `None` for `AWS::NoValue`.
    fn resolve(&mut self, ctx: &mut FileCtx<'_>, n: &Node, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return Some(self.unresolved(ctx, n.at, "too deep", "nesting too deep to resolve"));
        }
        match &n.kind {
            NodeKind::Map(entries) => {
                if let [e] = entries.as_slice()
                    && (e.key == "Ref" || e.key == "Condition" || e.key.starts_with("Fn::"))
                {
                    return self.intrinsic(ctx, &e.key, &e.value, n.at, depth);
                }
                let mut out = Vec::with_capacity(entries.len());
                for e in entries {
                    if let Some(v) = self.resolve(ctx, &e.value, depth + 1) {
                        out.push(Entry {
                            key: e.key.clone(),
                            key_at: e.key_at,
                            value: v,
                        });
                    }
                }
                Some(Node::new(NodeKind::Map(out), n.at))
            }
            NodeKind::Seq(items) => {
                let out = items
                    .iter()
                    .filter_map(|i| self.resolve(ctx, i, depth + 1))
                    .collect();
                Some(Node::new(NodeKind::Seq(out), n.at))
            }
            _ => Some(n.clone()),
        }
    }

    fn resolved_text(&mut self, ctx: &mut FileCtx<'_>, n: &Node, depth: usize) -> Option<String> {
        self.resolve(ctx, n, depth + 1).and_then(|v| text_of(&v))
    }

    fn intrinsic(
        &mut self,
        ctx: &mut FileCtx<'_>,
        f: &str,
        arg: &Node,
        at: u32,
        depth: usize,
    ) -> Option<Node> {
        let args = seq_of(arg);
        let bad = |t: &mut Self, ctx: &mut FileCtx<'_>, expected: &str| {
            Some(t.unresolved(ctx, at, f, &format!("{f} expects {expected}")))
        };
        match f {
            "Ref" => {
                let Some(name) = self.resolved_text(ctx, arg, depth) else {
                    return bad(self, ctx, "a parameter or resource name");
                };
                self.ref_target(ctx, &name, at)
            }
            "Fn::GetAtt" => {
                let (id, attr) = match &arg.kind {
                    NodeKind::Str(s) => match s.split_once('.') {
                        Some((a, b)) => (a.to_string(), b.to_string()),
                        None => return bad(self, ctx, "[resource, attribute]"),
                    },
                    NodeKind::Seq(items) if items.len() == 2 => {
                        let id = items.first().and_then(text_of);
                        let attr = items.get(1).and_then(|a| self.resolved_text(ctx, a, depth));
                        match (id, attr) {
                            (Some(i), Some(a)) => (i, a),
                            _ => return bad(self, ctx, "[resource, attribute]"),
                        }
                    }
                    _ => return bad(self, ctx, "[resource, attribute]"),
                };
                Some(self.get_att(ctx, &id, &attr, at))
            }
            "Fn::Sub" => {
                let (template, vars) = match &arg.kind {
                    NodeKind::Str(s) => (s.clone(), None),
                    NodeKind::Seq(items) => {
                        match (items.first().and_then(Node::as_str), items.get(1)) {
                            (Some(s), vars) => (s.to_string(), vars),
                            _ => return bad(self, ctx, "a string or [string, variables]"),
                        }
                    }
                    _ => return bad(self, ctx, "a string or [string, variables]"),
                };
                Some(Node::str(self.sub(ctx, &template, vars, at, depth), at))
            }
            "Fn::Join" => {
                let (Some(delim), Some(list)) =
                    (args.first().and_then(|d| text_of(d)), args.get(1))
                else {
                    return bad(self, ctx, "[delimiter, [values]]");
                };
                let list = self.resolve(ctx, list, depth + 1)?;
                let parts: Vec<String> = seq_of(&list).iter().filter_map(|n| text_of(n)).collect();
                Some(Node::str(parts.join(&delim), at))
            }
            "Fn::Select" => {
                let (Some(index), Some(list)) = (args.first(), args.get(1)) else {
                    return bad(self, ctx, "[index, [values]]");
                };
                let index = self
                    .resolved_text(ctx, index, depth)
                    .and_then(|i| i.parse::<usize>().ok());
                let list = self.resolve(ctx, list, depth + 1)?;
                match (index, list.as_seq()) {
                    (Some(i), Some(items)) => match items.get(i) {
                        Some(v) => Some(v.clone()),
                        None => bad(self, ctx, "an index inside the list"),
                    },
                    _ => bad(self, ctx, "[index, [values]]"),
                }
            }
            "Fn::Split" => {
                let (Some(delim), Some(source)) =
                    (args.first().and_then(|d| text_of(d)), args.get(1))
                else {
                    return bad(self, ctx, "[delimiter, string]");
                };
                let Some(s) = self.resolved_text(ctx, source, depth) else {
                    return bad(self, ctx, "[delimiter, string]");
                };
                if delim.is_empty() {
                    return bad(self, ctx, "a non-empty delimiter");
                }
                Some(Node::new(
                    NodeKind::Seq(s.split(&delim).map(|p| Node::str(p, at)).collect()),
                    at,
                ))
            }
            "Fn::If" => {
                let (Some(cond), Some(yes), Some(no)) = (
                    args.first().and_then(|c| text_of(c)),
                    args.get(1),
                    args.get(2),
                ) else {
                    return bad(self, ctx, "[condition, value if true, value if false]");
                };
                match self.condition(ctx, &cond, at) {
                    Some(true) => self.resolve(ctx, yes, depth + 1),
                    Some(false) => self.resolve(ctx, no, depth + 1),
                    None => Some(self.unresolved(
                        ctx,
                        at,
                        &format!("Fn::If {cond}"),
                        &format!("Fn::If on condition {cond}, which depends on values known only at deploy time"),
                    )),
                }
            }
            "Fn::FindInMap" => {
                let names: Vec<Option<String>> = args
                    .iter()
                    .take(3)
                    .map(|a| self.resolved_text(ctx, a, depth))
                    .collect();
                let found = match names.as_slice() {
                    [Some(m), Some(k1), Some(k2)] => self
                        .mappings
                        .and_then(|ms| ms.get(m))
                        .and_then(|x| x.get(k1))
                        .and_then(|x| x.get(k2))
                        .cloned(),
                    _ => None,
                };
                match found {
                    Some(v) => self.resolve(ctx, &v, depth + 1),
                    None => Some(self.unresolved(
                        ctx,
                        at,
                        "Fn::FindInMap",
                        "Fn::FindInMap names an entry that is not in Mappings",
                    )),
                }
            }
            "Condition" | "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => {
                let single = Node::new(
                    NodeKind::Map(vec![Entry {
                        key: f.to_string(),
                        key_at: at,
                        value: arg.clone(),
                    }]),
                    at,
                );
                match self.cond_value(ctx, &single, depth + 1) {
                    Some(b) => Some(Node::new(NodeKind::Bool(b), at)),
                    None => Some(self.unresolved(
                        ctx,
                        at,
                        f,
                        &format!("{f} depends on values known only at deploy time"),
                    )),
                }
            }
            "Fn::ImportValue" => {
                let name = self.resolved_text(ctx, arg, depth).unwrap_or_default();
                Some(self.unresolved(
                    ctx,
                    at,
                    &format!("ImportValue {name}"),
                    &format!(
                        "Fn::ImportValue {name} is an output of another stack, not in this input"
                    ),
                ))
            }
            _ => Some(self.unresolved(ctx, at, f, &format!("{f} is not evaluated by Keyflow"))),
        }
    }

    /// `Fn::Sub`: `${Name}`, `${Resource.Attr}`, `${AWS::Region}` are replaced;
    /// `${!Literal}` is written as `${Literal}` ("To write a dollar sign and curly
    /// braces (`${}`) literally, add an exclamation point (`!`) after the open curly
    /// brace, such as `${!Literal}`", Fn::Sub,
    /// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-sub.html),
    /// so policy variables written `${!aws:username}` survive.
    fn sub(
        &mut self,
        ctx: &mut FileCtx<'_>,
        template: &str,
        vars: Option<&Node>,
        at: u32,
        depth: usize,
    ) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(rest.get(..start).unwrap_or_default());
            let after = rest.get(start + 2..).unwrap_or_default();
            let Some(end) = after.find('}') else {
                out.push_str(rest.get(start..).unwrap_or_default());
                rest = "";
                break;
            };
            let inner = after.get(..end).unwrap_or_default();
            rest = after.get(end + 1..).unwrap_or_default();
            if let Some(lit) = inner.strip_prefix('!') {
                out.push_str("${");
                out.push_str(lit);
                out.push('}');
                continue;
            }
            let name = inner.trim();
            let value = if let Some(v) = vars.and_then(|m| m.get(name)) {
                self.resolve(ctx, v, depth + 1).and_then(|n| text_of(&n))
            } else if self.params.contains_key(name)
                || name.starts_with("AWS::")
                || self.resource(name).is_some()
            {
                self.ref_target(ctx, name, at).and_then(|n| text_of(&n))
            } else if let Some((res, attr)) = name.split_once('.')
                && self.resource(res).is_some()
            {
                text_of(&self.get_att(ctx, res, attr, at))
            } else {
                ctx.warn(at, format!(
                    "Fn::Sub variable ${{{name}}} names no parameter, resource or attribute: CloudFormation rejects it; a policy variable must be written ${{!{name}}}. Kept as ${{{name}}}"
                ));
                Some(format!("${{{name}}}"))
            };
            out.push_str(&value.unwrap_or_default());
        }
        out.push_str(rest);
        out
    }

    fn doc(&mut self, ctx: &mut FileCtx<'_>, n: &Node) -> Option<String> {
        self.resolve(ctx, n, 0).map(|v| util::policy_text(&v))
    }

    fn prop(&mut self, ctx: &mut FileCtx<'_>, props: Option<&Node>, name: &str) -> Option<Node> {
        props
            .and_then(|p| p.get(name))
            .and_then(|n| self.resolve(ctx, n, 0))
    }

    fn prop_text(
        &mut self,
        ctx: &mut FileCtx<'_>,
        props: Option<&Node>,
        name: &str,
    ) -> Option<String> {
        self.prop(ctx, props, name).and_then(|n| text_of(&n))
    }

    fn names_list(
        &mut self,
        ctx: &mut FileCtx<'_>,
        props: Option<&Node>,
        name: &str,
    ) -> Vec<String> {
        self.prop(ctx, props, name)
            .map(|n| seq_of(&n).iter().filter_map(|x| text_of(x)).collect())
            .unwrap_or_default()
    }

    /// `Policies: [{PolicyName, PolicyDocument}]` of roles, users and groups.
    fn inline_policies(
        &mut self,
        ctx: &mut FileCtx<'_>,
        props: Option<&Node>,
    ) -> Vec<(String, String)> {
        let Some(list) = props.and_then(|p| p.get("Policies")) else {
            return Vec::new();
        };
        let Some(list) = self.resolve(ctx, list, 0) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, p) in seq_of(&list).into_iter().enumerate() {
            let name = p
                .get("PolicyName")
                .and_then(text_of)
                .unwrap_or_else(|| format!("policy-{}", i + 1));
            match p.get("PolicyDocument") {
                Some(d) => out.push((name, util::policy_text(d))),
                None => ctx.warn(
                    p.at,
                    format!("policy {name} has no PolicyDocument; skipped"),
                ),
            }
        }
        out
    }
}

/// Imports one template into the world.
pub(crate) fn import(ctx: &mut FileCtx<'_>, root: &Node, world: &mut World) {
    let stack = file_stem(ctx.name);
    let mut t = Template {
        env: world.env.clone(),
        stack: stack.clone(),
        params: root
            .get("Parameters")
            .and_then(Node::as_map)
            .map(|m| m.iter().map(|e| (e.key.clone(), &e.value)).collect())
            .unwrap_or_default(),
        mappings: root.get("Mappings"),
        conditions: root.get("Conditions"),
        resources: Vec::new(),
        names: HashMap::new(),
        conds: HashMap::new(),
        reported: HashSet::new(),
    };
    ctx.note(
        root.at,
        format!("AWS::StackName is taken from the file name: {stack}"),
    );
    if let Some(transform) = root.get("Transform") {
        ctx.warn(transform.at, "Transform (macros such as AWS::Serverless or AWS::LanguageExtensions) is not expanded: resources it would create are not imported");
    }
    let Some(resources) = root.get("Resources").and_then(Node::as_map) else {
        let at = root.get("Resources").map_or(root.at, |n| n.at);
        ctx.finding(
            at,
            super::Severity::Error,
            "expected \"Resources\" to be a mapping of logical IDs to resources",
        );
        return;
    };
    for e in resources {
        let Some(ty) = e.value.get_str("Type") else {
            ctx.finding(
                e.key_at,
                super::Severity::Error,
                format!("resource {} has no \"Type\"; skipped", e.key),
            );
            continue;
        };
        t.resources.push(Resource {
            id: e.key.clone(),
            ty: ty.to_string(),
            props: e.value.get("Properties"),
            key_at: e.key_at,
            condition: e.value.get_str("Condition").map(str::to_string),
        });
    }
    let mut skipped: Vec<(String, usize)> = Vec::new();
    let ids: Vec<(String, String, Option<String>, u32)> = t
        .resources
        .iter()
        .map(|r| (r.id.clone(), r.ty.clone(), r.condition.clone(), r.key_at))
        .collect();
    for (id, ty, condition, at) in ids {
        if let Some(c) = condition {
            match t.condition(ctx, &c, at) {
                Some(false) => {
                    ctx.note(at, format!("{id} is not created: its condition {c} is false"));
                    continue;
                }
                None => ctx.warn(at, format!("{id} depends on condition {c}, which is known only at deploy time: imported as if it were true")),
                Some(true) => {}
            }
        }
        if !resource(ctx, &mut t, world, &id, &ty, at) {
            match skipped.iter_mut().find(|(s, _)| *s == ty) {
                Some((_, n)) => *n += 1,
                None => skipped.push((ty, 1)),
            }
        }
    }
    if !skipped.is_empty() {
        let list: Vec<String> = skipped
            .iter()
            .map(|(ty, n)| {
                if *n > 1 {
                    format!("{ty} ({n})")
                } else {
                    ty.clone()
                }
            })
            .collect();
        let at = root.get("Resources").map_or(root.at, |n| n.at);
        ctx.note(
            at,
            format!("not modelled by Keyflow, skipped: {}", list.join(", ")),
        );
    }
}

/// Imports one resource; false when its type is not modelled.
fn resource(
    ctx: &mut FileCtx<'_>,
    t: &mut Template<'_>,
    w: &mut World,
    id: &str,
    ty: &str,
    at: u32,
) -> bool {
    let props = t.resource(id).and_then(|r| r.props);
    let origin = ctx.origin(at);
    match ty {
        "AWS::KMS::Key" => {
            let kid = t.name_of(ctx, id, at);
            let policy = match props.and_then(|p| p.get("KeyPolicy")) {
                Some(p) => t.doc(ctx, p).unwrap_or_default(),
                None => {
                    ctx.note(at, format!("key {id} has no KeyPolicy: \"If you do not provide a key policy, AWS KMS attaches a default key policy\" (AWS::KMS::Key); the default key policy is used"));
                    util::default_key_policy(t.env.partition(), &t.env.account)
                }
            };
            let enabled = t
                .prop(ctx, props, "Enabled")
                .and_then(|n| n.as_bool())
                .unwrap_or(true);
            let arn = w.key_arn(&kid);
            w.keys.push(KeyB {
                id: kid,
                account: None,
                description: t.prop_text(ctx, props, "Description").unwrap_or_default(),
                policy,
                enabled,
                aliases: Vec::new(),
                also: vec![arn],
            });
        }
        "AWS::KMS::Alias" => {
            let name = t.name_of(ctx, id, at);
            match t.prop_text(ctx, props, "TargetKeyId") {
                Some(target) => w.aliases.push((name, target, origin)),
                None => ctx.warn(at, format!("alias {name} has no TargetKeyId; skipped")),
            }
        }
        "AWS::S3::Bucket" => {
            let name = t.name_of(ctx, id, at);
            let mut enc = None;
            if let Some(rules) = t
                .prop(ctx, props, "BucketEncryption")
                .and_then(|b| b.get("ServerSideEncryptionConfiguration").cloned())
                && let Some(rule) = seq_of(&rules).first()
            {
                enc = encryption(
                    ctx,
                    rule.get("ServerSideEncryptionByDefault"),
                    rule.get("BucketKeyEnabled"),
                    rule.at,
                );
            }
            let versioning = t
                .prop(ctx, props, "VersioningConfiguration")
                .and_then(|v| v.get_str("Status").map(|s| s == "Enabled"))
                .unwrap_or(false);
            let ownership = t
                .prop(ctx, props, "OwnershipControls")
                .and_then(|o| {
                    o.get("Rules").and_then(|r| {
                        seq_of(r)
                            .first()
                            .and_then(|x| x.get_str("ObjectOwnership"))
                            .and_then(ObjectOwnership::from_name)
                    })
                })
                .unwrap_or_default();
            w.buckets.push(BucketB {
                name,
                policy: None,
                enc,
                versioning,
                ownership,
                origin,
            });
        }
        "AWS::S3::BucketPolicy" => {
            let bucket = t.prop_text(ctx, props, "Bucket");
            let doc = props
                .and_then(|p| p.get("PolicyDocument"))
                .and_then(|d| t.doc(ctx, d));
            match (bucket, doc) {
                (Some(b), Some(d)) => w.bucket_policies.push((b, d, origin)),
                _ => ctx.warn(at, format!("{id} needs Bucket and PolicyDocument; skipped")),
            }
        }
        "AWS::IAM::Role" | "AWS::IAM::User" => {
            let role = ty == "AWS::IAM::Role";
            let name = t.name_of(ctx, id, at);
            let kind = if role {
                PrincipalKind::Role
            } else {
                PrincipalKind::User
            };
            let mut p = PrincipalB::new(name, kind, origin.clone());
            p.path = t.path_of(ctx, props);
            p.policies = t.inline_policies(ctx, props);
            if role {
                p.trust = props
                    .and_then(|x| x.get("AssumeRolePolicyDocument"))
                    .and_then(|d| t.doc(ctx, d));
            } else {
                p.groups = t.names_list(ctx, props, "Groups");
            }
            for arn in t.names_list(ctx, props, "ManagedPolicyArns") {
                p.managed.push((arn, origin.clone()));
            }
            if let Some(b) = t.prop_text(ctx, props, "PermissionsBoundary") {
                p.boundary = Some((b, origin.clone()));
            }
            w.principals.push(p);
        }
        "AWS::IAM::Group" => {
            let name = t.name_of(ctx, id, at);
            let policies = t.inline_policies(ctx, props);
            let managed = t
                .names_list(ctx, props, "ManagedPolicyArns")
                .into_iter()
                .map(|a| (a, origin.clone()))
                .collect();
            w.groups.push(GroupB {
                name,
                policies,
                managed,
            });
        }
        "AWS::IAM::UserToGroupAddition" => {
            let group = t.prop_text(ctx, props, "GroupName").unwrap_or_default();
            for user in t.names_list(ctx, props, "Users") {
                w.memberships.push((group.clone(), user, origin.clone()));
            }
        }
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
            let managed = ty == "AWS::IAM::ManagedPolicy";
            let name = t.name_of(ctx, id, at);
            let Some(doc) = props
                .and_then(|p| p.get("PolicyDocument"))
                .and_then(|d| t.doc(ctx, d))
            else {
                ctx.warn(at, format!("{id} has no PolicyDocument; skipped"));
                return true;
            };
            if managed {
                let arn = t
                    .ref_value(ctx, id, at)
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                w.managed.push(ManagedB {
                    arn: arn.clone(),
                    name: name.clone(),
                    document: doc.clone(),
                });
                for (list, kind) in [
                    ("Roles", TargetKind::Role),
                    ("Users", TargetKind::User),
                    ("Groups", TargetKind::Group),
                ] {
                    for target in t.names_list(ctx, props, list) {
                        w.attachments
                            .push((kind, target, arn.clone(), origin.clone()));
                    }
                }
            } else {
                for (list, kind) in [
                    ("Roles", TargetKind::Role),
                    ("Users", TargetKind::User),
                    ("Groups", TargetKind::Group),
                ] {
                    for target in t.names_list(ctx, props, list) {
                        w.inline
                            .push((kind, target, name.clone(), doc.clone(), origin.clone()));
                    }
                }
            }
        }
        "AWS::CloudTrail::Trail" => {
            let name = t.name_of(ctx, id, at);
            let Some(bucket) = t.prop_text(ctx, props, "S3BucketName") else {
                ctx.warn(at, format!("trail {name} has no S3BucketName; skipped"));
                return true;
            };
            w.trails.push(TrailB {
                name,
                bucket,
                prefix: t.prop_text(ctx, props, "S3KeyPrefix").unwrap_or_default(),
                kms_key: t.prop_text(ctx, props, "KMSKeyId"),
                log_file_validation: t
                    .prop(ctx, props, "EnableLogFileValidation")
                    .and_then(|n| n.as_bool())
                    .unwrap_or(false),
                origin,
            });
        }
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
            let name = t.name_of(ctx, id, at);
            let kind = t
                .prop_text(ctx, props, "Type")
                .unwrap_or_else(|| "application".into());
            let attrs = t.prop(ctx, props, "LoadBalancerAttributes");
            let attr = |k: &str| {
                attrs.as_ref().and_then(|a| {
                    seq_of(a)
                        .into_iter()
                        .find(|x| x.get_str("Key") == Some(k))
                        .and_then(|x| x.get("Value"))
                        .and_then(text_of)
                })
            };
            let enabled =
                attr("access_logs.s3.enabled").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            if !enabled {
                ctx.note(at, format!("load balancer {name} has no access logs enabled (access_logs.s3.enabled): no ALB flow"));
                return true;
            }
            if kind != "application" {
                ctx.warn(at, format!("load balancer {name} is a {kind} load balancer; Keyflow models ALB access-log delivery only; skipped"));
                return true;
            }
            let Some(bucket) = attr("access_logs.s3.bucket") else {
                ctx.warn(at, format!("load balancer {name} enables access logs without access_logs.s3.bucket; skipped"));
                return true;
            };
            let prefix = attr("access_logs.s3.prefix").unwrap_or_default();
            w.lbs.push(LbB {
                name,
                id: util::stand_in_hex16(&format!("{}/{id}", t.stack)),
                bucket,
                prefix,
                origin,
            });
        }
        "AWS::SSM::Parameter" => {
            let name = t.name_of(ctx, id, at);
            let kind = match t.prop_text(ctx, props, "Type").as_deref() {
                Some("StringList") => ParameterType::StringList,
                Some("SecureString") => {
                    ctx.warn(at, format!("parameter {name} has Type SecureString, which CloudFormation refuses: \"AWS CloudFormation doesn't support creating a SecureString parameter type\" (AWS::SSM::Parameter, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ssm-parameter.html); imported as written"));
                    ParameterType::SecureString
                }
                _ => ParameterType::String,
            };
            let tier = match t.prop_text(ctx, props, "Tier").as_deref() {
                Some("Advanced") => Tier::Advanced,
                Some("Intelligent-Tiering") => {
                    ctx.note(
                        at,
                        format!("parameter {name} uses Intelligent-Tiering; simulated as Standard"),
                    );
                    Tier::Standard
                }
                _ => Tier::Standard,
            };
            w.params.push(ParamB {
                name,
                kind,
                tier,
                key: None,
                value: t.prop_text(ctx, props, "Value").unwrap_or_default(),
                origin,
            });
        }
        _ => return false,
    }
    true
}

/// `ServerSideEncryptionByDefault` + `BucketKeyEnabled` (CloudFormation and, with
/// snake_case names, Terraform).
pub(crate) fn encryption(
    ctx: &mut FileCtx<'_>,
    by_default: Option<&Node>,
    bucket_key: Option<&Node>,
    at: u32,
) -> Option<Encryption> {
    let d = by_default?;
    let algorithm = d
        .get_str("SSEAlgorithm")
        .or(d.get_str("sse_algorithm"))
        .unwrap_or("AES256");
    let key = d
        .get("KMSMasterKeyID")
        .or(d.get("kms_master_key_id"))
        .and_then(text_of)
        .filter(|k| !k.is_empty());
    let bucket_key = bucket_key.and_then(Node::as_bool).unwrap_or(false);
    match algorithm {
        "aws:kms" | "aws:kms:dsse" => {
            if algorithm == "aws:kms:dsse" {
                ctx.warn(
                    at,
                    "aws:kms:dsse (dual-layer SSE-KMS) is simulated as SSE-KMS",
                );
            }
            Some(Encryption {
                sse: Sse::Kms,
                key,
                bucket_key,
            })
        }
        _ => Some(Encryption::default()),
    }
}
