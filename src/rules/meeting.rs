//! The review meeting in the journal: when a start, an end, a join or a leave may be recorded,
//! and who attends. Presence is not data; these events keep what the minutes need of it.

use chrono::serde::ts_nanoseconds as nanos;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Attendee, Data, Entry, Event};

use super::lookup::{Refusal, chosen_rollout, refuse};

/// The review meeting under way: opened by a `MeetingStarted` and not yet ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    /// The seq of the start's line: what the end names, and how `sprout minutes --meeting` finds it.
    pub seq: u64,
    #[serde(with = "nanos")]
    pub at: DateTime<Utc>,
    pub by: String,
    pub title: String,
    pub rollout: Option<String>,
    /// Who is in the room now: those there at the start, plus joins, less leaves.
    pub attendees: Vec<Attendee>,
    /// Who drives: who started it, or who last took over (their dashboard minutes attendance).
    #[serde(default)]
    pub driver: String,
}

impl Meeting {
    pub fn attending(&self, operator: &str) -> bool {
        self.attendees.iter().any(|a| a.operator == operator)
    }
}

/// Attendees once each, by operator, in the order first seen: one person with two sessions
/// (a laptop and the room's screen) attends once.
pub fn dedup(attendees: impl IntoIterator<Item = Attendee>) -> Vec<Attendee> {
    let mut out: Vec<Attendee> = Vec::new();
    for a in attendees {
        if !out.iter().any(|o| o.operator == a.operator) {
            out.push(a);
        }
    }
    out
}

/// What a meeting event changes: the open meeting and who attends it (replay).
pub fn apply(open: &mut Option<Meeting>, entry: &Entry) {
    match &entry.event {
        Event::MeetingStarted { rollout, title, attendees } => {
            *open = Some(Meeting {
                seq: entry.seq,
                at: entry.at,
                by: entry.by.clone(),
                title: title.clone(),
                rollout: rollout.clone(),
                attendees: dedup(attendees.iter().cloned()),
                driver: entry.by.clone(),
            });
        }
        Event::MeetingDriver { .. } => {
            if let Some(m) = open {
                m.driver = entry.by.clone();
            }
        }
        Event::MeetingEnded { .. } => *open = None,
        Event::MeetingJoined { attendee } => {
            if let Some(m) = open
                && !m.attending(&attendee.operator)
            {
                m.attendees.push(attendee.clone());
            }
        }
        Event::MeetingLeft { operator } => {
            if let Some(m) = open {
                m.attendees.retain(|a| &a.operator != operator);
            }
        }
        _ => {}
    }
}

/// What an operator means to record about the meeting (`Intent::Meeting`). Attendees are whoever
/// presence shows at that moment; `live::meeting` adds the one recording.
#[derive(Debug, Clone, PartialEq)]
pub enum MeetingIntent {
    Start { title: String, attendees: Vec<Attendee> },
    End { attendees: Vec<Attendee> },
    Join { attendee: Attendee },
    Leave { operator: String },
}

impl MeetingIntent {
    /// The event in the latest state: a start names the rollout on the table (the one chosen,
    /// else the first), an end the meeting open now.
    pub fn event(self, data: &Data, open: Option<&Meeting>, rollout: Option<&str>) -> Result<Event, Refusal> {
        Ok(match self {
            MeetingIntent::Start { title, attendees } => {
                let rollout = chosen_rollout(data, rollout)?.map(|r| data.plan.rollouts[r].id.clone());
                Event::MeetingStarted { rollout, title, attendees }
            }
            MeetingIntent::End { attendees } => Event::MeetingEnded { started: open_one(open, "end")?.seq, attendees },
            MeetingIntent::Join { attendee } => Event::MeetingJoined { attendee },
            MeetingIntent::Leave { operator } => Event::MeetingLeft { operator },
        })
    }
}

/// When a meeting event may be recorded: one meeting at a time, and an end, join or leave only
/// while one is open. Other events pass.
pub fn check(open: Option<&Meeting>, event: &Event) -> Result<(), Refusal> {
    match event {
        Event::MeetingStarted { attendees, .. } => {
            if let Some(m) = open {
                return refuse(format!(
                    "a meeting is already open: {}; end it first (sprout meeting end)",
                    describe(m)
                ));
            }
            named(attendees)
        }
        Event::MeetingEnded { started, attendees } => {
            let m = open_one(open, "end")?;
            if m.seq != *started {
                return refuse(format!(
                    "the open meeting is #{} ({}), not #{started}: it was ended and another started meanwhile",
                    m.seq,
                    describe(m)
                ));
            }
            named(attendees)
        }
        Event::MeetingJoined { attendee } => {
            let m = open_one(open, "join")?;
            named(std::slice::from_ref(attendee))?;
            if m.attending(&attendee.operator) {
                return refuse(format!("{} is already attending the meeting #{}", attendee.operator, m.seq));
            }
            Ok(())
        }
        Event::MeetingLeft { operator } => {
            let m = open_one(open, "leave")?;
            if !m.attending(operator) {
                return refuse(format!("{operator} is not attending the meeting #{}", m.seq));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `operator` takes over as the driver of the meeting begun on line `started`: it must be the
/// one open, and they must attend it (a dashboard present when it started, or since joined).
pub fn take_over(open: Option<&Meeting>, started: u64, operator: &str) -> Result<(), Refusal> {
    let m = open_one(open, "drive")?;
    if m.seq != started {
        return refuse(format!("the open meeting is #{}, not #{started}", m.seq));
    }
    if !m.attending(operator) {
        return refuse(format!("{operator} is not attending the meeting #{}: join it first", m.seq));
    }
    if m.driver == operator {
        return refuse(format!("{operator} already drives the meeting #{}", m.seq));
    }
    Ok(())
}

fn open_one<'a>(open: Option<&'a Meeting>, what: &str) -> Result<&'a Meeting, Refusal> {
    open.ok_or_else(|| Refusal(format!("no meeting is open to {what}: start one first (sprout meeting start)")))
}

/// Attendees are accounts: a name as an account is written (ASCII letters, digits, `_ . -`, at
/// most 32, or `uid:N`), so a look-alike, a list or a line break cannot pass for other people;
/// where from, a few plain characters.
fn named(attendees: &[Attendee]) -> Result<(), Refusal> {
    for a in attendees {
        if a.operator.trim().is_empty() {
            return refuse("an attendee without a name cannot be recorded");
        }
        if !account_name(&a.operator) {
            return refuse(format!(
                "'{}' is not an account name (letters, digits, _ . - @ only, at most 64)",
                crate::safe::visible(&a.operator)
            ));
        }
        if a.from.as_deref().is_some_and(|f| !crate::safe::plain_place(f)) {
            return refuse(format!("where {} came from holds more than an address or a name", a.operator));
        }
    }
    Ok(())
}

/// How an OS account is named (and `uid:N` for one without a passwd entry).
pub fn account_name(name: &str) -> bool {
    // `@` for directory accounts (sssd's `user@domain`); 64 for their length.
    let plain =
        |n: &str| !n.is_empty() && n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || "_.-@".contains(c));
    plain(name) && !name.starts_with('-') || name.strip_prefix("uid:").is_some_and(|n| n.parse::<u32>().is_ok())
}

/// "#40, "Weekly review", started by mtracy 2000-11-24 14:00 UTC".
pub fn describe(m: &Meeting) -> String {
    let title = if m.title.is_empty() { String::new() } else { format!(" \"{}\"", m.title) };
    let words = format!("#{}{title}, started by {} {}", m.seq, m.by, m.at.format("%Y-%m-%d %H:%M UTC"));
    crate::safe::visible(&words).into_owned()
}

/// Who attends a meeting started (or ended) now: everyone present, and the one recording it,
/// once each. `present` is presence's (operator, from) pairs, oldest first.
pub fn attendees(present: impl IntoIterator<Item = Attendee>, recorder: Attendee) -> Vec<Attendee> {
    dedup(std::iter::once(recorder).chain(present))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{apply, now, sample};

    fn who(name: &str) -> Attendee {
        Attendee { operator: name.into(), from: None }
    }

    fn start(title: &str) -> Event {
        Event::MeetingStarted { rollout: Some("ex55-sp4".into()), title: title.into(), attendees: vec![who("mtracy")] }
    }

    #[test]
    fn one_meeting_at_a_time_and_nothing_to_end_or_join_without_one() {
        let (data, mut state) = sample();
        let e = check(state.meeting.as_ref(), &Event::MeetingEnded { started: 1, attendees: vec![] })
            .expect_err("none open");
        assert_eq!(e.0, "no meeting is open to end: start one first (sprout meeting start)");
        let join = Event::MeetingJoined { attendee: who("jsmith") };
        assert!(
            check(state.meeting.as_ref(), &join).expect_err("none open").0.starts_with("no meeting is open to join")
        );
        assert!(check(state.meeting.as_ref(), &start("Weekly review")).is_ok());
        let seq = apply(&data, &mut state, "mtracy", start("Weekly review"));
        let e = check(state.meeting.as_ref(), &start("Another")).expect_err("one at a time");
        assert_eq!(
            e.0,
            format!(
                "a meeting is already open: #{seq} \"Weekly review\", started by mtracy {}; end it first (sprout meeting end)",
                now().format("%Y-%m-%d %H:%M UTC")
            )
        );
        assert!(check(state.meeting.as_ref(), &join).is_ok());
        apply(&data, &mut state, "mtracy", join.clone());
        assert!(check(state.meeting.as_ref(), &join).expect_err("twice").0.starts_with("jsmith is already attending"));
        let leave = Event::MeetingLeft { operator: "jsmith".into() };
        apply(&data, &mut state, "mtracy", leave.clone());
        assert!(check(state.meeting.as_ref(), &leave).expect_err("gone").0.starts_with("jsmith is not attending"));
        let wrong = Event::MeetingEnded { started: seq + 1, attendees: vec![] };
        assert!(check(state.meeting.as_ref(), &wrong).expect_err("another meeting").0.contains("not #"));
        let end = Event::MeetingEnded { started: seq, attendees: vec![who("mtracy")] };
        assert!(check(state.meeting.as_ref(), &end).is_ok());
        apply(&data, &mut state, "mtracy", end);
        assert_eq!(state.meeting, None, "ended");
    }

    #[test]
    fn an_attendee_is_an_account_never_a_look_alike_or_a_list() {
        for bad in ["mtr\u{0430}cy", "bob\u{2028}carol", "a, mfinger", "", "-rf"] {
            let join = Event::MeetingJoined { attendee: who(bad) };
            assert!(named(std::slice::from_ref(&who(bad))).is_err(), "{bad:?}");
            let _ = join;
        }
        assert!(named(&[who("mtracy"), who("uid:1001"), who("svc_sprout.ops")]).is_ok());
        let forged = Attendee { operator: "atk1".into(), from: Some("10.0.0.5), mtracy (from 10.9.9.9".into()) };
        assert!(named(&[forged]).is_err(), "where from cannot name another attendee");
    }

    #[test]
    fn the_recorder_attends_once_whatever_their_sessions() {
        let present = vec![who("jsmith"), who("mtracy"), who("jsmith")];
        let list = attendees(present, Attendee { operator: "mtracy".into(), from: Some("10.0.0.7".into()) });
        let names: Vec<&str> = list.iter().map(|a| a.operator.as_str()).collect();
        assert_eq!(names, ["mtracy", "jsmith"]);
        assert_eq!(list[0].from.as_deref(), Some("10.0.0.7"), "the recorder's own session says where from");
    }
}
