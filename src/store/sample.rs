//! The embedded sample fleet, seeded with its dates moved so the rollout is in progress today.
//!
//! The assets are dated around `ANCHOR`; seeding shifts every date by the whole days
//! between `ANCHOR` and `now`, and writes a freshly chained journal.

use std::fs;
use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::model::Entry;

use super::{CATALOG, FLEET, JOURNAL, ROLLOUT, journal};

/// The day the sample was written for: its soak clocks read right on this day.
pub const ANCHOR: &str = "2000-11-24T12:00:00Z";

pub const CATALOG_RON: &str = include_str!("../../assets/catalog.ron");
pub const FLEET_RON: &str = include_str!("../../assets/fleet.ron");
pub const ROLLOUT_RON: &str = include_str!("../../assets/rollout.ron");
pub const JOURNAL_RON: &str = include_str!("../../assets/journal.ron");

pub fn anchor() -> DateTime<Utc> {
    ANCHOR.parse().unwrap_or_default()
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{0}: already holds sprout data; refusing to overwrite it")]
    Exists(String),
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the embedded sample is broken: {0}")]
    Sample(String),
}

/// The sample's four files, dated for `now`.
pub fn files(now: DateTime<Utc>) -> Result<Vec<(&'static str, String)>, SeedError> {
    let days = (now.date_naive() - anchor().date_naive()).num_days();
    Ok(vec![
        (CATALOG, shift_dates(CATALOG_RON, days)),
        (FLEET, FLEET_RON.to_string()),
        (ROLLOUT, ROLLOUT_RON.to_string()),
        (JOURNAL, shift_journal(JOURNAL_RON, days)?),
    ])
}

/// Write the sample into `dir` (created if needed); never overwrites existing data.
pub fn seed(dir: &Path, now: DateTime<Utc>) -> Result<(), SeedError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| SeedError::Io { path, source }
    };
    fs::create_dir_all(dir).map_err(io(dir))?;
    for name in [CATALOG, FLEET, ROLLOUT, JOURNAL] {
        if dir.join(name).exists() {
            return Err(SeedError::Exists(dir.join(name).display().to_string()));
        }
    }
    for (name, text) in files(now)? {
        let path = dir.join(name);
        super::dir::atomic::write(&path, text.as_bytes()).map_err(io(&path))?;
    }
    Ok(())
}

/// Move every quoted `"YYYY-MM-DD"` date by `days`, leaving the rest of the text as it is.
fn shift_dates(text: &str, days: i64) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(q) = rest.find('"') {
        out.push_str(&rest[..=q]);
        rest = &rest[q + 1..];
        let candidate = rest.get(..11).filter(|c| c.ends_with('"'));
        if let Some(date) = candidate.and_then(|c| c[..10].parse::<NaiveDate>().ok()) {
            out.push_str(&(date + Duration::days(days)).to_string());
            out.push('"');
            rest = &rest[11..];
        }
    }
    out.push_str(rest);
    out
}

/// Re-date and re-chain the sample journal (the asset's own sums are not trusted).
fn shift_journal(text: &str, days: i64) -> Result<String, SeedError> {
    let mut out = String::new();
    // Each directory made from the sample gets an identity of its own.
    let mut prev = journal::new_identity();
    for (n, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let e: Entry = ron::from_str(line).map_err(|e| SeedError::Sample(format!("journal.ron:{}: {e}", n + 1)))?;
        let at = e.at + Duration::days(days);
        let (entry, line) =
            journal::encode(e.seq, at, &e.by, e.from, e.event, &prev).map_err(|e| SeedError::Sample(e.to_string()))?;
        prev = entry.sum;
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifting_moves_quoted_dates_only() {
        let text = "(released: \"2000-11-24\", name: \"SP4\", note: \"2000-11-24 is not quoted alone\")";
        let shifted = shift_dates(text, 10);
        assert!(shifted.contains("\"2000-12-04\""), "{shifted}");
        assert!(shifted.contains("\"2000-11-24 is not quoted alone\""), "{shifted}");
    }

    #[test]
    fn the_embedded_journal_is_a_valid_chain_at_the_anchor() {
        let parsed = journal::parse(JOURNAL_RON).expect("assets/journal.ron must verify as written");
        assert!(parsed.torn.is_none());
        assert!(parsed.entries.len() > 30);
    }
}
