//! `sprout journal`: the events, filtered like the dashboard's Journal view and by time, as
//! text or as typed JSON.

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::model::Event;

use super::{Context, Failure, Format, Outcome, load};

/// RFC 3339, or a date (its midnight, UTC).
pub(super) fn time(text: &str, what: &str) -> Result<DateTime<Utc>, Failure> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            Failure(format!("--{what} {text}: expected a time (2026-11-24T12:00:00Z) or a date (2026-11-24)"))
        })
}

#[derive(Serialize)]
struct Line<'a> {
    seq: u64,
    at: DateTime<Utc>,
    by: &'a str,
    from: Option<&'a str>,
    kind: &'static str,
    server: Option<&'a str>,
    text: String,
    event: &'a Event,
    /// `verified`, `unsigned`, `bad`, `unknown key` or `revoked` (as `sprout verify` judges it).
    signature: &'static str,
    /// `?` or `✗` where the event is not proven and signatures matter (the dashboard's mark).
    mark: Option<&'static str>,
}

pub fn run(
    ctx: &Context,
    filter: &str,
    since: Option<&str>,
    until: Option<&str>,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let (since, until) = (since.map(|t| time(t, "since")).transpose()?, until.map(|t| time(t, "until")).transpose()?);
    let loaded = load(ctx, err)?;
    let names = crate::views::Names::build(&loaded.state);
    let positions: Vec<usize> = match crate::views::journal::journal_filter(&loaded, &names, filter) {
        Some(p) => p.into_iter().map(|p| p as usize).collect(),
        None => (0..loaded.data.journal.len()).collect(),
    };
    let json = matches!(format, Format::Json);
    let signing = if json { Some(crate::live::signing::Signing::at_head(&loaded).map_err(Failure)?) } else { None };
    if json {
        writeln!(out, "{{\n  \"version\": {},\n  \"events\": [", super::status::JSON_VERSION)?;
    }
    let mut first = true;
    // Read from the store a slice at a time: a million events never sit in memory at once.
    for chunk in positions.chunks(10_000) {
        let entries = loaded.entries(chunk).map_err(Failure)?;
        // Signatures verified on both cores, a slice at a time.
        let mut judged = signing.as_ref().map_or_else(Vec::new, |s| {
            crate::parallel::halves(&entries, |_, part| part.iter().map(|e| s.judge(e)).collect::<Vec<_>>()).concat()
        });
        judged.reverse();
        for e in entries {
            let judged = judged.pop();
            if since.is_some_and(|s| e.at < s) || until.is_some_and(|u| e.at >= u) {
                continue;
            }
            let text = crate::describe::event(&e.event);
            if let (Some(signing), Some(judged)) = (&signing, judged) {
                let mark = if signing.in_use() { signing.mark(&e, &judged).map(|m| m.symbol()) } else { None };
                let line = Line {
                    seq: e.seq,
                    at: e.at,
                    by: &e.by,
                    from: e.from.as_deref(),
                    kind: e.event.kind(),
                    server: e.event.server(),
                    text,
                    event: &e.event,
                    signature: judged.verdict.mark(),
                    mark,
                };
                let item = crate::safe::json(&line)?.replace('\n', "\n    ");
                write!(out, "{}    {item}", if first { "" } else { ",\n" })?;
            } else {
                let by = crate::safe::visible(&e.by);
                writeln!(
                    out,
                    "#{:<6} {} {:<10} {:<9} {text}",
                    e.seq,
                    e.at.format("%Y-%m-%d %H:%M"),
                    by,
                    e.event.kind()
                )?;
            }
            first = false;
        }
    }
    if json {
        writeln!(out, "{}  ]\n}}", if first { "" } else { "\n" })?;
    }
    Ok(())
}
