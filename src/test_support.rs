//! Helpers for the unit tests.

/// `count` texts of up to `max_len - 1` pieces each, drawn from `pieces` by a small
/// deterministic generator (xorshift from `seed`), so a failing text reproduces.
pub(crate) fn random_texts(seed: u64, pieces: &[&str], max_len: u64, count: usize) -> Vec<String> {
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = next() % max_len;
            (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect()
        })
        .collect()
}
