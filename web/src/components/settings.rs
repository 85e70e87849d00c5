//! The scenario's settings as ordinary form controls.

use keyflow_sim::{
    Behaviour, DigestEncryption, ElbLogWriter, KeyState, PrincipalKind, Scenario, Sse, Tier,
};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::AppContext;
use crate::state::{Action, Edit};

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

fn behaviour(b: Behaviour) -> String {
    b.as_str().to_string()
}

fn parse_behaviour(v: &str) -> Behaviour {
    if v == "documented" {
        Behaviour::Documented
    } else {
        Behaviour::Observed
    }
}

fn both() -> Vec<(String, String)> {
    vec![
        ("observed".into(), "as observed (source post)".into()),
        ("documented".into(), "as documented".into()),
    ]
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
    let has = |kind: &str| s.flows.iter().any(|f| f.kind() == kind);

    let buckets = s.buckets.iter().enumerate().map(|(i, b)| {
        let enc = &b.default_encryption;
        let sse = select(ctx, format!("bucket-sse-{}", b.name), "Default encryption", enc.sse.as_str(),
            vec![("SSE-S3".into(), "SSE-S3".into()), ("SSE-KMS".into(), "SSE-KMS".into()), ("NOT-SSE".into(), "none (before 2023)".into())],
            Box::new(move |v| Some(Edit::BucketSse { bucket: i, sse: match v.as_str() { "SSE-KMS" => Sse::Kms, "NOT-SSE" => Sse::None, _ => Sse::S3 } })));
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
        let state = match k.state {
            KeyState::Enabled => "Enabled",
            KeyState::Disabled => "Disabled",
            KeyState::PendingDeletion => "PendingDeletion",
        };
        let name = k.aliases.first().cloned().unwrap_or_else(|| k.id.clone());
        select(
            ctx,
            format!("key-state-{}", k.id),
            &format!("Key {name}"),
            state,
            vec![
                ("Enabled".into(), "Enabled".into()),
                ("Disabled".into(), "Disabled".into()),
                ("PendingDeletion".into(), "Pending deletion".into()),
            ],
            Box::new(move |v| {
                Some(Edit::KeyState {
                    key: i,
                    state: match v.as_str() {
                        "Disabled" => KeyState::Disabled,
                        "PendingDeletion" => KeyState::PendingDeletion,
                        _ => KeyState::Enabled,
                    },
                })
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
        let tier = select(ctx, format!("param-tier-{}", p.name), "Tier", if p.tier == Tier::Advanced { "Advanced" } else { "Standard" },
            vec![("Standard".into(), "Standard".into()), ("Advanced".into(), "Advanced".into())],
            Box::new(move |v| Some(Edit::ParameterTier { parameter: i, tier: if v == "Advanced" { Tier::Advanced } else { Tier::Standard } })));
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
                let id = format!("identity:{}/{}", p.name, pol.name);
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
            let id = format!("scp:{}", p.name);
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
            if has("alb-access-logs") {
                { select(ctx, "alb-delivery".into(), "ALB delivery after the key switch", &behaviour(s.settings.alb_delivery), both(), Box::new(|v| Some(Edit::AlbDelivery(parse_behaviour(&v))))) }
                { select(ctx, "elb-writer".into(), "ELB log writer", if s.settings.elb_log_writer == ElbLogWriter::Service { "service" } else { "elb-account" },
                    vec![("service".into(), "logdelivery service principal".into()), ("elb-account".into(), "Region's ELB account (legacy)".into())],
                    Box::new(|v| Some(Edit::ElbLogWriter(if v == "elb-account" { ElbLogWriter::ElbAccount } else { ElbLogWriter::Service })))) }
            }
            if has("cloudtrail-sse-kms") {
                { select(ctx, "digest-encryption".into(), "Digest files", if s.settings.digest_encryption == DigestEncryption::SseS3 { "sse-s3" } else { "sse-kms" },
                    vec![("sse-kms".into(), "SSE-KMS (current docs)".into()), ("sse-s3".into(), "SSE-S3 (2018 docs)".into())],
                    Box::new(|v| Some(Edit::DigestEncryption(if v == "sse-s3" { DigestEncryption::SseS3 } else { DigestEncryption::SseKms })))) }
            }
            if has("s3-encrypt-in-use") {
                { select(ctx, "batch-bucket-key".into(), "Batch copy Bucket Key", &behaviour(s.settings.batch_copy_bucket_key), both(), Box::new(|v| Some(Edit::BatchCopyBucketKey(parse_behaviour(&v))))) }
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
