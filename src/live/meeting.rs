//! The review meeting through the one write path: who attends is read from the store's presence
//! at the moment of recording (presence is not data; the events keep what the minutes need).
//! One call each for the dashboard's key and the command line: `start`, `end`, `join`, `leave`,
//! and `follow_presence` for the driver's dashboard to note who came and went.

use chrono::{DateTime, Utc};

use crate::model::Attendee;
use crate::rules::Intent;
use crate::rules::meeting::{MeetingIntent, attendees};
use crate::store::Operator;

use super::{Loaded, Recorded, WriteError, WriteOptions, record_in};

/// Everyone whose dashboard is announced at `now`, and `operator` (who may have none: a command
/// line), once each. Presence is what dashboards claim, not proof of who sat in the room; a
/// presence file whose name the journal would refuse (empty, control characters) is left out
/// rather than let it refuse the whole meeting.
pub fn present(loaded: &Loaded, operator: &Operator, now: DateTime<Utc>) -> Vec<Attendee> {
    attendees_of(loaded.store.present(now), operator)
}

/// The attendees `present` makes of a presence list.
fn attendees_of(present: Vec<crate::store::Presence>, operator: &Operator) -> Vec<Attendee> {
    let fit = |text: &str| crate::rules::meeting::account_name(text);
    let present = present.into_iter().filter(|p| fit(&p.operator)).map(|p| {
        // Where from is a few plain characters or left out (never a second name).
        Attendee { operator: p.operator, from: p.from.filter(|f| crate::safe::plain_place(f)) }
    });
    attendees(present, Attendee { operator: operator.name.clone(), from: operator.from.clone() })
}

fn record(
    loaded: &mut Loaded,
    operator: &Operator,
    now: DateTime<Utc>,
    options: WriteOptions,
    rollout: Option<&str>,
    intent: MeetingIntent,
    on_wait: impl FnMut(&str),
) -> Result<Recorded, WriteError> {
    let make = |data: &_, state: &_, _: &str| Intent::Meeting(intent).event(data, state, rollout, now);
    record_in(loaded, operator, now, options, make, on_wait)
}

/// Start a meeting about `rollout` (its id, else the first), with everyone present now.
pub fn start(
    loaded: &mut Loaded,
    operator: &Operator,
    now: DateTime<Utc>,
    options: WriteOptions,
    rollout: Option<&str>,
    title: String,
    on_wait: impl FnMut(&str),
) -> Result<Recorded, WriteError> {
    let attendees = present(loaded, operator, now);
    record(loaded, operator, now, options, rollout, MeetingIntent::Start { title, attendees }, on_wait)
}

/// End the open meeting, with everyone present now.
pub fn end(
    loaded: &mut Loaded,
    operator: &Operator,
    now: DateTime<Utc>,
    options: WriteOptions,
    on_wait: impl FnMut(&str),
) -> Result<Recorded, WriteError> {
    let attendees = present(loaded, operator, now);
    record(loaded, operator, now, options, None, MeetingIntent::End { attendees }, on_wait)
}

/// Note that `attendee` came into the open meeting (recorded by `operator`, the driver).
pub fn join(
    loaded: &mut Loaded,
    operator: &Operator,
    now: DateTime<Utc>,
    options: WriteOptions,
    attendee: Attendee,
    on_wait: impl FnMut(&str),
) -> Result<Recorded, WriteError> {
    record(loaded, operator, now, options, None, MeetingIntent::Join { attendee }, on_wait)
}

/// Note that `who` left the open meeting.
pub fn leave(
    loaded: &mut Loaded,
    operator: &Operator,
    now: DateTime<Utc>,
    options: WriteOptions,
    who: &str,
    on_wait: impl FnMut(&str),
) -> Result<Recorded, WriteError> {
    record(loaded, operator, now, options, None, MeetingIntent::Leave { operator: who.to_string() }, on_wait)
}

/// What the driver's dashboard has seen of presence during a meeting: since when each operator
/// has been present, since when each has been gone, and who was ever seen. A join is recorded
/// once someone has been present for `settle`, a leave once someone seen during the meeting has
/// been gone for `settle`: a dashboard flickering in and out (or a flood of files) cannot fill
/// the journal, and someone who joined by `sprout meeting join` without a dashboard is never
/// taken to have left.
#[derive(Debug, Default, Clone)]
pub struct Attendance {
    meeting: u64,
    here_since: std::collections::HashMap<String, (Attendee, std::time::Instant)>,
    gone_since: std::collections::HashMap<String, std::time::Instant>,
    seen: std::collections::HashSet<String>,
}

/// How long a presence must hold before the driver's dashboard minutes it.
pub const SETTLE: std::time::Duration = std::time::Duration::from_secs(10);

/// For the driver's dashboard, on each presence change: record who has settled in and who has
/// settled out (see `Attendance`). Nothing when no meeting is open; no leave at all when the
/// store could not look at every presence. Stops at the first write that fails.
pub fn follow_presence(
    loaded: &mut Loaded,
    operator: &Operator,
    now: DateTime<Utc>,
    options: WriteOptions,
    attendance: &mut Attendance,
    settle: std::time::Duration,
    mut on_wait: impl FnMut(&str),
) -> Result<Vec<Recorded>, WriteError> {
    let Some(meeting) = &loaded.state.meeting else { return Ok(Vec::new()) };
    if attendance.meeting != meeting.seq {
        *attendance = Attendance { meeting: meeting.seq, ..Attendance::default() };
    }
    // One read of presence: who is here, and whether the read saw everyone.
    let (list, complete) = loaded.store.present_complete(now);
    let here = attendees_of(list, operator);
    let at = std::time::Instant::now();
    attendance.here_since.retain(|op, _| here.iter().any(|a| &a.operator == op));
    for a in &here {
        attendance.here_since.entry(a.operator.clone()).or_insert_with(|| (a.clone(), at));
        attendance.gone_since.remove(&a.operator);
        attendance.seen.insert(a.operator.clone());
    }
    if complete {
        for a in &meeting.attendees {
            if !here.iter().any(|h| h.operator == a.operator) {
                attendance.gone_since.entry(a.operator.clone()).or_insert(at);
            }
        }
    } else {
        attendance.gone_since.clear();
    }
    let joined: Vec<Attendee> = attendance
        .here_since
        .values()
        .filter(|(a, since)| since.elapsed() >= settle && !meeting.attending(&a.operator))
        .map(|(a, _)| a.clone())
        .collect();
    let left: Vec<String> = meeting
        .attendees
        .iter()
        .map(|a| a.operator.clone())
        .filter(|op| {
            op != &operator.name
                && attendance.seen.contains(op)
                && attendance.gone_since.get(op).is_some_and(|since| since.elapsed() >= settle)
        })
        .collect();
    let mut recorded = Vec::new();
    for attendee in joined {
        recorded.push(join(loaded, operator, now, options, attendee, &mut on_wait)?);
    }
    for who in left {
        attendance.gone_since.remove(&who);
        recorded.push(leave(loaded, operator, now, options, &who, &mut on_wait)?);
    }
    Ok(recorded)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::live::fixture::now;
    use crate::store::{MemoryStore, Presence, Store};

    fn presence(operator: &str, at: DateTime<Utc>) -> Presence {
        Presence {
            session: format!("host-{operator}"),
            operator: operator.into(),
            from: Some(format!("{operator}.example")),
            read_only: true,
            looking_at: "rollout".into(),
            at,
            look: Default::default(),
            presenting: false,
            following: None,
        }
    }

    #[test]
    fn a_meeting_takes_its_attendees_from_presence_and_follows_who_comes_and_goes() {
        let store: Arc<dyn Store> = MemoryStore::sample(now()).expect("sample").arc();
        store.announce(&presence("jsmith", now())).expect("announce");
        let mut loaded = super::super::load(&store).expect("load");
        let driver = Operator { name: "mtracy".into(), from: None };
        let opts = WriteOptions::default();
        let started = start(&mut loaded, &driver, now(), opts, None, "Weekly".into(), |_| {}).expect("start");
        let meeting = loaded.state.meeting.clone().expect("open");
        assert_eq!(meeting.seq, started.entry.seq);
        assert_eq!(meeting.rollout.as_deref(), Some("ex55-sp4"));
        let names: Vec<&str> = meeting.attendees.iter().map(|a| a.operator.as_str()).collect();
        assert_eq!(names, ["mtracy", "jsmith"]);
        let again = start(&mut loaded, &driver, now(), opts, None, String::new(), |_| {}).expect_err("one at a time");
        assert!(again.to_string().starts_with("refused: a meeting is already open: #"), "{again}");
        // jsmith's dashboard goes away, mfinger's appears.
        store.withdraw("host-jsmith");
        store.announce(&presence("mfinger", now())).expect("announce");
        let mut seen = Attendance::default();
        let zero = std::time::Duration::ZERO;
        // jsmith was never seen by this dashboard during the meeting: not taken to have left.
        let noted = follow_presence(&mut loaded, &driver, now(), opts, &mut seen, zero, |_| {}).expect("follow");
        let kinds: Vec<&str> = noted.iter().map(|r| r.entry.event.kind()).collect();
        assert_eq!(kinds, ["join"]);
        // Seen, then gone: a leave; and once settled, nothing more.
        store.announce(&presence("jsmith", now())).expect("announce");
        assert!(
            follow_presence(&mut loaded, &driver, now(), opts, &mut seen, zero, |_| {}).expect("follow").is_empty()
        );
        store.withdraw("host-jsmith");
        let noted = follow_presence(&mut loaded, &driver, now(), opts, &mut seen, zero, |_| {}).expect("follow");
        let kinds: Vec<&str> = noted.iter().map(|r| r.entry.event.kind()).collect();
        assert_eq!(kinds, ["leave"]);
        assert!(
            follow_presence(&mut loaded, &driver, now(), opts, &mut seen, zero, |_| {}).expect("follow").is_empty(),
            "no change"
        );
        // A presence that has not held for the settling time is not minuted yet.
        store.announce(&presence("kcho", now())).expect("announce");
        let long = std::time::Duration::from_secs(3600);
        assert!(
            follow_presence(&mut loaded, &driver, now(), opts, &mut seen, long, |_| {}).expect("follow").is_empty()
        );
        end(&mut loaded, &driver, now(), opts, |_| {}).expect("end");
        assert_eq!(loaded.state.meeting, None);
        let err = end(&mut loaded, &driver, now(), opts, |_| {}).expect_err("none open");
        assert_eq!(err.to_string(), "refused: no meeting is open to end: start one first (sprout meeting start)");
    }
}
