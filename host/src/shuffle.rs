//! Seeded permutations: the one shuffle behind the epoch order and the held-out test split.

use rand::Rng;
use tinyvae_core::rng::SeededRng;

/// A uniformly random permutation of `0..len` drawn from `rng` (Fisher–Yates, each swap with
/// an unbiased bounded draw).
pub fn permutation(len: usize, rng: &mut SeededRng) -> Vec<u32> {
    let mut order: Vec<u32> = (0..len as u32).collect();
    for i in (1..len).rev() {
        let j = bounded(rng, i as u32 + 1);
        order.swap(i, j as usize);
    }
    order
}

/// Uniform integer in `0..bound` (Lemire's multiply-shift with rejection).
fn bounded(rng: &mut SeededRng, bound: u32) -> u32 {
    let threshold = bound.wrapping_neg() % bound;
    loop {
        let product = u64::from(rng.next_u32()) * u64::from(bound);
        if (product as u32) >= threshold {
            return (product >> 32) as u32;
        }
    }
}
