//! What an event is about, asked of every event by the rules and the views: its server, rollout
//! and phase, the authority it needs, the free text in it, and its kind.

use super::{Asked, Attendee, Event};

/// An event's free texts, each with what it is called (`Event::texts`).
pub type Texts<'a> = smallvec::SmallVec<[(&'static str, &'a str); 3]>;

impl Event {
    /// The server the event is about, if any.
    pub fn server(&self) -> Option<&str> {
        match self {
            Event::Install { server, .. }
            | Event::Verify { server, .. }
            | Event::Backup { server, .. }
            | Event::Checkout { server, .. }
            | Event::Excluded { server, .. }
            | Event::BackedOut { server, .. }
            | Event::HotFixApplied { server, .. }
            | Event::RiskOverride { server, .. }
            | Event::OverrideRequested { asked: Asked::Priority { server, .. }, .. } => Some(server),
            Event::SignOff { .. }
            | Event::SoakExtended { .. }
            | Event::PhaseOpened { .. }
            | Event::OverrideRequested { asked: Asked::Open { .. }, .. }
            | Event::OverrideConfirmed { .. }
            | Event::OverrideWithdrawn { .. }
            | Event::BaselineChanged { .. }
            | Event::MeetingStarted { .. }
            | Event::MeetingEnded { .. }
            | Event::MeetingJoined { .. }
            | Event::MeetingLeft { .. }
            | Event::MeetingDriver { .. }
            | Event::KeyAdded { .. }
            | Event::KeyRevoked { .. }
            | Event::Checkpoint { .. } => None,
        }
    }

    pub fn rollout(&self) -> Option<&str> {
        match self {
            Event::Checkout { rollout, .. }
            | Event::SignOff { rollout, .. }
            | Event::SoakExtended { rollout, .. }
            | Event::Excluded { rollout, .. }
            | Event::PhaseOpened { rollout, .. }
            | Event::RiskOverride { rollout, .. }
            | Event::OverrideRequested { rollout, .. }
            | Event::OverrideConfirmed { rollout, .. }
            | Event::OverrideWithdrawn { rollout, .. } => Some(rollout),
            Event::MeetingStarted { rollout, .. } => rollout.as_deref(),
            Event::MeetingEnded { .. }
            | Event::MeetingJoined { .. }
            | Event::MeetingLeft { .. }
            | Event::MeetingDriver { .. }
            | Event::KeyAdded { .. }
            | Event::KeyRevoked { .. }
            | Event::Checkpoint { .. } => None,
            Event::Install { .. }
            | Event::Verify { .. }
            | Event::Backup { .. }
            | Event::BackedOut { .. }
            | Event::HotFixApplied { .. }
            | Event::BaselineChanged { .. } => None,
        }
    }

    /// The phase the event names, if any.
    pub fn phase(&self) -> Option<&str> {
        match self {
            Event::Checkout { phase, .. }
            | Event::SignOff { phase, .. }
            | Event::SoakExtended { phase, .. }
            | Event::PhaseOpened { phase, .. }
            | Event::OverrideRequested { asked: Asked::Open { phase, .. }, .. } => Some(phase),
            Event::Install { .. }
            | Event::Verify { .. }
            | Event::Backup { .. }
            | Event::Excluded { .. }
            | Event::BackedOut { .. }
            | Event::HotFixApplied { .. }
            | Event::RiskOverride { .. }
            | Event::OverrideRequested { asked: Asked::Priority { .. }, .. }
            | Event::OverrideConfirmed { .. }
            | Event::OverrideWithdrawn { .. }
            | Event::BaselineChanged { .. }
            | Event::MeetingStarted { .. }
            | Event::MeetingEnded { .. }
            | Event::MeetingJoined { .. }
            | Event::MeetingLeft { .. }
            | Event::MeetingDriver { .. }
            | Event::KeyAdded { .. }
            | Event::KeyRevoked { .. }
            | Event::Checkpoint { .. } => None,
        }
    }

    /// What recording this event means when only an approver may record it (with a team).
    /// Overrides themselves are asked for by anyone and confirmed by approvers (`rules::approval`).
    pub fn approval(&self) -> Option<&'static str> {
        match self {
            Event::SignOff { .. } => Some("sign off for a group"),
            Event::BackedOut { .. } => Some("back out an install"),
            // Excluding a member takes it out of its phase's gates, as a priority would.
            Event::Excluded { .. } => Some("exclude a server from a rollout"),
            Event::OverrideConfirmed { .. } => Some("confirm an override"),
            Event::PhaseOpened { .. }
            | Event::RiskOverride { .. }
            | Event::OverrideRequested { .. }
            | Event::OverrideWithdrawn { .. }
            | Event::Install { .. }
            | Event::Verify { .. }
            | Event::Backup { .. }
            | Event::Checkout { .. }
            | Event::SoakExtended { .. }
            | Event::HotFixApplied { .. }
            | Event::BaselineChanged { .. }
            // Anyone in the room may open, close or note who came and went.
            | Event::MeetingStarted { .. }
            | Event::MeetingEnded { .. }
            | Event::MeetingJoined { .. }
            | Event::MeetingLeft { .. }
            | Event::MeetingDriver { .. }
            // Approvers of key changes and checkpoints may be named outside the data directory;
            // the write path and verify ask them (`rules::keys`).
            | Event::KeyAdded { .. }
            | Event::KeyRevoked { .. }
            | Event::Checkpoint { .. } => None,
        }
    }

    /// The free text an operator typed into the event (notes, reasons, what winver showed, an
    /// approver's name), with what each is called. Held inline: asked of every event a load
    /// judges and every write.
    pub fn texts(&self) -> Texts<'_> {
        match self {
            Event::Install { verified, .. } => verified.iter().map(|v| ("what winver showed", v.as_str())).collect(),
            Event::Verify { winver, .. } => smallvec::smallvec![("what winver showed", winver.as_str())],
            Event::Backup { note, .. } | Event::Checkout { note, .. } | Event::SignOff { note, .. } => {
                smallvec::smallvec![("the note", note.as_str())]
            }
            Event::SoakExtended { reason, .. }
            | Event::Excluded { reason, .. }
            | Event::BackedOut { reason, .. }
            | Event::OverrideWithdrawn { reason, .. } => smallvec::smallvec![("the reason", reason.as_str())],
            Event::RiskOverride { reason, approver, .. } => std::iter::once(("the reason", reason.as_str()))
                .chain(approver.iter().map(|a| ("the approver", a.as_str())))
                .collect(),
            Event::OverrideRequested { reason, .. } => smallvec::smallvec![("the override reason", reason.as_str())],
            Event::OverrideConfirmed { .. } => Texts::new(),
            Event::BaselineChanged { changes, note, .. } => std::iter::once(("the note", note.as_str()))
                .chain(changes.iter().map(|c| ("a change", c.as_str())))
                .collect(),
            Event::PhaseOpened { override_reason, approver, .. } => override_reason
                .iter()
                .map(|r| ("the override reason", r.as_str()))
                .chain(approver.iter().map(|a| ("the approver", a.as_str())))
                .collect(),
            Event::HotFixApplied { .. } => Texts::new(),
            Event::MeetingStarted { title, attendees, .. } => std::iter::once(("the meeting's title", title.as_str()))
                .chain(attendees.iter().flat_map(Attendee::texts))
                .collect(),
            Event::MeetingEnded { attendees, .. } => attendees.iter().flat_map(Attendee::texts).collect(),
            Event::MeetingJoined { attendee } => attendee.texts().collect(),
            Event::MeetingLeft { operator } => smallvec::smallvec![("an attendee", operator.as_str())],
            Event::MeetingDriver { .. } | Event::Checkpoint { .. } => Texts::new(),
            Event::KeyAdded { operator, key, note } => {
                smallvec::smallvec![
                    ("the operator", operator.as_str()),
                    ("the key", key.as_str()),
                    ("the note", note.as_str())
                ]
            }
            Event::KeyRevoked { operator, fingerprint, reason } => {
                smallvec::smallvec![
                    ("the operator", operator.as_str()),
                    ("the fingerprint", fingerprint.as_str()),
                    ("the reason", reason.as_str())
                ]
            }
        }
    }

    /// The kind words shown in lists and accepted by filters, indexed by `kind_index`.
    pub const KINDS: &[&'static str] = &[
        "install",
        "verify",
        "backup",
        "checkout",
        "signoff",
        "extend",
        "exclude",
        "advance",
        "backout",
        "hotfix",
        "priority",
        "request",
        "confirm",
        "withdraw",
        "baseline",
        "meeting",
        "adjourn",
        "join",
        "leave",
        "driver",
        "key",
        "revoke",
        "checkpoint",
    ];

    /// The kind word shown in lists and accepted by filters.
    pub fn kind(&self) -> &'static str {
        Event::KINDS.get(usize::from(self.kind_index())).copied().unwrap_or("event")
    }

    pub fn kind_index(&self) -> u8 {
        match self {
            Event::Install { .. } => 0,
            Event::Verify { .. } => 1,
            Event::Backup { .. } => 2,
            Event::Checkout { .. } => 3,
            Event::SignOff { .. } => 4,
            Event::SoakExtended { .. } => 5,
            Event::Excluded { .. } => 6,
            Event::PhaseOpened { .. } => 7,
            Event::BackedOut { .. } => 8,
            Event::HotFixApplied { .. } => 9,
            Event::RiskOverride { .. } => 10,
            Event::OverrideRequested { .. } => 11,
            Event::OverrideConfirmed { .. } => 12,
            Event::OverrideWithdrawn { .. } => 13,
            Event::BaselineChanged { .. } => 14,
            Event::MeetingStarted { .. } => 15,
            Event::MeetingEnded { .. } => 16,
            Event::MeetingJoined { .. } => 17,
            Event::MeetingLeft { .. } => 18,
            Event::MeetingDriver { .. } => 19,
            Event::KeyAdded { .. } => 20,
            Event::KeyRevoked { .. } => 21,
            Event::Checkpoint { .. } => 22,
        }
    }
}
