//! A bit per item, 64 to a word: what the filters mark as they match (a million events in
//! 125 KB), filled in two halves on two threads and read back in order.

/// A bit for each of `n` items, `fill(first, words)` setting those of the words from `first`
/// on (item `64 * first` is the lowest bit of the first), in two halves on two threads from
/// `parallel::MIN_SPLIT` items.
pub fn filled(n: usize, fill: impl Fn(usize, &mut [u64]) + Sync) -> Vec<u64> {
    let mut bits = vec![0; n.div_ceil(64)];
    if n < crate::parallel::MIN_SPLIT {
        fill(0, &mut bits);
    } else {
        let half = bits.len() / 2;
        let (a, b) = bits.split_at_mut(half);
        crate::parallel::join(|| fill(0, a), || fill(half, b));
    }
    bits
}

/// A bit for each of `n` items, set where `marked(i)` (no branch on the answer), in two halves
/// on two threads from `parallel::MIN_SPLIT` items.
pub fn of(n: usize, marked: impl Fn(usize) -> bool + Sync) -> Vec<u64> {
    filled(n, |first, out| {
        for (w, slot) in out.iter_mut().enumerate() {
            let base = (first + w) * 64;
            *slot = (base..(base + 64).min(n)).fold(0, |word, i| word | u64::from(marked(i)) << (i - base));
        }
    })
}

/// Whether item `i`'s bit is set (none past the end).
pub fn has(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|b| b >> (i % 64) & 1 != 0)
}

/// The items whose bits are set, ascending.
pub fn ones(bits: &[u64]) -> impl Iterator<Item = usize> + '_ {
    bits.iter().enumerate().flat_map(|(w, &word)| {
        std::iter::successors((word != 0).then_some(word), |&rest| Some(rest & (rest - 1)).filter(|&r| r != 0))
            .map(move |rest| w * 64 + rest.trailing_zeros() as usize)
    })
}

/// How many bits are set.
pub fn count(bits: &[u64]) -> usize {
    bits.iter().map(|b| b.count_ones() as usize).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_filled_on_two_threads_read_back_as_the_items_that_were_marked() {
        for n in [0, 1, 63, 64, 65, 10_000, 10_037] {
            let marked = |i: usize| i.is_multiple_of(3) || i % 64 == 63;
            let bits = of(n, marked);
            let expected: Vec<usize> = (0..n).filter(|&i| marked(i)).collect();
            assert_eq!(ones(&bits).collect::<Vec<_>>(), expected, "{n} items");
            assert_eq!(count(&bits), expected.len());
            assert!((0..n + 70).all(|i| has(&bits, i) == (i < n && marked(i))), "{n} items");
        }
    }
}
