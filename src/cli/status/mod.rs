//! `sprout status`: the rollout at a glance, as text, markdown or JSON.

use std::io::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::live::rests::Rest;
use crate::model::Data;
use crate::rules::State;

use super::{Context, Format, Outcome, load, rollout_index};

pub(crate) mod compact;
mod signed;

mod build;
mod text;
use build::build;
use text::text;

/// The version of the JSON every command prints (docs/json.md).
pub const JSON_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
struct Report {
    version: u32,
    data: String,
    now: chrono::DateTime<chrono::Utc>,
    servers: usize,
    violations: Vec<Behind>,
    at_limit: Vec<Behind>,
    roles: Vec<RoleLine>,
    hot_fixes: Vec<FixLine>,
    advice: Vec<String>,
    /// Replacement servers whose manifest does not match the server they replace yet.
    replacements: Vec<Replacement>,
    rollout: Option<RolloutReport>,
    /// Who has a dashboard open on this data now (presence: not data, never the journal); left
    /// empty for a status `as_of` a past time.
    present: Vec<Here>,
    /// Set when this is history (`--as-of`): the journal replayed up to this time only.
    as_of: Option<chrono::DateTime<chrono::Utc>>,
    /// Each event's signature where signatures matter (docs/json.md); `null` where no key is
    /// trusted and none required.
    signatures: Option<crate::live::verdicts::Signatures>,
}

/// One person present, and where they are looking.
#[derive(Debug, Serialize)]
struct Here {
    operator: String,
    from: Option<String>,
    read_only: bool,
    looking_at: String,
    presenting: bool,
    following: Option<String>,
    at: chrono::DateTime<chrono::Utc>,
    /// The words the people list says of them (text and Markdown only).
    #[serde(skip)]
    marks: Vec<String>,
}

impl From<crate::store::Presence> for Here {
    fn from(p: crate::store::Presence) -> Here {
        let marks = p.marks();
        Here {
            marks,
            operator: p.operator,
            from: p.from,
            read_only: p.read_only,
            looking_at: p.looking_at,
            presenting: p.presenting,
            following: p.following,
            at: p.at,
        }
    }
}

/// A server's product two or more service packs behind.
#[derive(Debug, Serialize)]
struct Behind {
    server: String,
    product: String,
    product_name: String,
    installed: u8,
    installed_name: String,
    latest: u8,
    latest_name: String,
    behind: u8,
    /// "at_limit" (two behind) or "violation" (three or more).
    reason: &'static str,
    text: String,
}

/// One unmet gate item: the server it is about (none for a sign-off or a role), why (the gate's
/// id), and the text every screen shows.
#[derive(Debug, Serialize)]
struct GateItem {
    server: Option<String>,
    reason: &'static str,
    text: String,
}

/// One thing the phase waits on, and on whom.
#[derive(Debug, Serialize)]
struct WaitingItem {
    who: String,
    text: String,
}

#[derive(Debug, Serialize)]
struct PendingOverride {
    request: u64,
    asked_by: String,
    at: chrono::DateTime<chrono::Utc>,
    asks: String,
    reason: String,
    confirmed: Vec<String>,
    needed: u8,
    text: String,
}

#[derive(Debug, Serialize)]
struct Replacement {
    server: String,
    replaces: String,
    differences: Vec<String>,
}

#[derive(Debug, Serialize)]
struct RoleLine {
    role: String,
    servers: usize,
    /// Servers 0, 1, 2 and 3+ behind.
    behind: [usize; 4],
    ready: usize,
    blocked: usize,
    superseded: usize,
}

#[derive(Debug, Serialize)]
struct FixLine {
    id: String,
    title: String,
    status: &'static str,
    reason: String,
    servers: usize,
}

#[derive(Debug, Serialize)]
struct PhaseLine {
    number: usize,
    name: String,
    state: &'static str,
    members: usize,
    window: &'static str,
    soak: String,
    /// The soak window the gates use: the plan's with every extension added.
    soak_min_days: u32,
    soak_max_days: u32,
    extended_days: u32,
    /// When it opened, from the journal.
    opened: Option<DateTime<Utc>>,
    /// The forecast (rules::forecast): the earliest it can open (once opened, when it did) and
    /// finish; `null` when a freeze leaves no install window within two years.
    projected_open: Option<DateTime<Utc>>,
    projected_finish: Option<DateTime<Utc>>,
    /// The event that opened it, when its operator's key does not prove it (docs/json.md).
    rests_on: Vec<Rest>,
    #[serde(skip)]
    opened_seq: Option<u64>,
}

/// An open item of the current phase and the days it holds the projected end back.
#[derive(Debug, Serialize)]
struct DelayItem {
    server: Option<String>,
    /// Days the projected end would come earlier were this item met now.
    days: Option<i64>,
    /// When it is projected to be met.
    at: Option<DateTime<Utc>>,
    text: String,
}

#[derive(Debug, Serialize)]
struct GateLine {
    gate: &'static str,
    label: &'static str,
    met: bool,
    unmet: Vec<GateItem>,
    /// The events its facts rest on that their operators' keys do not prove: a met gate still
    /// counts, and says so.
    rests_on: Vec<Rest>,
    #[serde(skip)]
    rests: Vec<u64>,
}

#[derive(Debug, Serialize)]
struct RolloutReport {
    id: String,
    title: String,
    bundle: Vec<String>,
    phases: Vec<PhaseLine>,
    current: Option<usize>,
    gates: Vec<GateLine>,
    halted: Option<String>,
    waiting_on: Vec<WaitingItem>,
    can_advance: bool,
    /// Override requests waiting for their approvers.
    pending_overrides: Vec<PendingOverride>,
    /// When the last phase's gates can be met, by the forecast.
    projected_end: Option<DateTime<Utc>>,
    /// The current phase's open items, the costliest first.
    delays: Vec<DelayItem>,
}

/// The status as Markdown, for a change record (the dashboard's `:copy status`).
pub fn markdown(place: String, data: &Data, state: &State, rollout: Option<usize>, now: DateTime<Utc>) -> String {
    text(&build(place, now, data, state, rollout), true)
}

pub fn run(ctx: &Context, format: Format, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let loaded = load(ctx, err)?;
    let r = rollout_index(&loaded, ctx.rollout.as_deref())?;
    let mut report = build(ctx.store().place(), ctx.now, &loaded.data, &loaded.state, r);
    report.as_of = ctx.as_of;
    if let Some(built) = crate::live::verdicts::build(&loaded).map_err(super::Failure)? {
        if let Some(ro) = &mut report.rollout {
            signed::rests_on(&loaded, &built, ro).map_err(super::Failure)?;
        }
        report.signatures = Some(built.signatures);
    }
    if ctx.as_of.is_none() {
        report.present = ctx.store().present(ctx.now).into_iter().map(Here::from).collect();
    }
    let text = match format {
        Format::Json => crate::safe::json(&report)? + "\n",
        Format::Text => text(&report, false),
        Format::Markdown => text(&report, true),
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}
