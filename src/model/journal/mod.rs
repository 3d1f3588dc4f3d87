//! Journal events: everything that changes state, one line each, append-only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod about;
pub mod skip;

/// One journal line. `seq`, `prev` and `sum` make the chain that detects damage:
/// `sum` is a checksum of the line itself, `prev` the previous line's `sum`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    #[serde(with = "skip::at")]
    pub at: DateTime<Utc>,
    /// The operator: the OS account of the recording process.
    pub by: String,
    /// Where the operator came from (ssh client, sudo user), when known.
    #[serde(default, skip_serializing_if = "skip::none")]
    pub from: Option<String>,
    pub event: Event,
    pub prev: String,
    /// The operator's SSH signature over the line's canonical bytes, when the write path had a
    /// key (`docs/data-format.md`, "The envelope"). Lines without one load as before.
    #[serde(default, skip_serializing_if = "skip::none")]
    pub sig: Option<Signature>,
    pub sum: String,
}

impl Entry {
    /// The bytes a signature covers: the entry's line with `sig` left out and `sum:""` (who,
    /// when, what and its place in the chain). An unsigned line as written is its own canonical
    /// form. Re-encoded from the parsed entry, so what is verified is what sprout acts on.
    pub fn canonical(&self) -> Result<String, ron::Error> {
        ron::to_string(&Entry { sig: None, sum: String::new(), ..self.clone() })
    }
}

/// An SSHSIG signature (namespace `sprout-event`) and the fingerprint of the key that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// `SHA256:...`, as `ssh-keygen -l` shows it.
    pub key: String,
    /// The armored signature, `-----BEGIN SSH SIGNATURE-----...`.
    pub sig: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CheckoutResult {
    Pass,
    Concern,
    Fail,
}

impl CheckoutResult {
    pub fn label(self) -> &'static str {
        match self {
            CheckoutResult::Pass => "Pass",
            CheckoutResult::Concern => "Concern",
            CheckoutResult::Fail => "Fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A service pack installed; `verified` holds what `winver` showed, if checked.
    Install {
        server: String,
        product: String,
        level: u8,
        #[serde(default, skip_serializing_if = "skip::none")]
        verified: Option<String>,
    },
    /// Verification of an earlier install (seed: `winver`).
    Verify {
        server: String,
        product: String,
        level: u8,
        winver: String,
    },
    /// A full backup confirmed before an install (seed: "Always do a full backup").
    Backup {
        server: String,
        note: String,
    },
    Checkout {
        rollout: String,
        server: String,
        phase: String,
        result: CheckoutResult,
        note: String,
    },
    SignOff {
        rollout: String,
        phase: String,
        group: String,
        note: String,
    },
    SoakExtended {
        rollout: String,
        phase: String,
        days: u32,
        reason: String,
    },
    Excluded {
        rollout: String,
        server: String,
        reason: String,
    },
    PhaseOpened {
        rollout: String,
        phase: String,
        /// Set when a gate was unmet: why it was opened anyway.
        #[serde(default, skip_serializing_if = "skip::none")]
        override_reason: Option<String>,
        #[serde(default, skip_serializing_if = "skip::none")]
        approver: Option<String>,
        /// The unmet gates at the time, as they were shown.
        #[serde(default, skip_serializing_if = "skip::empty_vec")]
        overridden: Vec<String>,
    },
    /// A failed install backed out: the server returns to `to_level`.
    BackedOut {
        server: String,
        product: String,
        to_level: u8,
        reason: String,
    },
    HotFixApplied {
        server: String,
        hot_fix: String,
    },
    /// Override of the derived upgrade priority. Without a team, `approver` names who approved
    /// it; with a team it is asked for and confirmed instead (`OverrideRequested`).
    RiskOverride {
        rollout: String,
        server: String,
        priority: u8,
        reason: String,
        #[serde(default, skip_serializing_if = "skip::none")]
        approver: Option<String>,
    },
    /// With a team: an override asked for, which takes effect when the approvers it needs (none
    /// of them the one who asked) have confirmed it.
    OverrideRequested {
        rollout: String,
        asked: Asked,
        reason: String,
        /// How many approvers must confirm it: the plan's count when it was asked, kept so
        /// that a later edit of rollout.ron does not change a decision already under way.
        needs: u8,
    },
    /// An approver's confirmation of the pending request whose line has seq `request`.
    OverrideConfirmed {
        rollout: String,
        request: u64,
    },
    /// The pending request `request` withdrawn by whoever asked, or declined by an approver.
    OverrideWithdrawn {
        rollout: String,
        request: u64,
        reason: String,
    },
    /// A baseline file replaced (an import into fleet.ron): its new contents' BLAKE3 hash and
    /// what changed, so the history says when and by whom the inventory changed.
    BaselineChanged {
        file: String,
        hash: String,
        changes: Vec<String>,
        note: String,
    },
    /// A review meeting begins: what follows until `MeetingEnded` is its business. Who was
    /// there is taken from presence at that moment, since presence itself is never kept.
    MeetingStarted {
        /// The rollout on the table, whose state the minutes show.
        #[serde(default, skip_serializing_if = "skip::none")]
        rollout: Option<String>,
        #[serde(default, skip_serializing_if = "skip::empty_string")]
        title: String,
        attendees: Vec<Attendee>,
    },
    /// The meeting that began on line `started` ends, with whoever is there at the end.
    MeetingEnded {
        started: u64,
        attendees: Vec<Attendee>,
    },
    /// Someone came into the open meeting (their dashboard appeared, or the driver says so).
    MeetingJoined {
        attendee: Attendee,
    },
    /// Someone left the open meeting.
    MeetingLeft {
        operator: String,
    },
    /// Whoever records it takes over as the driver of the meeting begun on line `started`
    /// (they present; followers follow them).
    MeetingDriver {
        started: u64,
    },
    /// An approver trusts `key` (an OpenSSH public key line) to sign for `operator` from the
    /// next sequence number on. It has effect only when signed by an approver's trusted key
    /// (`rules::keys`); the trust root outside the data directory stays authoritative.
    KeyAdded {
        operator: String,
        key: String,
        #[serde(default, skip_serializing_if = "skip::empty_string")]
        note: String,
    },
    /// An approver revokes `operator`'s key `fingerprint` (`SHA256:...`): it signs nothing after
    /// this sequence number; the events it signed before still verify.
    KeyRevoked {
        operator: String,
        fingerprint: String,
        reason: String,
    },
    /// An approver's signed checkpoint of the head it was appended to: the event with sequence
    /// `seq` has sum `sum`. Its line, kept outside the directory, proves everything before it.
    Checkpoint {
        seq: u64,
        sum: String,
    },
}

/// Who attended a meeting: an operator's name and, when known, where from (presence's `from`:
/// ssh client address, sudo user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub operator: String,
    #[serde(default, skip_serializing_if = "skip::none")]
    pub from: Option<String>,
}

impl Attendee {
    fn texts(&self) -> impl Iterator<Item = (&'static str, &str)> {
        std::iter::once(("an attendee", self.operator.as_str()))
            .chain(self.from.iter().map(|f| ("where an attendee came from", f.as_str())))
    }
}

/// What an override request asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Asked {
    /// Open `phase` although the gate items in `overridden` (as shown when asked) are unmet.
    Open { phase: String, overridden: Vec<String> },
    /// Give `server` priority `priority`, which may move it between phases; `overridden` are
    /// its unmet gate items in the current phase when asked.
    Priority {
        server: String,
        priority: u8,
        // Always written: requests are kept in the derived-state cache, which skips nothing.
        #[serde(default)]
        overridden: Vec<String>,
    },
}

#[cfg(test)]
mod tests;
