//! Holding out a test set: a seeded fraction of the samples, the same for the same seed.

use rand::SeedableRng;
use tinyvae_core::rng::SeededRng;

use super::{DataError, Dataset, Split};
use crate::shuffle::permutation;

/// Splits `data` into a training set and a test set of `fraction` of the samples (rounded up,
/// at least one, leaving at least one to train on), drawn by a permutation seeded with `seed`.
/// Each side keeps the samples in file order.
pub fn hold_out(data: &Dataset, fraction: f64, seed: u64) -> Result<Split, DataError> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(DataError::BadTestFraction { fraction });
    }
    let len = data.len();
    if len < 2 {
        return Err(DataError::TooFewToSplit {
            dataset: data.name().to_string(),
            samples: len,
        });
    }
    let test_len = ((len as f64 * fraction).ceil() as usize).clamp(1, len - 1);
    // A stream of its own, apart from the training run's.
    let mut rng = SeededRng::seed_from_u64(seed ^ 0x07E5_75E7);
    let order = permutation(len, &mut rng);
    let mut test: Vec<usize> = order[..test_len].iter().map(|&i| i as usize).collect();
    let mut train: Vec<usize> = order[test_len..].iter().map(|&i| i as usize).collect();
    test.sort_unstable();
    train.sort_unstable();
    Ok(Split {
        train: data
            .select(&train)
            .renamed(format!("{} train", data.name())),
        test: data.select(&test).renamed(format!("{} test", data.name())),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::data::SampleShape;

    fn numbered(len: usize) -> Dataset {
        let values = (0..len).map(|i| i as f32).collect();
        Dataset::from_parts("n", SampleShape::Vector { width: 1 }, values, len, None).unwrap()
    }

    #[test]
    fn a_seeded_fraction_without_overlap() {
        let data = numbered(100);
        let split = hold_out(&data, 0.2, 3).unwrap();
        assert_eq!((split.train.len(), split.test.len()), (80, 20));
        let mut all: Vec<f32> = split.train.images().to_vec();
        all.extend_from_slice(split.test.images());
        all.sort_by(f32::total_cmp);
        assert_eq!(all, data.images());
        assert_eq!(hold_out(&data, 0.2, 3).unwrap(), split);
        assert_ne!(hold_out(&data, 0.2, 4).unwrap(), split);
        assert_eq!(split.test.name(), "n test");
        // Both sides keep file order.
        assert!(split.test.images().is_sorted());
    }

    #[test]
    fn bad_fractions_and_tiny_sets_are_refused() {
        for fraction in [0.0, 1.0, -0.5, f64::NAN] {
            assert!(hold_out(&numbered(10), fraction, 0).is_err(), "{fraction}");
        }
        assert!(matches!(
            hold_out(&numbered(1), 0.5, 0),
            Err(DataError::TooFewToSplit { .. })
        ));
        let split = hold_out(&numbered(2), 0.01, 0).unwrap();
        assert_eq!((split.train.len(), split.test.len()), (1, 1));
    }
}
