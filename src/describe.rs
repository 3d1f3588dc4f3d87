//! Events and states in the operator's words: the text every screen and printout shows.

use crate::model::Event;

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
        Event::RiskOverride { server, priority, reason, .. } => {
            format!("{server}: priority set to {priority}: {reason}")
        }
    }
}

fn suffix(note: &str) -> String {
    if note.is_empty() { String::new() } else { format!(": {note}") }
}
