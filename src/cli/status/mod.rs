//! `sprout status`: the rollout at a glance, as text, markdown or JSON.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::live::rests::Rest;
use crate::model::Data;
use crate::rules::{self, FleetView, State};

use super::{Context, Format, Outcome, load, rollout_index};

pub(crate) mod compact;
mod signed;

mod text;
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

fn build(place: String, now: DateTime<Utc>, data: &Data, state: &State, rollout: Option<usize>) -> Report {
    let view = FleetView::build(data, state, rollout, now);
    let today = now.date_naive();
    // Roles in fleet.ron's order, so the report reads the way the operator wrote the fleet.
    let order = |role: &str| data.fleet.roles.iter().position(|r| r.id == role).unwrap_or(usize::MAX);
    let mut roles: BTreeMap<(usize, &str), RoleLine> = BTreeMap::new();
    let mut waiting: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut fixes: BTreeMap<(String, &'static str, String), (String, usize)> = BTreeMap::new();
    let (mut violations, mut at_limit, mut advice): (Vec<Behind>, Vec<Behind>, Vec<String>) =
        (Vec::new(), Vec::new(), Vec::new());
    for row in view.rows.iter() {
        let server = &state.servers[row.index];
        let line = roles.entry((order(&server.role), server.role.as_str())).or_insert_with(|| RoleLine {
            role: data.fleet.role_name(&server.role).to_string(),
            servers: 0,
            behind: [0; 4],
            ready: 0,
            blocked: 0,
            superseded: 0,
        });
        line.servers += 1;
        line.behind[usize::from(row.behind.min(3))] += 1;
        line.ready += usize::from(row.ready);
        line.blocked += usize::from(row.blocked);
        line.superseded += usize::from(row.superseded);
        let pending = rules::hotfix::pending(&data.catalog, server, today);
        for cell in &row.levels {
            let Some(p) = data.catalog.product(&cell.product) else {
                continue;
            };
            let text =
                format!("{} {} {}/{}", server.name, p.name, p.level_name(cell.installed), p.level_name(cell.latest));
            let behind = |reason| Behind {
                server: server.name.clone(),
                product: p.id.clone(),
                product_name: p.name.clone(),
                installed: cell.installed,
                installed_name: p.level_name(cell.installed),
                latest: cell.latest,
                latest_name: p.level_name(cell.latest),
                behind: cell.behind,
                reason,
                text: text.clone(),
            };
            match cell.behind {
                0 | 1 => {}
                2 => at_limit.push(behind("at_limit")),
                _ => violations.push(behind("violation")),
            }
            if let Some(a) = rules::advice::wait_for_release(p, cell.behind, &pending, today) {
                waiting.entry(a).or_default().push(server.name.clone());
            }
        }
        for f in pending {
            let key = (f.id.clone(), f.status.word(), f.status.reason());
            fixes.entry(key).or_insert_with(|| (f.title.clone(), 0)).1 += 1;
        }
    }
    for (a, names) in waiting {
        advice.push(format!(
            "{} server{}: {a} ({})",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        ));
    }
    let hot_fixes = fixes
        .into_iter()
        .map(|((id, status, reason), (title, servers))| FixLine { id, title, status, reason, servers })
        .collect();
    Report {
        present: Vec::new(),
        as_of: None,
        signatures: None,
        data: place,
        version: JSON_VERSION,
        now,
        servers: state.servers.len(),
        violations,
        at_limit,
        roles: roles.into_values().collect(),
        hot_fixes,
        advice,
        replacements: state
            .servers
            .iter()
            .filter_map(|s| {
                let old = state.server(s.replaces.as_deref()?)?;
                let d = rules::manifest::differences(&data.catalog, s, old);
                (!d.is_empty()).then(|| Replacement {
                    server: s.name.clone(),
                    replaces: old.name.clone(),
                    differences: d,
                })
            })
            .collect(),
        rollout: view.rollout.as_ref().map(|v| {
            let plan = rules::forecast::forecast(data, state, &view, now).unwrap_or_default();
            rollout_report(data, state, v, &plan)
        }),
    }
}

fn rollout_report(
    data: &Data,
    state: &State,
    v: &rules::RolloutView,
    plan: &rules::forecast::Forecast,
) -> RolloutReport {
    let ro = &data.plan.rollouts[v.rollout];
    let phases = ro
        .phases
        .iter()
        .enumerate()
        .map(|(i, p)| PhaseLine {
            number: i + 1,
            name: p.name.clone(),
            state: match v.current {
                Some(c) if i < c => "done",
                Some(c) if i == c => "current",
                _ => "waiting",
            },
            members: v.members[i].len(),
            window: p.window.label(),
            soak: {
                let extra = state.progress[v.rollout].extra_days[i];
                let w = rules::phase::Window::of(ro, i, extra);
                match extra {
                    0 => format!("{}..{} days", w.min, w.max),
                    _ => format!("{}..{} days (extended {extra})", w.min, w.max),
                }
            },
            soak_min_days: rules::phase::Window::of(ro, i, state.progress[v.rollout].extra_days[i]).min,
            soak_max_days: rules::phase::Window::of(ro, i, state.progress[v.rollout].extra_days[i]).max,
            extended_days: state.progress[v.rollout].extra_days[i],
            opened: plan.phases.get(i).and_then(|p| p.opened),
            projected_open: plan.phases.get(i).and_then(|p| p.open),
            projected_finish: plan.phases.get(i).and_then(|p| p.finish),
            rests_on: Vec::new(),
            opened_seq: rules::rests::opened(state, v.rollout, i),
        })
        .collect();
    let rests = v.current.map(|c| rules::rests::gates(data, state, v.rollout, c, &v.members[c])).unwrap_or_default();
    let gates = v
        .gates
        .iter()
        .map(|g| GateLine {
            gate: g.gate.id,
            label: g.gate.label(),
            met: g.met(),
            unmet: g
                .unmet
                .iter()
                .map(|text| GateItem {
                    // Member gates' lines start with the server's name.
                    server: match g.gate.check {
                        rules::gates::Check::Member(_) => text.split_once(": ").map(|(s, _)| s.to_string()),
                        rules::gates::Check::Phase(_) => None,
                    },
                    reason: g.gate.id,
                    text: text.clone(),
                })
                .collect(),
            rests_on: Vec::new(),
            rests: rests.iter().find(|(d, _)| d.id == g.gate.id).map(|(_, s)| s.clone()).unwrap_or_default(),
        })
        .collect();
    RolloutReport {
        id: ro.id.clone(),
        title: ro.title.clone(),
        bundle: ro.bundle.clone(),
        phases,
        current: v.current.map(|c| c + 1),
        gates,
        halted: v.halted.clone(),
        waiting_on: v
            .waiting
            .iter()
            .map(|w| {
                let (who, _) = w.split_once(": ").unwrap_or(("", w));
                WaitingItem { who: who.to_string(), text: w.clone() }
            })
            .collect(),
        can_advance: v.gates_met() && v.current.is_some_and(|c| c + 1 < ro.phases.len()),
        pending_overrides: state.progress[v.rollout]
            .requests
            .iter()
            .map(|q| PendingOverride {
                request: q.seq,
                asked_by: q.by.clone(),
                at: q.at,
                asks: crate::describe::asked(ro, &q.asked),
                reason: q.reason.clone(),
                confirmed: q.confirmed.clone(),
                needed: q.needed,
                text: crate::describe::request(data, ro, q),
            })
            .collect(),
        projected_end: plan.end,
        delays: plan
            .items
            .iter()
            .map(|i| DelayItem {
                server: i.server.map(|s| state.servers[s].name.clone()),
                days: i.days,
                at: i.at,
                text: i.text.clone(),
            })
            .collect(),
    }
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
