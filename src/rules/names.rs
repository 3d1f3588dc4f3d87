//! Finding a server by name: a hash table of every name, built on the first lookup, or, in a
//! state read from the derived-state cache, a binary search of the names the cache keeps in
//! name order, which reads no server back but the one found.
//!
//! A replay looks up one name per journal event, a million at a start: the table is one flat
//! array of slots, each with the first bytes of its name (8 MB at 100,000 servers), so a lookup
//! mostly touches one slot, never a server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use crate::model::{OnDemand, Server};

/// Derived from `State::servers`, so it takes no part in comparisons.
#[derive(Debug, Clone, Default)]
pub struct NameIndex {
    /// Server indices by a hash of the name: one hash per journal event instead of a binary
    /// search of string comparisons (names never change).
    hashed: OnceLock<Arc<Hashed>>,
    /// The names in `State::by_name`'s order as the derived-state cache keeps them.
    sorted: Option<Arc<SortedNames>>,
}

impl PartialEq for NameIndex {
    fn eq(&self, _: &NameIndex) -> bool {
        true
    }
}

/// Server names in name order, as one block: name `k` is `names[starts[k]..starts[k + 1]]`.
#[derive(Debug)]
pub struct SortedNames {
    starts: Vec<u32>,
    names: Vec<u8>,
}

impl SortedNames {
    /// `starts` ascending from 0, its last the length of `names`.
    pub(crate) fn new(starts: Vec<u32>, names: Vec<u8>) -> SortedNames {
        SortedNames { starts, names }
    }

    /// The names of `servers` in the order of `by_name`.
    pub(crate) fn of(by_name: &[u32], servers: &OnDemand<Server>) -> SortedNames {
        let (mut starts, mut names) = (Vec::with_capacity(by_name.len() + 1), Vec::new());
        starts.push(0);
        for &i in by_name {
            names.extend_from_slice(servers[i as usize].name.as_bytes());
            starts.push(u32::try_from(names.len()).unwrap_or(u32::MAX));
        }
        SortedNames { starts, names }
    }

    fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    fn name(&self, k: usize) -> &[u8] {
        self.names.get(self.starts[k] as usize..self.starts[k + 1] as usize).unwrap_or_default()
    }
}

/// A quick hash of a name (names come from the fleet file, not from strangers).
fn name_hash(name: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = name.len() as u64;
    let mut words = name.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    h ^ (h >> 29)
}

/// A name's first bytes kept in its slot: most names are checked without leaving the slot.
const HEAD: usize = 24;

/// A slot of the table: a server's index + 1 (0: empty), its name's length and first bytes.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot {
    server: u32,
    len: u32,
    head: [u8; HEAD],
}

/// Open addressing, at least half the slots empty; the names in index order as one block, for
/// the names longer than a slot holds.
#[derive(Debug)]
struct Hashed {
    slots: Vec<Slot>,
    mask: usize,
    names: SortedNames,
    /// The slot of the last server found: a name is often asked again at once (a load judges
    /// an event as `check` does, then applies it: three lookups of one name), and that slot
    /// is then in the processor's cache, where the hash's first slot may not be.
    last: AtomicUsize,
}

impl Hashed {
    fn new(servers: &OnDemand<Server>) -> Hashed {
        let size = (servers.len() * 2).next_power_of_two().max(16);
        let (mut slots, mask) = (vec![Slot::default(); size], size - 1);
        let (mut starts, mut bytes) = (Vec::with_capacity(servers.len() + 1), Vec::new());
        starts.push(0u32);
        for s in servers.iter() {
            bytes.extend_from_slice(s.name.as_bytes());
            starts.push(u32::try_from(bytes.len()).unwrap_or(u32::MAX));
        }
        let mut table = Hashed {
            slots: Vec::new(),
            mask,
            names: SortedNames::new(starts, bytes),
            last: AtomicUsize::new(usize::MAX),
        };
        for (i, s) in servers.iter().enumerate() {
            let name = s.name.as_bytes();
            // The lowest index of a name is kept; a later server of the same name is not.
            if let (Err(at), Ok(server), Ok(len)) =
                (table.probe(&slots, name), u32::try_from(i + 1), u32::try_from(name.len()))
            {
                let mut head = [0u8; HEAD];
                let n = name.len().min(HEAD);
                head[..n].copy_from_slice(&name[..n]);
                slots[at] = Slot { server, len, head };
            }
        }
        table.slots = slots;
        table
    }

    /// The index of `name` and its slot, or the empty slot where it would go.
    fn probe(&self, slots: &[Slot], name: &[u8]) -> Result<(usize, usize), usize> {
        let mut at = name_hash(name) as usize & self.mask;
        loop {
            let slot = &slots[at];
            if slot.server == 0 {
                return Err(at);
            }
            if let Some(i) = self.holds(slot, name) {
                return Ok((i, at));
            }
            at = (at + 1) & self.mask;
        }
    }

    /// The server in `slot`, when it is named `name`.
    fn holds(&self, slot: &Slot, name: &[u8]) -> Option<usize> {
        let n = name.len().min(HEAD);
        let i = (slot.server as usize).checked_sub(1)?;
        (slot.len as usize == name.len()
            && slot.head[..n] == name[..n]
            && (name.len() <= HEAD || self.names.name(i) == name))
            .then_some(i)
    }

    /// Ask the processor to fetch `name`'s first slot now, so a lookup a few events later
    /// finds it in its cache (a million lookups at random in an 8 MB table each waited for
    /// memory: a seventh of a load's replay).
    fn prefetch(&self, name: &[u8]) {
        let slot = self.slots.as_ptr().wrapping_add(name_hash(name) as usize & self.mask);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is a hint: it reads nothing back and faults on no address.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(slot.cast());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = slot;
    }

    fn find(&self, name: &str) -> Option<usize> {
        let name = name.as_bytes();
        if let Some(i) = self.slots.get(self.last.load(Ordering::Relaxed)).and_then(|slot| self.holds(slot, name)) {
            return Some(i);
        }
        let (i, at) = self.probe(&self.slots, name).ok()?;
        self.last.store(at, Ordering::Relaxed);
        Some(i)
    }
}

impl NameIndex {
    pub(crate) fn sorted(names: SortedNames) -> NameIndex {
        NameIndex { hashed: OnceLock::new(), sorted: Some(Arc::new(names)) }
    }

    /// Fetch ahead what a lookup of `name` will read, once the table is built (a hint only).
    pub(crate) fn prefetch(&self, name: &str) {
        if let Some(hashed) = self.hashed.get() {
            hashed.prefetch(name.as_bytes());
        }
    }

    /// The lowest index of a server named `name`; `by_name` is the servers' indices in name
    /// order.
    pub(crate) fn find(&self, by_name: &[u32], servers: &OnDemand<Server>, name: &str) -> Option<usize> {
        if let Some(sorted) = &self.sorted
            && sorted.len() == by_name.len()
        {
            let (mut k, mut end) = (0, sorted.len());
            while k < end {
                let mid = k + (end - k) / 2;
                if sorted.name(mid) < name.as_bytes() { k = mid + 1 } else { end = mid }
            }
            let same = (k..sorted.len()).take_while(|&k| sorted.name(k) == name.as_bytes());
            // The server itself must bear the name: a damaged chunk answers nothing.
            return same.map(|k| by_name[k] as usize).min().filter(|&i| servers[i].name == name);
        }
        self.hashed.get_or_init(|| Arc::new(Hashed::new(servers))).find(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servers(names: &[&str]) -> OnDemand<Server> {
        names.iter().map(|n| Server { name: (*n).into(), ..Server::default() }).collect::<Vec<_>>().into()
    }

    #[test]
    fn every_name_is_found_at_its_lowest_index_and_no_other_name_is() {
        let mut names: Vec<String> = (0..5000).map(|i| format!("S{:02}-MBX{i:06}", i % 20)).collect();
        // Every length from empty to longer than two words, and names that differ only late.
        names.extend((0..40).map(|n| "A".repeat(n)));
        names.extend((0..3).map(|n| format!("{}-{n}", "LONG".repeat(8))));
        names.extend(["LAB-NEWS01".into(), "LAB-NEWS02".into(), "BOS-MBX01".into(), "BOS-MBX01".into()]);
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let servers = servers(&refs);
        let by_name: Vec<u32> = (0..names.len() as u32).collect();
        let index = NameIndex::default();
        for (i, name) in names.iter().enumerate() {
            let lowest = names.iter().position(|n| n == name);
            assert_eq!(index.find(&by_name, &servers, name), lowest, "{name:?} (index {i})");
        }
        // Asked again, twice in a row, in the other order, between names one letter apart: the
        // server found last answers for its own name only.
        for name in names.iter().rev() {
            let lowest = names.iter().position(|n| n == name);
            assert_eq!(index.find(&by_name, &servers, name), lowest, "{name:?} again");
            assert_eq!(index.find(&by_name, &servers, name), lowest, "{name:?} at once again");
            let longer = format!("{name}A");
            assert_eq!(index.find(&by_name, &servers, &longer), names.iter().position(|n| *n == longer), "{longer:?}");
        }
        for absent in [
            "S00-MBX000001",
            "BOS-MBX0",
            "LAB-NEWS03",
            "A".repeat(40).as_str(),
            "s00-mbx000000",
            "LONGLONGLONGLONGLONGLONGLONGLONG-3",
        ] {
            assert_eq!(index.find(&by_name, &servers, absent), None, "{absent:?}");
        }
    }
}
