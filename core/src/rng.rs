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

#[cfg(test)]
mod tests {
    //! Golden streams: the first draws of the generator, pinned, so that an upgrade of rand,
    //! rand_xoshiro or rand_distr that would change them (and so what a resumed run computes)
    //! fails here first.
    use rand::Rng;

    use super::*;

    /// The first draws after `seeded_rng(seed)`: four u32, two u64, three U[0, 1) and four
    /// N(0, 1), in that order from one generator, then a fold of the bits of the next 10 000
    /// normals (which reach the ziggurat's rarer branches: its wedges and tails).
    struct Golden {
        seed: u64,
        u32s: [u32; 4],
        u64s: [u64; 2],
        uniforms: [f32; 3],
        normals: [f32; 4],
        normals_fold: u32,
    }

    const GOLDEN: [Golden; 3] = [
        Golden {
            seed: 0,
            u32s: [0x4653daa3, 0x73922b58, 0xb82b4add, 0xd9fabd3b],
            u64s: [0x1c9b58ff3c8698c3, 0x27e3fd16ccac4646],
            uniforms: [0.9279865, 0.6373053, 0.1683312],
            normals: [-0.094935805, -0.577624, -0.7339347, -1.1552573],
            normals_fold: 0x4eae72c0,
        },
        Golden {
            seed: 7,
            u32s: [0x18576505, 0x0e6be122, 0x5fca7e0e, 0x55070afd],
            u64s: [0xcba0c25f0f554111, 0xbe956faa64c63932],
            uniforms: [0.4568745, 0.050756216, 0.1917172],
            normals: [0.10024018, 0.26758802, -0.5223046, -0.56930363],
            normals_fold: 0x929d6e0f,
        },
        Golden {
            seed: u64::MAX,
            u32s: [0x9df76fa2, 0x4c367255, 0x96ef9cd0, 0x2313ad4b],
            u64s: [0x035fbb9a511c5746, 0x044bed8195f3023b],
            uniforms: [0.08938438, 0.4379406, 0.49550843],
            normals: [0.18049827, -0.20625903, -1.2964756, -0.67201006],
            normals_fold: 0x7255e1b4,
        },
    ];

    #[test]
    fn seeded_streams_are_pinned() {
        for golden in GOLDEN {
            let mut rng = seeded_rng(golden.seed);
            let u32s: [u32; 4] = core::array::from_fn(|_| rng.next_u32());
            assert_eq!(u32s, golden.u32s, "seed {}", golden.seed);
            let u64s: [u64; 2] = core::array::from_fn(|_| rng.next_u64());
            assert_eq!(u64s, golden.u64s, "seed {}", golden.seed);
            let uniforms: [f32; 3] = core::array::from_fn(|_| uniform(&mut rng));
            assert_eq!(uniforms, golden.uniforms, "seed {}", golden.seed);
            let normals: [f32; 4] = core::array::from_fn(|_| standard_normal(&mut rng));
            assert_eq!(normals, golden.normals, "seed {}", golden.seed);
            let mut fold = 0u32;
            for _ in 0..10_000 {
                fold = fold.rotate_left(5) ^ standard_normal(&mut rng).to_bits();
            }
            assert_eq!(fold, golden.normals_fold, "seed {}", golden.seed);
        }
    }

    #[test]
    fn fill_standard_normal_draws_the_same_stream() {
        let mut out = [0.0f32; 4];
        fill_standard_normal(&mut seeded_rng(7), &mut out);
        let mut rng = seeded_rng(7);
        let one_by_one: [f32; 4] = core::array::from_fn(|_| standard_normal(&mut rng));
        assert_eq!(out.map(f32::to_bits), one_by_one.map(f32::to_bits));
    }

    #[test]
    fn uniform_symmetric_is_pinned() {
        let mut rng = seeded_rng(0);
        // (2u − 1)·0.5 with u the first uniforms of seed 0, the first being 0x4653da / 2²⁴.
        let draws: [f32; 3] = core::array::from_fn(|_| uniform_symmetric(&mut rng, 0.5));
        assert_eq!(draws, [-0.22528303, -0.048550904, 0.21941054]);
    }
}
