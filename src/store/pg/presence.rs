//! Presence in a table: one row per running dashboard, its operator and time set by the server
//! (`session_user`, `now()`); a role may change only its own rows (row-level security).

use chrono::{DateTime, Utc};

use crate::store::Presence;

use super::PgStore;

/// A flood of announcements is read only so far.
const MOST: i64 = 1000;

impl PgStore {
    pub(super) fn announce_now(&self, presence: &Presence) -> Result<(), String> {
        let body = serde_json::to_string(presence).map_err(|e| e.to_string())?;
        self.reader.with(|c| {
            c.execute(
                "INSERT INTO presence (session, body) VALUES ($1, $2) ON CONFLICT (session) DO UPDATE SET body = EXCLUDED.body",
                &[&presence.session, &body],
            )
            .map(|_| ())
        })
    }

    pub(super) fn present_now(&self, now: DateTime<Utc>) -> (Vec<Presence>, bool) {
        let rows = self
            .reader
            .with(|c| c.query("SELECT operator, body, at FROM presence ORDER BY at DESC LIMIT $1", &[&(MOST + 1)]));
        let Ok(rows) = rows else { return (Vec::new(), false) };
        let complete = rows.len() as i64 <= MOST;
        let people = rows
            .iter()
            .take(MOST as usize)
            .filter_map(|r| {
                let mut p: Presence = serde_json::from_str(&r.get::<_, String>(1)).ok()?;
                // Who and when are the server's word, not the announcement's.
                p.operator = r.get(0);
                p.at = r.get(2);
                Some(p)
            })
            .filter(|p| !p.is_stale(now))
            .collect();
        (people, complete)
    }

    pub(super) fn withdraw_now(&self, session: &str) {
        let _ = self.reader.with(|c| c.execute("DELETE FROM presence WHERE session = $1", &[&session]));
    }
}
