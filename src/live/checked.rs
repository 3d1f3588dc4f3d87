//! The header's problem count kept between starts: `sprout check` replays the whole journal
//! (about ten seconds of a core and 260 MB at 100,000 servers), so its count is kept beside
//! the derived-state cache, keyed by the store's stamp and the program, and a start with
//! unchanged data takes it from there.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::rules::time::CLOCK_TOLERANCE_MINUTES;
use crate::store::{Stamp, Store};

/// The name of the part beside the cache.
const PART: &str = "check";
const MAGIC: &[u8; 16] = b"sprout-check-v1\n";
/// The program that counted must be this one: the rules `check` asks may change.
const PROGRAM: &str = concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"));

/// A count as kept: what it was counted over, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Kept {
    program: String,
    baseline: String,
    journal: String,
    problems: usize,
    /// The clock the check judged by.
    checked_at: DateTime<Utc>,
    /// The latest event's time: an event dated in the future is a problem until the clock
    /// passes it, the one problem that depends on the clock.
    latest: Option<DateTime<Utc>>,
}

impl Kept {
    /// The count holds for `stamp` at `now`: the same data, the same program, and no event
    /// in the future either when it was counted or now (a clock set back included).
    fn holds(&self, stamp: &Stamp, now: DateTime<Utc>) -> bool {
        let tolerance = Duration::minutes(CLOCK_TOLERANCE_MINUTES);
        self.program == PROGRAM
            && self.baseline == stamp.baseline
            && self.journal == stamp.journal
            && self.latest.is_none_or(|l| l <= self.checked_at.min(now) + tolerance)
    }
}

/// The number of problems `sprout check` finds in the store at `now`: the kept count when it
/// holds, else a full check, whose count is kept when the data did not change while it ran.
pub fn count(store: &Arc<dyn Store>, now: DateTime<Utc>) -> usize {
    let stamp = store.stamp();
    if let Some(kept) = kept(store).filter(|k| k.holds(&stamp, now)) {
        return kept.problems;
    }
    let mut latest = None;
    let problems = super::check::run(store, now, &mut latest).err().map_or(0, |p| p.len());
    if store.stamp() == stamp {
        let kept = Kept {
            program: PROGRAM.to_string(),
            baseline: stamp.baseline,
            journal: stamp.journal,
            problems,
            checked_at: now,
            latest,
        };
        keep(store, &kept);
    }
    problems
}

fn kept(store: &Arc<dyn Store>) -> Option<Kept> {
    let bytes = store.cache_part(PART)?;
    postcard::from_bytes(bytes.strip_prefix(MAGIC)?).ok()
}

fn keep(store: &Arc<dyn Store>, kept: &Kept) {
    if let Ok(body) = postcard::to_stdvec(kept) {
        store.save_cache_part(PART, &[MAGIC.as_slice(), &body].concat());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::fixture::{now, sample};
    use crate::model::Event;
    use crate::store::Operator;

    #[test]
    fn a_count_is_kept_and_taken_while_the_data_is_unchanged() {
        let (_, store) = sample();
        let first = count(&store, now());
        assert_eq!(first, super::super::check(&store, now()).err().map_or(0, |p| p.len()));
        let mut kept = kept(&store).expect("the count is kept");
        assert_eq!((kept.problems, kept.checked_at), (first, now()));
        // A kept count that differs is what the next start shows: it is not counted again.
        kept.problems = first + 7;
        keep(&store, &kept);
        assert_eq!(count(&store, now() + Duration::minutes(30)), first + 7);
    }

    #[test]
    fn a_write_a_new_program_or_a_future_event_counts_again() {
        let (_, store) = sample();
        let first = count(&store, now());
        let mut kept = kept(&store).expect("kept");
        kept.problems = first + 7;
        kept.program = "sprout 0.0.0".into();
        keep(&store, &kept);
        assert_eq!(count(&store, now()), first, "another program's count is not taken");

        let mut kept = self::kept(&store).expect("kept");
        kept.problems = first + 7;
        kept.latest = Some(now() + Duration::minutes(CLOCK_TOLERANCE_MINUTES + 1));
        keep(&store, &kept);
        assert_eq!(count(&store, now()), first, "an event then in the future is judged again by the clock");

        let mut kept = self::kept(&store).expect("kept");
        kept.problems = first + 7;
        keep(&store, &kept);
        let mut loaded = super::super::load(&store).expect("load");
        let op = Operator { name: "writer".into(), from: None };
        let event = Event::Backup { server: "BOS-PF01".into(), note: "tape 7".into() };
        super::super::record_in(&mut loaded, &op, now(), Default::default(), move |_, _, _| Ok(event), |_| {})
            .expect("record");
        assert_eq!(count(&store, now()), first, "a write changes the stamp: counted again");
        assert_eq!(self::kept(&store).expect("kept").journal, store.stamp().journal);
    }
}
