//! Finding a server by name: a hash of every name, built on the first lookup, or, in a state
//! read from the derived-state cache, a binary search of the names the cache keeps in name
//! order, which reads no server back but the one found.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::model::{OnDemand, Server};

/// Derived from `State::servers`, so it takes no part in comparisons.
#[derive(Debug, Clone, Default)]
pub struct NameIndex {
    /// Server indices by a hash of the name: one hash per journal event instead of a binary
    /// search of string comparisons (names never change).
    hashed: OnceLock<HashMap<u64, Vec<u32>>>,
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

    fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    fn name(&self, k: usize) -> &[u8] {
        self.names.get(self.starts[k] as usize..self.starts[k + 1] as usize).unwrap_or_default()
    }
}

fn name_hash(name: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(name)
}

impl NameIndex {
    pub(crate) fn sorted(names: SortedNames) -> NameIndex {
        NameIndex { hashed: OnceLock::new(), sorted: Some(Arc::new(names)) }
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
        let index = self.hashed.get_or_init(|| {
            let mut map: HashMap<u64, Vec<u32>> = HashMap::with_capacity(servers.len());
            for (i, s) in servers.iter().enumerate() {
                map.entry(name_hash(&s.name)).or_default().push(i as u32);
            }
            map
        });
        index.get(&name_hash(name))?.iter().map(|&i| i as usize).find(|&i| servers[i].name == name)
    }
}
