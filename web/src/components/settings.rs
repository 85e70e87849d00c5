//! The scenario's settings as ordinary form controls. Every name is editable
//! — account, Region, buckets, keys and aliases, load balancers, trails,
//! parameters, principals — and a change of name is a rename refactoring
//! that shows every place it changes before it is applied.

use keyflow_sim::edit::Edit;
use keyflow_sim::rename::{NameKind, Target, check_name};
use keyflow_sim::{
    Behaviour, DigestEncryption, ElbLogWriter, FlowKind, KeyState, Named, PolicyId, PrincipalKind,
    RefKind, Scenario, Sse, Tier,
};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::fields::Field;
use super::rename::propose;
use crate::AppContext;
use crate::state::Action;
use crate::text::v;

const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-4",
    "ca-central-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "me-south-1",
    "me-central-1",
    "sa-east-1",
];

/// A `<select>` whose value maps to an action.
/// Not generic over `make`: one copy of this code serves every select (bundle size).
fn select_action(
    ctx: &AppContext,
    testid: String,
    label: &str,
    current: &str,
    options: Vec<(String, String)>,
    make: Box<dyn Fn(String) -> Option<Action>>,
) -> Html {
    let ctx = ctx.clone();
    let onchange = Callback::from(move |e: Event| {
        let v = e.target_unchecked_into::<HtmlSelectElement>().value();
        if let Some(action) = make(v) {
            ctx.dispatch(action);
        }
    });
    let mut options = options;
    if !options.iter().any(|(v, _)| v == current) {
        options.insert(0, (current.to_string(), current.to_string()));
    }
    let id = format!("f-{testid}");
    html! {
        <div class="field">
            <label for={id.clone()}>{ label.to_string() }</label>
            <select {id} data-testid={testid} {onchange}>
                { for options.into_iter().map(|(v, text)| html! { <option selected={v == current} value={v.clone()}>{ text }</option> }) }
            </select>
        </div>
    }
}

fn select(
    ctx: &AppContext,
    testid: String,
    label: &str,
    current: &str,
    options: Vec<(String, String)>,
    make: Box<dyn Fn(String) -> Option<Edit>>,
) -> Html {
    select_action(
        ctx,
        testid,
        label,
        current,
        options,
        Box::new(move |v| make(v).map(Action::Edit)),
    )
}

fn key_options(s: &Scenario, managed: &str) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), format!("{managed} (AWS managed)"))];
    for k in &s.keys {
        let value = k.aliases.first().cloned().unwrap_or_else(|| k.id.clone());
        out.push((value.clone(), v(&value)));
    }
    out
}

/// A `<select>` over every value of a closed set, with the set's own spelling as values.
fn named_select<T: Named>(
    ctx: &AppContext,
    testid: &str,
    label: &str,
    current: T,
    text: fn(T) -> &'static str,
    edit: fn(T) -> Edit,
) -> Html {
    let options = T::NAMES
        .iter()
        .filter_map(|n| T::from_name(n))
        .map(|v| (v.name().to_string(), text(v).to_string()))
        .collect();
    select(
        ctx,
        testid.to_string(),
        label,
        current.name(),
        options,
        Box::new(move |v| T::from_name(&v).map(edit)),
    )
}

fn behaviour_text(b: Behaviour) -> &'static str {
    match b {
        Behaviour::Observed => "as observed (write-up)",
        Behaviour::Documented => "as documented",
    }
}

/// A name field whose commit proposes renaming `target`.
fn name_field(
    ctx: &AppContext,
    label: &str,
    value: &str,
    testid: String,
    kind: NameKind,
    target: Target,
) -> Html {
    let check = Callback::from(move |v: String| check_name(kind, &v).err());
    let reset = ctx.state.form;
    let ctx = ctx.clone();
    let on_commit = Callback::from(move |to: String| propose(&ctx, target.clone(), to));
    html! { <Field label={label.to_string()} value={value.to_string()} {testid} {check} {on_commit} {reset} /> }
}

/// An account field: 12 digits, or empty for the home account.
fn account_field(ctx: &AppContext, value: Option<&str>, testid: String, target: Target) -> Html {
    let check = Callback::from(|v: String| {
        (!v.is_empty())
            .then(|| check_name(NameKind::Account, &v).err())
            .flatten()
    });
    let reset = ctx.state.form;
    let ctx = ctx.clone();
    let on_commit = Callback::from(move |to: String| propose(&ctx, target.clone(), to));
    html! {
        <Field label="Account" value={value.unwrap_or("").to_string()} {testid} {check} {on_commit}
            placeholder="home account" {reset} />
    }
}

fn flow_label(kind: FlowKind) -> &'static str {
    match kind {
        FlowKind::AlbAccessLogs => "ALB access logs",
        FlowKind::CloudtrailSseKms => "CloudTrail with SSE-KMS",
        FlowKind::SsmSecurestring => "SSM SecureString",
        FlowKind::S3EncryptInUse => "Encrypt an in-use S3 bucket",
    }
}

/// The flows of the scenario: who plays each part, readers, and a menu to add one.
fn flows(ctx: &AppContext, s: &Scenario) -> Html {
    let names: Vec<(String, PrincipalKind)> = s
        .principals
        .iter()
        .map(|p| (p.name.clone(), p.kind))
        .collect();
    let list = s.flows.iter().enumerate().map(|(i, f)| {
        let refs = f.params.refs();
        let parts = refs
            .iter()
            .filter(|r| matches!(r.kind, RefKind::Principal | RefKind::Role) && !r.field.contains('['))
            .map(|r| {
                let options = names
                    .iter()
                    .filter(|(_, k)| r.kind != RefKind::Role || *k == PrincipalKind::Role)
                    .map(|(n, _)| (n.clone(), v(n)))
                    .collect();
                let field = r.field.clone();
                select(ctx, format!("flow-{}-{}", f.id(), r.field), &r.field, &r.name, options,
                    Box::new(move |principal| Some(Edit::FlowPrincipal { flow: i, field: field.clone(), principal })))
            });
        let has_readers = matches!(f.kind(), FlowKind::CloudtrailSseKms | FlowKind::SsmSecurestring);
        let readers = refs.iter().filter(|r| r.field.starts_with("readers[")).map(|r| r.name.clone()).collect::<Vec<_>>();
        let reader_boxes = names.iter().filter(|_| has_readers).map(|(n, _)| {
            let on = readers.contains(n);
            let onchange = {
                let ctx = ctx.clone();
                let principal = n.clone();
                Callback::from(move |e: Event| {
                    let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                    ctx.dispatch(Action::Edit(Edit::FlowReader { flow: i, principal: principal.clone(), on }));
                })
            };
            html! {
                <label class="check-field"><input type="checkbox" checked={on} {onchange} data-testid={format!("reader-{}-{n}", f.id())} />{ v(n) }</label>
            }
        });
        let remove = {
            let ctx = ctx.clone();
            Callback::from(move |_| ctx.dispatch(Action::Edit(Edit::RemoveFlow(i))))
        };
        html! {
            <li class="flow-item" data-testid={format!("flow-item-{}", f.id())}>
                <div class="row">
                    <strong class="grow">{ format!("{} · {}", f.id(), flow_label(f.kind())) }</strong>
                    <button type="button" class="btn tiny ghost" onclick={remove} aria-label={format!("Remove flow {}", f.id())}>{ "×" }</button>
                </div>
                { for parts }
                if has_readers { <p class="small muted">{ "Readers (each gets its steps):" }</p>{ for reader_boxes } }
            </li>
        }
    });
    let onchange = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let select = e.target_unchecked_into::<HtmlSelectElement>();
            let value = select.value();
            select.set_value("");
            if let Some(kind) = FlowKind::from_name(&value) {
                super::rename::add_flow(&ctx, kind);
            }
        })
    };
    html! {
        <fieldset class="group" data-testid="flows">
            <legend>{ "Flows" }</legend>
            if s.flows.is_empty() { <p class="muted small">{ "No flows yet: add one below. It starts from its write-up's setup, bound to your buckets and keys." }</p> }
            <ul class="flow-list">{ for list }</ul>
            <label class="field" for="add-flow"><span>{ "Add a flow" }</span>
                <select id="add-flow" data-testid="add-flow" {onchange}>
                    <option value="" selected=true>{ "Choose a flow…" }</option>
                    { for FlowKind::ALL.iter().map(|k| html! { <option value={k.as_str()}>{ flow_label(*k) }</option> }) }
                </select>
            </label>
        </fieldset>
    }
}

/// Plain function rather than a component: it has no hooks, and each
/// component type costs bundle size.
pub fn settings(ctx: &AppContext) -> Html {
    let s = ctx.state.scenario.clone();
    let regions: Vec<(String, String)> = REGIONS
        .iter()
        .map(|r| (r.to_string(), r.to_string()))
        .collect();
    let has = |kind: FlowKind| s.flows.iter().any(|f| f.kind() == kind);

    let buckets = s.buckets.iter().enumerate().map(|(i, b)| {
        let enc = &b.default_encryption;
        let sse_text = |v: Sse| match v {
            Sse::None => "none (before 2023)",
            Sse::S3 => "SSE-S3",
            Sse::Kms => "SSE-KMS",
        };
        let sse = select(ctx, format!("bucket-sse-{}", b.name), "Default encryption", enc.sse.as_str(),
            Sse::ALL.iter().map(|v| (v.as_str().to_string(), sse_text(*v).to_string())).collect(),
            Box::new(move |v| Sse::from_name(&v).map(|sse| Edit::BucketSse { bucket: i, sse })));
        let key = select(ctx, format!("bucket-key-{}", b.name), "KMS key", enc.key.as_deref().unwrap_or(""), key_options(&s, "aws/s3"),
            Box::new(move |v| Some(Edit::BucketKmsKey { bucket: i, key: (!v.is_empty()).then_some(v) })));
        let on_bk = {
            let ctx = ctx.clone();
            Callback::from(move |e: Event| {
                let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                ctx.dispatch(Action::Edit(Edit::BucketKeyEnabled { bucket: i, on }));
            })
        };
        html! {
            <fieldset class="group">
                <legend>{ format!("Bucket {}", v(&b.name)) }</legend>
                { name_field(ctx, "Name", &b.name, format!("bucket-name-{i}"), NameKind::Bucket, Target::Bucket(b.name.clone())) }
                { account_field(ctx, b.account.as_deref(), format!("bucket-account-{i}"), Target::BucketAccount(b.name.clone())) }
                { sse }
                if enc.sse == Sse::Kms {
                    { key }
                    <label class="check-field">
                        <input type="checkbox" checked={enc.bucket_key} onchange={on_bk} data-testid={format!("bucket-bk-{}", b.name)} />
                        { "S3 Bucket Key" }
                    </label>
                }
            </fieldset>
        }
    });

    let keys = s.keys.iter().enumerate().map(|(i, k)| {
        let name = k.aliases.first().cloned().unwrap_or_else(|| k.id.clone());
        let text = |v: KeyState| match v {
            KeyState::Enabled => "Enabled",
            KeyState::Disabled => "Disabled",
            KeyState::PendingDeletion => "Pending deletion",
        };
        let state = select(ctx, format!("key-state-{}", k.id), "Key state", k.state.as_str(),
            KeyState::ALL.iter().map(|v| (v.as_str().to_string(), text(*v).to_string())).collect(),
            Box::new(move |v| KeyState::from_name(&v).map(|state| Edit::KeyState { key: i, state })));
        let aliases = k.aliases.iter().enumerate().map(|(j, a)| {
            name_field(ctx, "Alias", a, format!("key-alias-{i}-{j}"), NameKind::Alias, Target::KeyAlias(a.clone()))
        });
        html! {
            <fieldset class="group">
                <legend>{ format!("KMS key {}", v(&name)) }</legend>
                { name_field(ctx, "Key ID", &k.id, format!("key-id-{i}"), NameKind::KeyId, Target::KeyId(k.id.clone())) }
                { for aliases }
                { account_field(ctx, k.account.as_deref(), format!("key-account-{i}"), Target::KeyAccount(k.id.clone())) }
                { state }
            </fieldset>
        }
    });

    let lbs = s.load_balancers.iter().enumerate().map(|(i, l)| html! {
        <fieldset class="group">
            <legend>{ format!("Load balancer {}", v(&l.name)) }</legend>
            { name_field(ctx, "Name", &l.name, format!("lb-name-{i}"), NameKind::LoadBalancer, Target::LoadBalancer(l.name.clone())) }
            <p class="small muted">{ format!("Home account; access logs to bucket {}", v(&l.access_logs.bucket)) }</p>
        </fieldset>
    });

    let trails = s.trails.iter().enumerate().map(|(i, t)| {
        let mut opts = key_options(&s, "");
        if let Some(first) = opts.first_mut() {
            first.1 = "none (SSE-S3)".into();
        }
        let enc = select(ctx, format!("trail-key-{}", t.name), "Log file encryption", t.kms_key.as_deref().unwrap_or(""), opts,
            Box::new(move |v| Some(Edit::TrailKey { trail: i, key: (!v.is_empty()).then_some(v) })));
        html! {
            <fieldset class="group">
                <legend>{ format!("Trail {}", v(&t.name)) }</legend>
                { name_field(ctx, "Name", &t.name, format!("trail-name-{i}"), NameKind::Trail, Target::Trail(t.name.clone())) }
                { enc }
            </fieldset>
        }
    });

    let parameters = s.parameters.iter().enumerate().map(|(i, p)| {
        let tier = select(ctx, format!("param-tier-{}", p.name), "Tier", p.tier.as_str(),
            Tier::ALL.iter().map(|v| (v.as_str().to_string(), v.as_str().to_string())).collect(),
            Box::new(move |v| Tier::from_name(&v).map(|tier| Edit::ParameterTier { parameter: i, tier })));
        let key = select(ctx, format!("param-key-{}", p.name), "KMS key", p.key.as_deref().unwrap_or(""), key_options(&s, "alias/aws/ssm"),
            Box::new(move |v| Some(Edit::ParameterKey { parameter: i, key: (!v.is_empty()).then_some(v) })));
        html! {
            <fieldset class="group">
                <legend>{ format!("Parameter {}", v(&p.name)) }</legend>
                { name_field(ctx, "Name", &p.name, format!("param-name-{i}"), NameKind::Parameter, Target::Parameter(p.name.clone())) }
                { tier }{ key }
            </fieldset>
        }
    });

    let principals = s.principals.iter().enumerate().map(|(i, p)| {
        let remove = {
            let ctx = ctx.clone();
            Callback::from(move |_| ctx.dispatch(Action::Edit(Edit::RemovePrincipal(i))))
        };
        let add_policy = {
            let ctx = ctx.clone();
            Callback::from(move |_| ctx.dispatch(Action::Edit(Edit::AddIdentityPolicy { principal: i })))
        };
        let kind = match p.kind {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
            PrincipalKind::AssumedRole => "role session",
            PrincipalKind::Root => "account root",
            PrincipalKind::Service => "service",
        };
        let uses = keyflow_sim::edit::principal_uses(&s, &p.name);
        let kept = (!uses.is_empty()).then(|| format!("Kept while it is {}", uses.join(", ")));
        let iam = matches!(p.kind, PrincipalKind::User | PrincipalKind::Role);
        let detail = match (p.kind, &p.service, &p.role) {
            (PrincipalKind::Service, Some(svc), _) => v(svc),
            (PrincipalKind::AssumedRole, _, Some(role)) => format!("of role {}, session {}", v(role), v(p.session.as_deref().unwrap_or(""))),
            _ => String::new(),
        };
        let policies = p.policies.iter().enumerate().map(|(j, pol)| {
            let open = {
                let ctx = ctx.clone();
                let id = PolicyId::Identity { principal: p.name.clone(), policy: pol.name.clone() };
                Callback::from(move |_| ctx.dispatch(Action::OpenPolicy(id.clone())))
            };
            let drop = {
                let ctx = ctx.clone();
                Callback::from(move |_| ctx.dispatch(Action::Edit(Edit::RemoveIdentityPolicy { principal: i, policy: j })))
            };
            html! {
                <li>
                    <button type="button" class="link" onclick={open}>{ v(&pol.name) }</button>
                    <button type="button" class="btn tiny ghost" onclick={drop} aria-label={format!("Remove policy {}", v(&pol.name))}>{ "×" }</button>
                </li>
            }
        });
        let name_kind = if iam { NameKind::IamName } else { NameKind::Handle };
        html! {
            <li class="principal" data-testid={format!("principal-{}", p.name)}>
                <div class="row">
                    <span class="small muted grow">{ format!("{kind} {detail}") }</span>
                    <button type="button" class="btn tiny ghost" onclick={remove} disabled={!uses.is_empty()} title={kept} aria-label={format!("Remove {}", v(&p.name))}>{ "×" }</button>
                </div>
                { name_field(ctx, "Name", &p.name, format!("principal-name-{i}"), name_kind, Target::Principal(p.name.clone())) }
                if iam || p.kind == PrincipalKind::Root {
                    { account_field(ctx, p.account.as_deref(), format!("principal-account-{i}"), Target::PrincipalAccount(p.name.clone())) }
                }
                if !matches!(p.kind, PrincipalKind::Service | PrincipalKind::AssumedRole | PrincipalKind::Root) {
                    <ul class="pol-list small">{ for policies }</ul>
                    <button type="button" class="btn tiny" onclick={add_policy} data-testid={format!("add-policy-{}", p.name)}>{ "+ identity policy" }</button>
                }
            </li>
        }
    });
    let add_principal = |kind: PrincipalKind, label: &str| {
        let ctx = ctx.clone();
        let onclick =
            Callback::from(move |_| ctx.dispatch(Action::Edit(Edit::AddPrincipal { kind })));
        html! { <button type="button" class="btn tiny" {onclick}>{ label.to_string() }</button> }
    };
    let from_arn = {
        let check = Callback::from(|_: String| None);
        let arn_error = ctx.state.arn_error.clone();
        let reset = ctx.state.form;
        let ctx = ctx.clone();
        let on_commit = Callback::from(move |text: String| {
            ctx.dispatch(Action::Busy(Some("Adding the principal…".into())));
            let d = ctx.state.dispatcher();
            crate::hooks::helper::ask(
                crate::helper::request_add_principal(&ctx.state.scenario, &text),
                move |answer| {
                    d.dispatch(match crate::helper::parse_scenario(&answer) {
                        Ok(scenario) => Action::Replace {
                            scenario,
                            label: format!("add principal {text}"),
                        },
                        Err(why) => Action::ArnRefused(why),
                    })
                },
            );
        });
        html! {
            <>
                <Field label="Add from an ARN (any account)" value="" testid="principal-arn" {check} {on_commit}
                    placeholder="arn:aws:iam::777788889999:role/Auditor" button="Add" {reset} />
                if let Some(why) = &arn_error {
                    <span class="field-error" role="alert" data-testid="principal-arn-error">{ v(why) }</span>
                }
            </>
        }
    };
    let scps = s.scps.iter().enumerate().map(|(i, p)| {
        let ctx2 = ctx.clone();
        let open = {
            let id = PolicyId::Scp(p.name.clone());
            Callback::from(move |_| ctx2.dispatch(Action::OpenPolicy(id.clone())))
        };
        let ctx3 = ctx.clone();
        let remove = Callback::from(move |_| ctx3.dispatch(Action::Edit(Edit::RemoveScp(i))));
        html! { <li><button type="button" class="link" onclick={open}>{ v(&p.name) }</button>
            <button type="button" class="btn tiny ghost" onclick={remove} aria-label={format!("Remove SCP {}", v(&p.name))}>{ "×" }</button></li> }
    });
    let add_scp = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::Edit(Edit::AddScp)))
    };
    let region = {
        let ctx2 = ctx.clone();
        select_action(
            ctx,
            "region".into(),
            "Region",
            &s.region,
            regions,
            Box::new(move |r| {
                propose(&ctx2, Target::Region, r);
                None
            }),
        )
    };

    html! {
        <div class="settings" data-testid="settings" key={ctx.state.form.to_string()}>
            <h2>{ "Settings" }</h2>
            { name_field(ctx, "Account", &s.account, "account".into(), NameKind::Account, Target::Account(s.account.clone())) }
            { region }
            if has(FlowKind::AlbAccessLogs) {
                { named_select(ctx, "alb-delivery", "ALB delivery after the key switch", s.settings.alb_delivery, behaviour_text, Edit::AlbDelivery) }
                { named_select(ctx, "elb-writer", "ELB log writer", s.settings.elb_log_writer,
                    |v| match v { ElbLogWriter::Service => "logdelivery service principal", ElbLogWriter::ElbAccount => "Region's ELB account (legacy)" },
                    Edit::ElbLogWriter) }
            }
            if has(FlowKind::CloudtrailSseKms) {
                { named_select(ctx, "digest-encryption", "Digest files", s.settings.digest_encryption,
                    |v| match v { DigestEncryption::SseKms => "SSE-KMS (current docs)", DigestEncryption::SseS3 => "SSE-S3 (2018 docs)" },
                    Edit::DigestEncryption) }
            }
            if has(FlowKind::S3EncryptInUse) {
                { named_select(ctx, "batch-bucket-key", "Batch copy Bucket Key", s.settings.batch_copy_bucket_key, behaviour_text, Edit::BatchCopyBucketKey) }
            }
            { flows(ctx, &s) }
            { for buckets }
            { for keys }
            { for lbs }
            { for trails }
            { for parameters }
            <fieldset class="group">
                <legend>{ "Principals" }</legend>
                <ul class="principals">{ for principals }</ul>
                { from_arn }
                <div class="row">{ add_principal(PrincipalKind::User, "+ user") }{ add_principal(PrincipalKind::Role, "+ role") }</div>
            </fieldset>
            <fieldset class="group">
                <legend>{ "Service control policies" }</legend>
                if s.scps.is_empty() { <p class="muted small">{ "None: the account is not governed by SCPs." }</p> }
                <ul class="pol-list small">{ for scps }</ul>
                <button type="button" class="btn tiny" onclick={add_scp} data-testid="add-scp">{ "+ SCP" }</button>
            </fieldset>
        </div>
    }
}
