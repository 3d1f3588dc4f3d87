//! Presence: who is looking at what, announced by every running dashboard apart from the
//! journal; it decides nothing and proves nothing.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who is looking at what: announced by every running dashboard, never part of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// One per running dashboard (host, process and start time).
    pub session: String,
    pub operator: String,
    /// The ssh client and sudo user, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub read_only: bool,
    /// The view and selection, in the view's own words (`rollout`, `server BOS-IMS01`).
    pub looking_at: String,
    /// The last heartbeat; older than `Presence::STALE` means gone.
    pub at: DateTime<Utc>,
    /// What a follower mirrors: the view, server, filter and rollout, by name.
    #[serde(default)]
    pub look: Look,
    /// This session asks the room to follow it (the driver of a review meeting).
    #[serde(default)]
    pub presenting: bool,
    /// The operator this session follows, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<String>,
}

/// Where a dashboard is looking, in names a follower can find in its own copy of the state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Look {
    /// The view's tab title (`Fleet`, `Rollout`, ...).
    pub view: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub filter: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<String>,
    /// The cursor's row on a view followed row by row (the agenda).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
}

impl Presence {
    /// What else is said of a person in the people list and `status`: presenting, read-only,
    /// whom they follow.
    pub fn marks(&self) -> Vec<String> {
        let mut marks = Vec::new();
        if self.presenting {
            marks.push("● presenting".to_string());
        }
        if self.read_only {
            marks.push("read-only".to_string());
        }
        if let Some(f) = &self.following {
            marks.push(format!("following {f}"));
        }
        marks
    }

    /// A dashboard that has not beaten for this long is taken to be gone.
    pub const STALE: Duration = Duration::from_secs(30);

    /// Older than `STALE`, or dated in the future beyond the clock tolerance (a heartbeat from
    /// the future would never go stale).
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        let ahead = chrono::Duration::minutes(crate::rules::time::CLOCK_TOLERANCE_MINUTES);
        (now - self.at).to_std().is_ok_and(|age| age > Presence::STALE) || self.at > now + ahead
    }
}
