//! The scenario's settings as ordinary form controls.

use keyflow_sim::edit::Edit;
use keyflow_sim::{
    Behaviour, DigestEncryption, ElbLogWriter, FlowKind, KeyState, Named, PolicyId, PrincipalKind,
    Scenario, Sse, Tier,
};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::AppContext;
use crate::state::Action;

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

/// A `<select>` whose value maps to an edit.
/// Not generic over `make`: one copy of this code serves every select (bundle size).
fn select(
    ctx: &AppContext,
    testid: String,
    label: &str,
    current: &str,
    options: Vec<(String, String)>,
    make: Box<dyn Fn(String) -> Option<Edit>>,
) -> Html {
    let ctx = ctx.clone();
    let onchange = Callback::from(move |e: Event| {
        let v = e.target_unchecked_into::<HtmlSelectElement>().value();
        if let Some(edit) = make(v) {
            ctx.dispatch(Action::Edit(edit));
        }
    });
    let mut options = options;
    if !options.iter().any(|(v, _)| v == current) {
        options.insert(0, (current.to_string(), current.to_string()));
    }
    html! {
        <label class="field">
            <span>{ label.to_string() }</span>
            <select data-testid={testid} {onchange}>
                { for options.into_iter().map(|(v, text)| html! { <option selected={v == current} value={v.clone()}>{ text }</option> }) }
            </select>
        </label>
    }
}

fn key_options(s: &Scenario, managed: &str) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), format!("{managed} (AWS managed)"))];
    for k in &s.keys {
        let value = k.aliases.first().cloned().unwrap_or_else(|| k.id.clone());
        out.push((value.clone(), value));
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

/// Plain function rather than a component: it has no hooks, and each
/// component type costs bundle size.
pub fn settings(ctx: &AppContext) -> Html {
    let s = ctx.state.scenario.clone();
    let on_account = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            if !v.trim().is_empty() {
                ctx.dispatch(Action::Edit(Edit::Account(v.trim().to_string())));
            }
        })
    };
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
                <legend>{ format!("Bucket {}", b.name) }</legend>
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
        select(
            ctx,
            format!("key-state-{}", k.id),
            &format!("Key {name}"),
            k.state.as_str(),
            KeyState::ALL
                .iter()
                .map(|v| (v.as_str().to_string(), text(*v).to_string()))
                .collect(),
            Box::new(move |v| {
                KeyState::from_name(&v).map(|state| Edit::KeyState { key: i, state })
            }),
        )
    });

    let trails = s.trails.iter().enumerate().map(|(i, t)| {
        let mut opts = key_options(&s, "");
        if let Some(first) = opts.first_mut() {
            first.1 = "none (SSE-S3)".into();
        }
        select(
            ctx,
            format!("trail-key-{}", t.name),
            &format!("Trail {} log encryption", t.name),
            t.kms_key.as_deref().unwrap_or(""),
            opts,
            Box::new(move |v| {
                Some(Edit::TrailKey {
                    trail: i,
                    key: (!v.is_empty()).then_some(v),
                })
            }),
        )
    });

    let parameters = s.parameters.iter().enumerate().map(|(i, p)| {
        let tier = select(ctx, format!("param-tier-{}", p.name), "Tier", p.tier.as_str(),
            Tier::ALL.iter().map(|v| (v.as_str().to_string(), v.as_str().to_string())).collect(),
            Box::new(move |v| Tier::from_name(&v).map(|tier| Edit::ParameterTier { parameter: i, tier })));
        let key = select(ctx, format!("param-key-{}", p.name), "KMS key", p.key.as_deref().unwrap_or(""), key_options(&s, "alias/aws/ssm"),
            Box::new(move |v| Some(Edit::ParameterKey { parameter: i, key: (!v.is_empty()).then_some(v) })));
        html! { <fieldset class="group"><legend>{ format!("Parameter {}", p.name) }</legend>{ tier }{ key }</fieldset> }
    });

    let principals = s.principals.iter().enumerate().map(|(i, p)| {
        let rename = {
            let ctx = ctx.clone();
            Callback::from(move |e: Event| {
                let name = e.target_unchecked_into::<HtmlInputElement>().value();
                ctx.dispatch(Action::Edit(Edit::RenamePrincipal { principal: i, name }));
            })
        };
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
                    <button type="button" class="link" onclick={open}>{ pol.name.clone() }</button>
                    <button type="button" class="btn tiny ghost" onclick={drop} aria-label={format!("Remove policy {}", pol.name)}>{ "×" }</button>
                </li>
            }
        });
        html! {
            <li class="principal" data-testid={format!("principal-{}", p.name)}>
                <div class="row">
                    <input class="name" value={p.name.clone()} onchange={rename} aria-label="Principal name" />
                    <span class="muted small">{ kind }</span>
                    <button type="button" class="btn tiny ghost" onclick={remove} aria-label={format!("Remove {}", p.name)}>{ "×" }</button>
                </div>
                if p.kind != PrincipalKind::Service {
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
    let scps = s.scps.iter().enumerate().map(|(i, p)| {
        let ctx2 = ctx.clone();
        let open = {
            let id = PolicyId::Scp(p.name.clone());
            Callback::from(move |_| ctx2.dispatch(Action::OpenPolicy(id.clone())))
        };
        let ctx3 = ctx.clone();
        let remove = Callback::from(move |_| ctx3.dispatch(Action::Edit(Edit::RemoveScp(i))));
        html! { <li><button type="button" class="link" onclick={open}>{ p.name.clone() }</button>
            <button type="button" class="btn tiny ghost" onclick={remove} aria-label={format!("Remove SCP {}", p.name)}>{ "×" }</button></li> }
    });
    let add_scp = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::Edit(Edit::AddScp)))
    };

    html! {
        <div class="settings" data-testid="settings">
            <h2>{ "Settings" }</h2>
            <label class="field">
                <span>{ "Account" }</span>
                <input value={s.account.clone()} onchange={on_account} inputmode="numeric" data-testid="account" />
            </label>
            { select(ctx, "region".into(), "Region", &s.region, regions, Box::new(|v| Some(Edit::Region(v)))) }
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
            { for buckets }
            if !s.keys.is_empty() { <fieldset class="group"><legend>{ "KMS keys" }</legend>{ for keys }</fieldset> }
            if !s.trails.is_empty() { <fieldset class="group"><legend>{ "Trails" }</legend>{ for trails }</fieldset> }
            { for parameters }
            <fieldset class="group">
                <legend>{ "Principals" }</legend>
                <ul class="principals">{ for principals }</ul>
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
