//! The status report built from the state: the fleet's summary, the rollout's phases, gates,
//! waiting-on lines and forecast, in the shape every format prints.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::Data;
use crate::rules::{self, FleetView, State};

use super::*;

pub(super) fn build(place: String, now: DateTime<Utc>, data: &Data, state: &State, rollout: Option<usize>) -> Report {
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
                server: server.name.to_string(),
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
                waiting.entry(a).or_default().push(server.name.to_string());
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
                    server: s.name.to_string(),
                    replaces: old.name.to_string(),
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
                server: i.server.map(|s| state.servers[s].name.to_string()),
                days: i.days,
                at: i.at,
                text: i.text.clone(),
            })
            .collect(),
    }
}
