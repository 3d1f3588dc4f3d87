//! Every server's name in one lower-case buffer, searched once per filter word by the fleet
//! and journal filters alike; built once per change of the fleet.

use crate::rules::State;

#[derive(Debug, Clone, Default)]
pub struct Names {
    names: String,
    /// Where each server's name starts in `names`, by server index, ascending.
    starts: Vec<u32>,
    /// Per server, which letters and digits its name holds (`char_bit`): a one-letter word,
    /// the first typed (and the one most names hold), is a bit test, not a search.
    chars: Vec<u64>,
    /// The longest name, for name columns.
    pub longest: usize,
}

impl Names {
    /// No names to search, only the longest's width: what the first frame drawn from the
    /// front of the derived-state cache reads (`app::front`).
    pub fn with_longest(longest: usize) -> Names {
        Names { longest, ..Default::default() }
    }

    pub fn build(state: &State) -> Names {
        let mut n = Names { longest: 8, ..Default::default() };
        n.starts.reserve(state.servers.len());
        n.names.reserve(state.servers.iter().map(|s| s.name.len() + 1).sum());
        for s in &state.servers {
            n.starts.push(n.names.len() as u32);
            if s.name.is_ascii() {
                n.names.push_str(&s.name);
            } else {
                n.names.push_str(&s.name.to_lowercase());
            }
            n.names.push('\n');
        }
        n.names.make_ascii_lowercase();
        n.chars = n.charsets();
        n.longest = state.servers.iter().map(|s| s.name.chars().count()).max().unwrap_or(8);
        n
    }

    /// Each name's letters and digits as bits.
    fn charsets(&self) -> Vec<u64> {
        let bytes = self.names.as_bytes();
        let ends = self.starts.iter().skip(1).map(|&s| s as usize).chain([bytes.len()]);
        let ranges = self.starts.iter().map(|&s| s as usize).zip(ends);
        ranges.map(|(from, to)| bytes[from..to].iter().fold(0, |set, &b| set | char_bit(b).unwrap_or(0))).collect()
    }

    /// Per server, whether its name contains `w` (lower-case): one scan of all the names, in
    /// two halves on two threads at a large fleet (a common letter hits nearly every name).
    pub fn hits(&self, w: &str) -> Vec<bool> {
        if let [b] = w.as_bytes()
            && let Some(bit) = char_bit(*b)
            && self.chars.len() == self.starts.len()
        {
            return self.chars.iter().map(|&set| set & bit != 0).collect();
        }
        let mut name = vec![false; self.starts.len()];
        if self.starts.len() < crate::parallel::MIN_SPLIT {
            self.hits_from(w, 0, &mut name);
        } else {
            let half = self.starts.len() / 2;
            let (a, b) = name.split_at_mut(half);
            crate::parallel::join(|| self.hits_from(w, 0, a), || self.hits_from(w, half, b));
        }
        name
    }

    /// Whether each of the servers from `first` on (as many as `out` holds) has `w` in its name.
    fn hits_from(&self, w: &str, first: usize, out: &mut [bool]) {
        let Some(&from) = self.starts.get(first) else { return };
        let end = self.starts.get(first + out.len()).map_or(self.names.len(), |&s| s as usize);
        let Some(hay) = self.names.as_bytes().get(from as usize..end) else { return };
        let starts = &self.starts[first..first + out.len()];
        // Hits come in order, so the server they fall in only moves forward.
        let mut i = 0;
        for at in memchr::memmem::find_iter(hay, w.as_bytes()) {
            let at = at + from as usize;
            while starts.get(i + 1).is_some_and(|&s| s as usize <= at) {
                i += 1;
            }
            if let Some(n) = out.get_mut(i) {
                *n = true;
            }
        }
    }

    /// Names as given, for tests of the filters at a large fleet without a state.
    #[cfg(test)]
    pub fn of(names: &[String]) -> Names {
        let mut n = Names { longest: 8, ..Default::default() };
        for name in names {
            n.starts.push(n.names.len() as u32);
            n.names.push_str(&name.to_lowercase());
            n.names.push('\n');
        }
        n.chars = n.charsets();
        n
    }
}

/// A lower-case letter's or a digit's bit in `Names::chars`; other bytes have none.
fn char_bit(b: u8) -> Option<u64> {
    match b {
        b'a'..=b'z' => Some(1 << (b - b'a')),
        b'0'..=b'9' => Some(1 << (26 + b - b'0')),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether each name contains `w`, one name at a time (the reference).
    fn one_by_one(names: &[String], w: &str) -> Vec<bool> {
        names.iter().map(|n| n.to_lowercase().contains(w)).collect()
    }

    #[test]
    fn hits_are_the_names_that_contain_the_word_at_a_large_fleet() {
        let sites = ["BOS", "lax", "Ams"];
        let roles = ["mbx", "sql", "web", "dc"];
        let names: Vec<String> = (0..20_000).map(|i| format!("{}-{}{i:05}", sites[i % 3], roles[i / 7 % 4])).collect();
        let n = Names::of(&names);
        for w in ["m", "b", "x", "0", "7", "mb", "mbx", "bos-", "-", "s-d", "q", "z", "lax-web00", "00017", "é"] {
            let hits = n.hits(w);
            assert_eq!(hits, one_by_one(&names, w), "{w:?}");
        }
        let sql = (0..20_000).filter(|i| i / 7 % 4 == 1).count();
        assert_eq!(n.hits("q").iter().filter(|&&h| h).count(), sql, "the SQL servers, and only they");
    }
}
