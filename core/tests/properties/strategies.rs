//! The random inputs the properties draw from.

use proptest::prelude::*;

/// Most samples a buffer is drawn long enough for.
pub const MAX_SAMPLES: usize = 12;

/// Batch sizes: mostly small, sometimes so large that `batch × size` overflows `usize`.
pub fn batch() -> impl Strategy<Value = usize> {
    prop_oneof![
        8 => 0usize..MAX_SAMPLES,
        1 => Just(usize::MAX),
        1 => (usize::MAX / 64)..=usize::MAX,
        1 => (1usize << 20)..(1usize << 40),
    ]
}

/// A batch size and, for each entry of `per_sample` (the floats one sample needs in a buffer),
/// that buffer's length: usually exactly batch × per-sample, sometimes one short, sometimes
/// anything up to [`MAX_SAMPLES`] samples' worth.
pub fn batch_and_lengths(per_sample: Vec<usize>) -> impl Strategy<Value = (usize, Vec<usize>)> {
    let buffers = per_sample.len();
    (
        batch(),
        proptest::collection::vec((0u8..4, 0.0f64..=1.0), buffers),
    )
        .prop_map(move |(batch, draws)| {
            let lengths = per_sample
                .iter()
                .zip(draws)
                .map(|(&per_sample, (mode, fraction))| {
                    let anything = (fraction * (MAX_SAMPLES * per_sample) as f64) as usize;
                    match (mode, per_sample.checked_mul(batch)) {
                        (0 | 1, Some(exact)) if batch < MAX_SAMPLES => exact,
                        (2, Some(exact)) if batch < MAX_SAMPLES => exact.saturating_sub(1),
                        _ => anything,
                    }
                })
                .collect();
            (batch, lengths)
        })
}

/// Floats: usually in [0, 1] like pixels, sometimes anything, NaN and infinities included.
pub fn value() -> impl Strategy<Value = f32> {
    prop_oneof![
        30 => 0.0f32..=1.0,
        1 => any::<f32>(),
        1 => prop_oneof![Just(f32::NAN), Just(f32::INFINITY), Just(f32::NEG_INFINITY)],
    ]
}

/// `len` floats drawn from [`value`].
pub fn values(len: usize) -> impl Strategy<Value = Vec<f32>> {
    proptest::collection::vec(value(), len)
}

/// Whether `len` floats hold `batch` samples of `per_sample` floats.
pub fn holds(len: usize, per_sample: usize, batch: usize) -> bool {
    per_sample
        .checked_mul(batch)
        .is_some_and(|needed| needed <= len)
}
