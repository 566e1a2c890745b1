//! The seeded generator every random draw goes through.
//!
//! `Xoshiro128PlusPlus` works on 32-bit words, the cheap choice on 32-bit microcontrollers, and
//! its whole state is 16 bytes, so a checkpoint can carry it. Normal draws use `rand_distr`'s
//! ziggurat `StandardNormal`, which is computed with libm and gives the same bits on every target.

use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

/// The generator of the core: same seed, same stream, on every target.
pub type SeededRng = rand_xoshiro::Xoshiro128PlusPlus;

/// A generator seeded from one `u64`.
pub fn seeded_rng(seed: u64) -> SeededRng {
    SeededRng::seed_from_u64(seed)
}

/// One draw from N(0, 1).
pub fn standard_normal(rng: &mut SeededRng) -> f32 {
    rng.sample(StandardNormal)
}

/// Fills `out` with independent draws from N(0, 1).
pub fn fill_standard_normal(rng: &mut SeededRng, out: &mut [f32]) {
    for value in out {
        *value = standard_normal(rng);
    }
}

/// One draw from U[0, 1).
pub fn uniform(rng: &mut SeededRng) -> f32 {
    rng.random::<f32>()
}

/// One draw from U[-bound, bound).
pub fn uniform_symmetric(rng: &mut SeededRng, bound: f32) -> f32 {
    (2.0 * uniform(rng) - 1.0) * bound
}
