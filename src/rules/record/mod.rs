//! What the journal may accept: each event checked against the latest state, with the exact refusal.
//! Building an event from what the operator meant is `intent`'s job; this only checks.

use chrono::{DateTime, Utc};

use crate::model::{Data, Event};

use super::hotfix::{self, HotFixStatus};
use super::lookup::{Refusal, phase_index, refuse, rollout_index, server_index};
use super::replay::State;
use super::time::{in_time_order, window_warning};
use super::view::placement;

/// The longest one extension of a soak may be.
pub const MAX_EXTENSION_DAYS: u32 = 365;

fn need_text(what: &str, text: &str) -> Result<(), Refusal> {
    if text.trim().is_empty() { refuse(format!("{what} is required")) } else { Ok(()) }
}

/// Check `event`, recorded by `operator`, against the rules at `now`. `Ok` carries warnings.
pub fn check(
    data: &Data,
    state: &State,
    event: &Event,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, Refusal> {
    in_time_order(data.journal.last_at, now)
        .map_err(|r| Refusal(format!("this host's clock says {r}: set its clock (NTP) and record again")))?;
    rules(data, state, event, operator, now)
}

/// Everything `check` asks but the clock: what `rules::check::history` asks again of every
/// event in the journal, at its own time (its texts aside: `rules_of_plain_text`).
pub fn rules(
    data: &Data,
    state: &State,
    event: &Event,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, Refusal> {
    // Text that reaches other operators' terminals holds no control or direction character.
    for (what, text) in event.texts() {
        if let Some(bad) = crate::safe::find_unsafe(text) {
            return refuse(format!(
                "{what} holds control or direction characters ({bad}); type it as plain text on one line"
            ));
        }
    }
    rules_of_plain_text(data, state, event, operator, now)
}

/// `rules` for an event whose texts are known to hold no unsafe character (`rules::check::event`
/// found no problem in it): what a replay that judges every event asks, without looking at
/// its texts a second time.
pub fn rules_of_plain_text(
    data: &Data,
    state: &State,
    event: &Event,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, Refusal> {
    super::authority::check(data, state, event, operator)?;
    super::approval::check(data, state, event, operator, now)?;
    let today = now.date_naive();
    let mut warnings = Vec::new();
    match event {
        Event::Install { server, product, level, .. } => {
            let i = server_index(state, server)?;
            let s = &state.servers[i];
            let Some(p) = data.catalog.product(product) else {
                return refuse(format!("unknown product '{product}': it is not in catalog.ron"));
            };
            let Some(&current) = s.products.get(product) else {
                return refuse(format!("{server} does not run {}", p.name));
            };
            let Some(sp) = p.service_pack(*level) else {
                return refuse(format!("{} has no service pack level {level} in catalog.ron", p.name));
            };
            if sp.released > today {
                return refuse(format!("{} {} is not released until {}", p.name, sp.name, sp.released));
            }
            if current >= *level {
                let rollout = data.plan.rollouts.iter().position(|ro| &ro.product == product && ro.target == *level);
                let installed = rollout.is_some_and(|r| state.progress[r].members[i].installed_at.is_some());
                return refuse(match rollout {
                    Some(_) if !installed => format!(
                        "{server} already has {} {}: it counts as installed; record its verification (sprout record verify {server} WINVER)",
                        p.name,
                        p.level_name(current)
                    ),
                    _ => format!("{server} already has {} {}", p.name, p.level_name(current)),
                });
            }
            for req in &sp.requires {
                let have = s.products.get(&req.product).copied().unwrap_or(0);
                if have < req.level {
                    let rp = data.catalog.product(&req.product);
                    let name = |l| rp.map_or(format!("level {l}"), |rp| rp.level_name(l));
                    let rname = rp.map_or(req.product.as_str(), |rp| rp.name.as_str());
                    return refuse(format!(
                        "blocked: {} {} requires {rname} {} on {server}, which has {}; install that first",
                        p.name,
                        sp.name,
                        name(req.level),
                        name(have)
                    ));
                }
            }
            if let Some(f) = super::time::freeze(data.fleet.site(&s.site), now) {
                return refuse(format!(
                    "site {} is in a change freeze from {} to {} ({}): no installs on {server} until it ends",
                    s.site,
                    f.from,
                    f.to,
                    crate::safe::visible(&f.reason)
                ));
            }
            let backed_up = state.backup_confirmed(i);
            if !backed_up {
                return refuse(format!(
                    "no full backup of {server} is confirmed since its last install: confirm one first (sprout record backup {server})"
                ));
            }
            for (r, ro) in data.plan.rollouts.iter().enumerate() {
                if &ro.product != product || ro.target != *level {
                    continue;
                }
                let record = &state.progress[r].members[i];
                let (_, _, phase) = placement(ro, record, s);
                let Some(phase) = phase else {
                    return refuse(format!("{server} matches no phase of rollout '{}'", ro.id));
                };
                if record.excluded.is_some() {
                    return refuse(format!("{server} is excluded from rollout '{}'", ro.id));
                }
                let Some(current) = state.progress[r].current else {
                    return refuse(format!("rollout '{}' has not opened its first phase: run sprout advance", ro.id));
                };
                if phase > current {
                    return refuse(format!(
                        "{server} is in phase {} ({}), which is not open; the current phase is {} ({})",
                        phase + 1,
                        ro.phases[phase].name,
                        current + 1,
                        ro.phases[current].name
                    ));
                }
                if let Some(halt) = super::waiting::halted(ro, state, &state.progress[r], current)
                    && record.backed_out_at.is_none()
                {
                    return refuse(format!("phase {} is {halt}", current + 1));
                }
                if record.installed_at.is_none()
                    && record.backed_out_at.is_none()
                    && let Some(hold) = super::stagger::hold(data, state, r, phase, i, now)
                {
                    return refuse(hold.describe(phase));
                }
                if let Some(w) = window_warning(ro.phases[phase].window, data.fleet.site(&s.site), now) {
                    warnings.push(w);
                }
            }
        }
        Event::Verify { server, product, level, winver } => {
            let i = server_index(state, server)?;
            need_text("what winver showed", winver)?;
            if state.servers[i].products.get(product) != Some(level) {
                return refuse(format!("{server} is not at level {level} of '{product}': record the install first"));
            }
        }
        Event::Backup { server, .. } => {
            server_index(state, server)?;
        }
        Event::HotFixApplied { server, hot_fix } => {
            let i = server_index(state, server)?;
            let s = &state.servers[i];
            let Some((p, fix)) = data.catalog.hot_fix(hot_fix) else {
                return refuse(format!("unknown hot fix '{hot_fix}': it is not in catalog.ron"));
            };
            if !s.products.contains_key(&p.id) {
                return refuse(format!("{server} does not run {}", p.name));
            }
            if s.hot_fixes.iter().any(|h| h == hot_fix) {
                return refuse(format!("{server} already has {hot_fix}"));
            }
            match hotfix::status(p, fix, s, today) {
                Some(HotFixStatus::Ready) => {}
                Some(HotFixStatus::Blocked { install }) => {
                    return refuse(format!("{hot_fix} is blocked on {server}: install {} {install} first", p.name));
                }
                Some(HotFixStatus::Superseded { in_sp }) => {
                    return refuse(format!("{hot_fix} is in {} {in_sp}: install the service pack instead", p.name));
                }
                None => {
                    return refuse(format!(
                        "{server} does not need {hot_fix}: its level already covers it, or role '{}' does not have the problem and the fix is not publicised",
                        s.role
                    ));
                }
            }
        }
        Event::Checkout { rollout, server, phase, note: _, .. } => {
            let r = rollout_index(data, rollout)?;
            let i = server_index(state, server)?;
            let ro = &data.plan.rollouts[r];
            let record = &state.progress[r].members[i];
            let Some(member_of) = placement(ro, record, &state.servers[i]).2 else {
                return refuse(format!("{server} is not a member of rollout '{rollout}'"));
            };
            if phase_index(ro, phase)? != member_of {
                return refuse(format!(
                    "{server} is a member of phase {} ({}), not of '{phase}'",
                    member_of + 1,
                    ro.phases[member_of].name
                ));
            }
            if record.excluded.is_some() {
                return refuse(format!("{server} is excluded from rollout '{rollout}'"));
            }
            if record.installed_at.is_none() {
                let at_target = state.servers[i].products.get(&ro.product).is_some_and(|&l| l >= ro.target);
                return refuse(if at_target {
                    format!("{server} had the target already: it needs no soak or checkout, only its verification")
                } else {
                    format!("no install of the target is recorded on {server}: nothing is soaking to check out")
                });
            }
        }
        Event::SignOff { rollout, phase, group, .. } => {
            let r = rollout_index(data, rollout)?;
            let ro = &data.plan.rollouts[r];
            let p = phase_index(ro, phase)?;
            let needed = &ro.phases[p].signoffs;
            if !needed.contains(group) {
                return refuse(format!(
                    "phase {} ({}) needs no sign-off from '{group}'; it needs: {}",
                    p + 1,
                    ro.phases[p].name,
                    if needed.is_empty() { "none".to_string() } else { needed.join(", ") }
                ));
            }
            if let Some(s) = state.progress[r].signoffs[p].iter().find(|s| &s.group == group) {
                return refuse(format!(
                    "{group} already signed off phase {} ({} by {})",
                    p + 1,
                    s.at.format("%Y-%m-%d"),
                    s.by
                ));
            }
        }
        Event::SoakExtended { rollout, phase, days, reason } => {
            let r = rollout_index(data, rollout)?;
            phase_index(&data.plan.rollouts[r], phase)?;
            need_text("a reason to extend the soak", reason)?;
            if *days == 0 {
                return refuse("extend the soak by at least one day");
            }
            if *days > MAX_EXTENSION_DAYS {
                return refuse(format!(
                    "extend the soak by at most {MAX_EXTENSION_DAYS} days at a time, not {days}; a longer hold is an exclusion"
                ));
            }
        }
        Event::Excluded { rollout, server, reason } => {
            let r = rollout_index(data, rollout)?;
            let i = server_index(state, server)?;
            need_text("a reason to exclude a server", reason)?;
            let ro = &data.plan.rollouts[r];
            let record = &state.progress[r].members[i];
            if placement(ro, record, &state.servers[i]).2.is_none() {
                return refuse(format!("{server} is not a member of rollout '{rollout}'"));
            }
            if record.excluded.is_some() {
                return refuse(format!("{server} is already excluded from rollout '{rollout}'"));
            }
        }
        Event::PhaseOpened { rollout, phase, override_reason, .. } => {
            let r = rollout_index(data, rollout)?;
            let ro = &data.plan.rollouts[r];
            let p = phase_index(ro, phase)?;
            let current = state.progress[r].current;
            let next = current.map_or(0, |c| c + 1);
            if p != next {
                return match ro.phases.get(next) {
                    Some(n) => {
                        refuse(format!("the next phase of '{rollout}' is {} ({}), not '{phase}'", next + 1, n.name))
                    }
                    None => refuse(format!("rollout '{rollout}' is in its last phase; there is no phase to open")),
                };
            }
            let unmet = super::approval::unmet(data, state, r, now);
            if !unmet.is_empty() {
                let reason = override_reason.as_deref().unwrap_or("");
                if reason.trim().is_empty() {
                    let how = match data.team {
                        Some(_) => "an override reason, which asks the team's approvers to confirm it",
                        None => "an override reason and an approver",
                    };
                    let mut shown = unmet.iter().take(5).cloned().collect::<Vec<_>>().join("; ");
                    if unmet.len() > 5 {
                        shown.push_str(&format!("; and {} more (sprout status lists them)", unmet.len() - 5));
                    }
                    return refuse(format!(
                        "gate unmet for phase {next}: {} item(s): {shown}; opening phase {} anyway needs {how}",
                        unmet.len(),
                        next + 1
                    ));
                }
            }
        }
        Event::BackedOut { server, product, to_level, reason } => {
            let i = server_index(state, server)?;
            need_text("a reason for the back-out", reason)?;
            // Another product's installed pack may need this one's level: it stays.
            for (other, &level) in &state.servers[i].products {
                let Some(op) = data.catalog.product(other).filter(|_| other != product) else { continue };
                let needs = op
                    .service_packs
                    .iter()
                    .filter(|sp| sp.level <= level)
                    .flat_map(|sp| sp.requires.iter().map(move |r| (sp, r)));
                let mut broken = needs.filter(|(_, r)| &r.product == product && r.level > *to_level);
                if let Some((sp, req)) = broken.next() {
                    let name = data
                        .catalog
                        .product(product)
                        .map_or(format!("level {}", req.level), |p| format!("{} {}", p.name, p.level_name(req.level)));
                    return refuse(format!(
                        "backing {product} out to level {to_level} would break {} {} on {server}, which requires {name}: back that out first",
                        op.name, sp.name
                    ));
                }
            }
            match state.servers[i].products.get(product) {
                Some(&l) if l > *to_level => {}
                Some(_) => {
                    return refuse(format!(
                        "{server} has no install of '{product}' above level {to_level} to back out"
                    ));
                }
                None => return refuse(format!("{server} does not run '{product}'")),
            }
        }
        Event::RiskOverride { rollout, server, priority, reason, .. } => {
            rollout_index(data, rollout)?;
            server_index(state, server)?;
            need_text("a reason to override the priority", reason)?;
            if !(1..=3).contains(priority) {
                return refuse(format!("priority must be 1, 2 or 3, not {priority}"));
            }
        }
        // Checked by `approval`.
        Event::OverrideRequested { .. } | Event::OverrideConfirmed { .. } | Event::OverrideWithdrawn { .. } => {}
        Event::MeetingStarted { .. }
        | Event::MeetingEnded { .. }
        | Event::MeetingJoined { .. }
        | Event::MeetingLeft { .. } => super::meeting::check(state.meeting.as_ref(), event)?,
        Event::MeetingDriver { started } => super::meeting::take_over(state.meeting.as_ref(), *started, operator)?,
        Event::KeyAdded { .. } | Event::KeyRevoked { .. } | Event::Checkpoint { .. } => super::keys::check(event)?,
        Event::BaselineChanged { file, hash, .. } => {
            if file != "fleet.ron" {
                return refuse(format!("only fleet.ron is replaced by an import, not '{file}'"));
            }
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return refuse("a baseline change names the new file's BLAKE3 hash (64 hex digits)");
            }
        }
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests;
