//! What the journal says, per rollout and per server: checkouts, sign-offs, opened phases,
//! override requests, each server's record within a rollout; kept in the derived-state cache.

use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::model::{Asked, CheckoutResult, OnDemand, Rollout};

// Times are kept as nanoseconds in the derived-state cache: exact, and quick to read back.
use chrono::serde::{ts_nanoseconds as nanos, ts_nanoseconds_option as nanos_option};

/// A checkout as its phase's gates count it. Who recorded it and its note are its journal
/// line's (`seq`), read from there when shown: kept here too, they were 48 of a record's 72
/// bytes (12 MB of the dashboard's memory for 250,000 checkouts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutRecord {
    #[serde(with = "nanos")]
    pub at: DateTime<Utc>,
    pub result: CheckoutResult,
    /// The phase it was recorded in (index into the rollout's phases; `u16::MAX` if unknown):
    /// a checkout counts toward that phase's gates only. (A `u16`: 8 bytes less a checkout.)
    pub phase: u16,
    /// The event it rests on (its `seq`): what a gate it meets rests on.
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignOffRecord {
    pub group: String,
    pub by: String,
    #[serde(with = "nanos")]
    pub at: DateTime<Utc>,
    /// The event it rests on.
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened {
    #[serde(with = "nanos")]
    pub at: DateTime<Utc>,
    pub by: String,
    pub override_reason: Option<String>,
    /// Who approved an override (named, or the team's approvers who confirmed it).
    pub approvers: Vec<String>,
    /// The event that opened it: the phase-opened line, or the last confirmation an override
    /// needed.
    pub seq: u64,
}

/// An override asked for and not yet confirmed by all the approvers it needs, nor withdrawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// The seq of the request's line: what confirmations and withdrawals name.
    pub seq: u64,
    #[serde(with = "nanos")]
    pub at: DateTime<Utc>,
    pub by: String,
    pub asked: Asked,
    pub reason: String,
    /// How many approvers must confirm it, decided when it was asked.
    pub needed: u8,
    /// The approvers who confirmed it so far.
    pub confirmed: Vec<String>,
}

/// What the journal says about one server within one rollout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberRecord {
    #[serde(with = "nanos_option")]
    pub installed_at: Option<DateTime<Utc>>,
    /// What `winver` showed, once verified.
    pub verified: Option<CompactString>,
    #[serde(deserialize_with = "exact")]
    pub checkouts: Vec<CheckoutRecord>,
    pub excluded: Option<String>,
    #[serde(with = "nanos_option")]
    pub backed_out_at: Option<DateTime<Utc>>,
    /// Boxed: few servers have one, and every server has the field (24 bytes each less).
    pub priority_override: Option<Box<(u8, String)>>,
    /// The events the install and its verification rest on (`seq`; 0: none). Sequences start
    /// at 1, so a plain u64 costs a byte or two in the cache where an `Option` would cost more.
    pub installed_seq: u64,
    pub verified_seq: u64,
    /// The event that put `priority_override` into effect (0: none).
    pub priority_seq: u64,
}

/// A vector read back with no room to spare: serde reserves at most 1 MiB ahead and then
/// doubles, so a server with 35,000 checkouts (a lab server checked out every few minutes for
/// months) kept room for 65,536: 9 MB of the dashboard's memory at 100,000 servers.
fn exact<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    let mut v = Vec::<T>::deserialize(d)?;
    v.shrink_to_fit();
    Ok(v)
}

/// A server's record within a rollout, held only once the journal says something about it:
/// a rollout's members are indexed like the fleet, and most servers of a large fleet have no
/// record in a given rollout (not running its product, or in a phase not yet reached). The
/// record of 128 bytes is boxed behind 8 (12.8 MB a rollout at 100,000 servers, where the
/// lab phase alone had records: 0.8 MB and the lab's). Reads see the empty record where there
/// is none (`Deref`); a change makes one (`DerefMut`). In the derived-state cache and in
/// comparisons it is the record itself: an empty one and none are the same.
#[derive(Clone, Default)]
pub struct Member(Option<Box<MemberRecord>>);

/// What every server without a record reads.
static NO_RECORD: MemberRecord = MemberRecord::EMPTY;

impl Member {
    /// The record, if the journal made one (to change it without making one).
    pub fn made(&mut self) -> Option<&mut MemberRecord> {
        self.0.as_deref_mut()
    }
}

impl From<MemberRecord> for Member {
    fn from(record: MemberRecord) -> Member {
        Member((record != MemberRecord::EMPTY).then(|| Box::new(record)))
    }
}

impl std::ops::Deref for Member {
    type Target = MemberRecord;
    fn deref(&self) -> &MemberRecord {
        self.0.as_deref().unwrap_or(&NO_RECORD)
    }
}

impl std::ops::DerefMut for Member {
    fn deref_mut(&mut self) -> &mut MemberRecord {
        self.0.get_or_insert_with(Default::default)
    }
}

impl PartialEq for Member {
    fn eq(&self, other: &Member) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl Serialize for Member {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Member, D::Error> {
        MemberRecord::deserialize(d).map(Member::from)
    }
}

impl MemberRecord {
    /// No record: what `Default` gives, usable where a constant is needed.
    pub const EMPTY: MemberRecord = MemberRecord {
        installed_at: None,
        verified: None,
        checkouts: Vec::new(),
        excluded: None,
        backed_out_at: None,
        priority_override: None,
        installed_seq: 0,
        verified_seq: 0,
        priority_seq: 0,
    };

    /// Checkouts recorded since the current install.
    pub fn checkouts_since_install(&self) -> impl Iterator<Item = &CheckoutRecord> {
        let since = self.installed_at;
        self.checkouts.iter().filter(move |c| since.is_some_and(|i| c.at >= i))
    }

    /// Checkouts recorded in phase `phase` since the current install: what its gates count.
    pub fn checkouts_in(&self, phase: usize) -> impl Iterator<Item = &CheckoutRecord> {
        self.checkouts_since_install().filter(move |c| usize::from(c.phase) == phase)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub opened: Vec<Option<Opened>>,
    pub current: Option<usize>,
    /// Days added to each phase's soak window.
    pub extra_days: Vec<u32>,
    pub signoffs: Vec<Vec<SignOffRecord>>,
    /// Per phase, who recorded a checkout there, each operator once with the first server
    /// (index into `State::servers`) they checked out while it was a member: separation of
    /// duties holds over the whole history, whatever later changes of membership. One entry
    /// an operator, not one a server: a phase of 100,000 servers checked out by a dozen people
    /// holds a dozen, and a replay does not scan a list as long as the phase at every checkout.
    pub checked: Vec<Vec<(String, u32)>>,
    /// Indexed like `State::servers`.
    pub members: OnDemand<Member>,
    /// Override requests waiting for confirmation, oldest first.
    pub requests: Vec<Request>,
    /// Servers backed out and not re-installed since (few): what may halt a phase.
    pub backed_out: Vec<u32>,
}

impl Progress {
    pub(super) fn new(rollout: &Rollout, servers: usize) -> Self {
        let n = rollout.phases.len();
        Progress {
            opened: vec![None; n],
            current: None,
            extra_days: vec![0; n],
            signoffs: vec![Vec::new(); n],
            checked: vec![Vec::new(); n],
            members: vec![Member::default(); servers].into(),
            requests: Vec::new(),
            backed_out: Vec::new(),
        }
    }
}

impl Progress {
    /// Phase `p` opens; a request to open it or an earlier one has nothing left to ask.
    pub(super) fn open(&mut self, rollout: &Rollout, p: usize, opened: Opened) {
        self.opened[p] = Some(opened);
        let current = self.current.map_or(p, |c| c.max(p));
        self.current = Some(current);
        self.requests.retain(|q| match &q.asked {
            Asked::Open { phase, .. } => rollout.phase_index(phase).is_some_and(|asked| asked > current),
            Asked::Priority { .. } => true,
        });
    }
}
