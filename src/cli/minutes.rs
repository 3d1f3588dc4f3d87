//! `sprout minutes`: a meeting's span of the journal as Markdown minutes: who attended, the
//! state at its start, every record made during it, the state at its end and the open items.

use std::io::Write;

use chrono::{DateTime, Duration, Utc};

use crate::live::{self, Loaded, Until};
use crate::model::{Entry, Event};

use super::markdown::inline;
use super::status::compact::summary;
use super::{Context, Failure, Outcome, rollout_index};

/// The part of the journal the minutes cover.
struct Span {
    title: String,
    /// The meeting's start line, when the minutes are of a meeting.
    start: Option<Entry>,
    /// Its end line; `None` while it is open (or for a span by time).
    end: Option<Entry>,
    /// From and to (the end's time, `--until`, or now while open).
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// The state just before the span's business, and at its end.
    before: Loaded,
    after: Loaded,
    /// The span's events, in order (a meeting's own start and end included).
    entries: Vec<Entry>,
}

fn kind(word: &str) -> u8 {
    Event::KINDS.iter().position(|k| *k == word).map_or(u8::MAX, |k| k as u8)
}

/// Journal positions of every event of kind `word`.
fn positions(loaded: &Loaded, word: &str) -> Vec<usize> {
    let k = kind(word);
    loaded.data.journal.lines.iter().enumerate().filter(|(_, l)| l.kind == k).map(|(p, _)| p).collect()
}

fn entry(loaded: &Loaded, pos: usize) -> Result<Entry, Failure> {
    loaded.entries(&[pos]).map_err(Failure)?.pop().ok_or_else(|| Failure(format!("journal line #{} is gone", pos + 1)))
}

/// The meeting whose start is line `seq` (else the last one), its end if recorded, and the span.
fn meeting(ctx: &Context, live: Loaded, seq: Option<u64>) -> Result<Span, Failure> {
    let starts = positions(&live, "meeting");
    let pos = match seq {
        Some(n) => {
            let pos = usize::try_from(n).ok().and_then(|n| n.checked_sub(1)).filter(|&p| p < live.data.journal.len());
            let Some(pos) = pos.filter(|p| starts.contains(p)) else {
                return Err(Failure(format!(
                    "journal line #{n} is not the start of a meeting (sprout journal meeting lists them)"
                )));
            };
            pos
        }
        None => *starts.last().ok_or_else(|| {
            Failure(
                "no meeting in the journal yet: start one with sprout meeting start, or ask for --since TIME".into(),
            )
        })?,
    };
    let start = entry(&live, pos)?;
    let Event::MeetingStarted { title, .. } = &start.event else {
        return Err(Failure(format!("journal line #{} is not the start of a meeting", start.seq)));
    };
    let title = if title.is_empty() { "Review meeting".to_string() } else { title.clone() };
    let mut end = None;
    for p in positions(&live, "adjourn").into_iter().filter(|&p| p > pos) {
        let e = entry(&live, p)?;
        if matches!(e.event, Event::MeetingEnded { started, .. } if started == start.seq) {
            end = Some(e);
            break;
        }
    }
    let store = ctx.store();
    let before = live::load_until(&store, Until::Seq(start.seq - 1))?;
    let (to, after) = match &end {
        Some(e) => (e.at, live::load_until(&store, Until::Seq(e.seq))?),
        None => (ctx.now, live),
    };
    let entries = read(&after, before.data.journal.len())?;
    Ok(Span { title, from: start.at, to, start: Some(start), end, before, after, entries })
}

/// The span from `since` to `until` (or now): events at or after `since`, before `until`.
fn by_time(ctx: &Context, since: DateTime<Utc>, until: Option<DateTime<Utc>>) -> Result<Span, Failure> {
    let store = ctx.store();
    let just_before = |t: DateTime<Utc>| Until::Time(t - Duration::nanoseconds(1));
    let before = live::load_until(&store, just_before(since))?;
    let after = match until {
        Some(u) => live::load_until(&store, just_before(u))?,
        None => live::load(&store)?,
    };
    let entries = read(&after, before.data.journal.len())?;
    let to = until.unwrap_or(ctx.now);
    let title = format!("Journal from {} to {}", since.format("%Y-%m-%d %H:%M"), to.format("%Y-%m-%d %H:%M UTC"));
    Ok(Span { title, start: None, end: None, from: since, to, before, after, entries })
}

/// The events of `loaded` from position `first` on.
fn read(loaded: &Loaded, first: usize) -> Result<Vec<Entry>, Failure> {
    let positions: Vec<usize> = (first..loaded.data.journal.len()).collect();
    loaded.entries(&positions).map_err(Failure)
}

pub fn run(
    ctx: &Context,
    meeting_seq: Option<u64>,
    since: Option<String>,
    until: Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let time = |t: &str, what| super::journal::time(t, what);
    let span = match since {
        Some(since) => by_time(ctx, time(&since, "since")?, until.as_deref().map(|u| time(u, "until")).transpose()?)?,
        None => meeting(ctx, super::load(ctx, err)?, meeting_seq)?,
    };
    // The rollout on the table: the meeting's, else --rollout or the first.
    let named = span.start.as_ref().and_then(|s| s.event.rollout()).map(str::to_string);
    let rollout = rollout_index(&span.after, named.as_deref().or(ctx.rollout.as_deref()))?;
    out.write_all(minutes(&span, rollout).as_bytes())?;
    Ok(())
}

fn hm(t: DateTime<Utc>) -> String {
    t.format("%H:%M").to_string()
}

fn minutes(span: &Span, rollout: Option<usize>) -> String {
    let mut o = format!("# Minutes: {}\n\n", inline(&span.title));
    let minutes = (span.to - span.from).num_minutes();
    let open = span.start.is_some() && span.end.is_none();
    o.push_str(&format!(
        "- when: {} {} to {} UTC ({minutes} minutes){}\n",
        span.from.format("%Y-%m-%d"),
        hm(span.from),
        if span.to.date_naive() == span.from.date_naive() {
            hm(span.to)
        } else {
            span.to.format("%Y-%m-%d %H:%M").to_string()
        },
        if open { ", still open: these minutes are so far" } else { "" }
    ));
    if let Some(s) = &span.start {
        o.push_str(&format!("- started by {} (journal #{})", inline(&s.by), s.seq));
        if let Some(e) = &span.end {
            o.push_str(&format!(", ended by {} (#{})", inline(&e.by), e.seq));
        }
        o.push('\n');
    }
    if let Some(r) = rollout {
        let ro = &span.after.data.plan.rollouts[r];
        o.push_str(&format!("- rollout: {} ({})\n", inline(&ro.id), inline(&ro.title)));
    }
    attendance(&mut o, span);
    let at = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let (before, _) = summary(&span.before.data, &span.before.state, rollout, span.from);
    o.push_str(&format!("\n## State at the start ({})\n\n{before}", at(span.from)));
    records(&mut o, span);
    let (after, open_items) = summary(&span.after.data, &span.after.state, rollout, span.to);
    let heading = if open { "State so far" } else { "State at the end" };
    o.push_str(&format!("\n## {heading} ({})\n\n{after}", at(span.to)));
    o.push_str("\n## Open items\n\n");
    if open_items.is_empty() {
        o.push_str("Nothing is waiting.\n");
    } else {
        o.push_str("| owner | item |\n|---|---|\n");
        for (owner, item) in open_items {
            o.push_str(&format!("| {} | {} |\n", inline(&owner), inline(&item)));
        }
    }
    o
}

/// Who was there: at the start, who came and went with their times, and at the end.
fn attendance(o: &mut String, span: &Span) {
    o.push_str("\n## Attendees\n\n");
    let names = |a: &[crate::model::Attendee]| inline(&crate::describe::attendees(a));
    match span.start.as_ref().map(|s| &s.event) {
        Some(Event::MeetingStarted { attendees, .. }) => o.push_str(&format!("- at the start: {}\n", names(attendees))),
        _ => o.push_str("- no meeting was started in this span\n"),
    }
    for e in &span.entries {
        let line = match &e.event {
            Event::MeetingJoined { attendee } => {
                format!("{} joined", names(std::slice::from_ref(attendee)))
            }
            Event::MeetingLeft { operator } => format!("{} left", inline(operator)),
            Event::MeetingDriver { .. } => format!("{} took over as the driver", inline(&e.by)),
            // A span by time may hold whole meetings.
            Event::MeetingStarted { attendees, .. } if span.start.is_none() => {
                format!("meeting #{} started, attending: {}", e.seq, names(attendees))
            }
            Event::MeetingEnded { started, attendees } if span.start.is_none() => {
                format!("meeting #{started} ended, attending: {}", names(attendees))
            }
            _ => continue,
        };
        o.push_str(&format!("- {}: {line} (by {}, #{})\n", hm(e.at), inline(&e.by), e.seq));
    }
    if let Some(Event::MeetingEnded { attendees, .. }) = span.end.as_ref().map(|e| &e.event) {
        o.push_str(&format!("- at the end: {}\n", names(attendees)));
    } else if let Some(m) = span.start.as_ref().and(span.after.state.meeting.as_ref()) {
        o.push_str(&format!("- attending now: {}\n", names(&m.attendees)));
    }
}

/// Who approved what an event records: a named approver, or the approver who confirmed.
fn approver(e: &Entry) -> String {
    match &e.event {
        Event::PhaseOpened { approver: Some(a), .. } | Event::RiskOverride { approver: Some(a), .. } => a.clone(),
        Event::OverrideConfirmed { .. } => e.by.clone(),
        _ => String::new(),
    }
}

/// Every record made during the span, in journal order (attendance apart).
fn records(o: &mut String, span: &Span) {
    let during = if span.start.is_some() { "during the meeting" } else { "in this span" };
    o.push_str(&format!("\n## Records made {during}\n\n"));
    let business: Vec<&Entry> = span
        .entries
        .iter()
        .filter(|e| {
            !matches!(
                e.event,
                Event::MeetingStarted { .. }
                    | Event::MeetingEnded { .. }
                    | Event::MeetingJoined { .. }
                    | Event::MeetingLeft { .. }
                    | Event::MeetingDriver { .. }
            )
        })
        .collect();
    if business.is_empty() {
        o.push_str("Nothing was recorded.\n");
        return;
    }
    o.push_str("| # | time | by | kind | what, and why | approver |\n|---|---|---|---|---|---|\n");
    for e in &business {
        let mut what = crate::describe::event(&e.event);
        // A confirmation names only its request: say what was asked, when the span holds it.
        if let Event::OverrideConfirmed { rollout, request } = &e.event
            && let Some(Event::OverrideRequested { asked, .. }) =
                business.iter().find(|q| q.seq == *request).map(|q| &q.event)
            && let Some(ro) = span.after.data.plan.rollouts.iter().find(|r| &r.id == rollout)
        {
            what.push_str(&format!(": {}", crate::describe::asked(ro, asked)));
        }
        o.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            e.seq,
            hm(e.at),
            inline(&e.by),
            e.event.kind(),
            inline(&what),
            inline(&approver(e))
        ));
    }
}
