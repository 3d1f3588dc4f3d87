//! Events and states in the operator's words: the text every screen and printout shows.

use crate::model::{Asked, Attendee, Event};

/// One line in the operator's words, for history lists, notices and printouts; a note's
/// newlines and any control character are shown visibly.
pub fn event(event: &Event) -> String {
    crate::safe::visible(&words(event)).into_owned()
}

fn words(event: &Event) -> String {
    match event {
        Event::Install { server, product, level, verified } => format!(
            "{server}: installed {product} level {level}{}",
            verified.as_ref().map_or(" (not verified)".to_string(), |v| format!(", verified: {v}"))
        ),
        Event::Verify { server, product, level, winver } => {
            format!("{server}: verified {product} level {level}: {winver}")
        }
        Event::Backup { server, note } => {
            format!("{server}: full backup confirmed{}", suffix(note))
        }
        Event::Checkout { server, result, note, .. } => {
            format!("{server}: checkout {}{}", result.label(), suffix(note))
        }
        Event::SignOff { phase, group, note, .. } => format!("{group} signed off phase '{phase}'{}", suffix(note)),
        Event::SoakExtended { phase, days, reason, .. } => {
            format!("soak of phase '{phase}' extended {days} days: {reason}")
        }
        Event::Excluded { server, reason, .. } => format!("{server}: excluded: {reason}"),
        Event::PhaseOpened { phase, override_reason, approver, overridden, .. } => match override_reason {
            None => format!("phase '{phase}' opened"),
            Some(r) => format!(
                "phase '{phase}' opened by OVERRIDE ({} unmet), approved by {}: {r}",
                overridden.len(),
                approver.as_deref().unwrap_or("?")
            ),
        },
        Event::BackedOut { server, product, to_level, reason } => {
            format!("{server}: BACKED OUT {product} to level {to_level}: {reason}")
        }
        Event::HotFixApplied { server, hot_fix } => {
            format!("{server}: hot fix {hot_fix} applied")
        }
        Event::RiskOverride { server, priority, reason, approver, .. } => match approver {
            Some(a) => format!("{server}: priority set to {priority}, approved by {a}: {reason}"),
            None => format!("{server}: priority set to {priority}: {reason}"),
        },
        Event::OverrideRequested { asked: Asked::Open { phase, overridden }, reason, .. } => {
            format!("OVERRIDE ASKED: open phase '{phase}' with {} gate item(s) unmet: {reason}", overridden.len())
        }
        Event::OverrideRequested { asked: Asked::Priority { server, priority, .. }, reason, .. } => {
            format!("{server}: OVERRIDE ASKED: priority {priority}: {reason}")
        }
        Event::OverrideConfirmed { request, .. } => format!("override request #{request} confirmed"),
        Event::BaselineChanged { file, changes, note, .. } => {
            let added = changes.iter().filter(|c| c.starts_with("added ")).count();
            format!("{file} replaced: {added} server(s) added, {} changed{}", changes.len() - added, suffix(note))
        }
        Event::OverrideWithdrawn { request, reason, .. } => format!("override request #{request} withdrawn: {reason}"),
        Event::MeetingStarted { title, attendees, .. } => {
            let title = if title.is_empty() { String::new() } else { format!(" \"{title}\"") };
            format!("meeting{title} started; attending: {}", names(attendees))
        }
        Event::MeetingEnded { started, attendees } => {
            format!("meeting #{started} ended; attending: {}", names(attendees))
        }
        Event::MeetingJoined { attendee } => format!("{} joined the meeting{}", attendee.operator, from(attendee)),
        Event::MeetingLeft { operator } => format!("{operator} left the meeting"),
        Event::MeetingDriver { started } => format!("took over as the driver of meeting #{started}"),
        Event::KeyAdded { operator, key, note } => {
            let key = ssh_key::PublicKey::from_openssh(key.trim()).map_or_else(
                |_| "an unreadable key".to_string(),
                |k| k.fingerprint(ssh_key::HashAlg::Sha256).to_string(),
            );
            format!("key {key} added for {operator}{}", suffix(note))
        }
        Event::KeyRevoked { operator, fingerprint, reason } => {
            format!("key {fingerprint} of {operator} REVOKED: {reason}")
        }
        Event::Checkpoint { seq, sum } => format!("checkpoint: event {seq} has sum {sum}"),
    }
}

/// "mtracy, jsmith (from 10.0.0.7)": who attended, and from where when known.
pub fn attendees(attendees: &[Attendee]) -> String {
    crate::safe::visible(&names(attendees)).into_owned()
}

fn names(attendees: &[Attendee]) -> String {
    if attendees.is_empty() {
        return "nobody".to_string();
    }
    attendees.iter().map(|a| format!("{}{}", a.operator, from(a))).collect::<Vec<_>>().join(", ")
}

fn from(a: &Attendee) -> String {
    a.from.as_ref().map_or(String::new(), |f| format!(" (from {f})"))
}

/// What an override request asks for: "open phase 4 (Local high impact) over 6 unmet gate item(s)".
pub fn asked(rollout: &crate::model::Rollout, asked: &Asked) -> String {
    let words = match asked {
        Asked::Open { phase, overridden } => {
            let n = rollout.phase_index(phase).map_or(String::new(), |p| format!("{} ", p + 1));
            format!("open phase {n}({phase}) over {} unmet gate item(s)", overridden.len())
        }
        Asked::Priority { server, priority, .. } => format!("give {server} priority {priority}"),
    };
    crate::safe::visible(&words).into_owned()
}

/// A pending override request in one line: what is asked, by whom, why, and who may confirm it.
pub fn request(
    data: &crate::model::Data,
    rollout: &crate::model::Rollout,
    q: &crate::rules::replay::Request,
) -> String {
    let what = asked(rollout, &q.asked);
    let may: Vec<&str> = data.team.as_ref().map_or_else(Vec::new, |t| {
        t.approvers.iter().filter(|a| **a != q.by && !q.confirmed.contains(a)).map(String::as_str).collect()
    });
    let words = format!(
        "override request #{}: {what}, asked by {} {}: {}; confirmed {} of {}{}",
        q.seq,
        q.by,
        q.at.format("%Y-%m-%d %H:%M"),
        q.reason,
        q.confirmed.len(),
        q.needed,
        if may.is_empty() { String::new() } else { format!(" ({} may confirm)", may.join(", ")) }
    );
    crate::safe::visible(&words).into_owned()
}

fn suffix(note: &str) -> String {
    if note.is_empty() { String::new() } else { format!(": {note}") }
}
