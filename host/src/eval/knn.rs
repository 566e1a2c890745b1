//! The k-nearest-neighbour classifier, for low-dimensional codes (2-D to a few dozen).
//!
//! Each test sample takes the majority label among the `k` training samples nearest in
//! Euclidean distance. Unlike the linear probe it needs no training and reads classes that
//! sit in curved or split regions of the latent space, which suits the 2-D latents that get
//! plotted.
//!
//! The squared distances come from one matrix product per block of test samples,
//!
//! ```text
//! ‖t - r‖² = ‖t‖² - 2 t·r + ‖r‖²
//! ```
//!
//! where `‖t‖²` is the same for every candidate and drops out of the ranking. Both sets are
//! first centred on the training mean (distances do not change) so the expansion loses no
//! precision to a large common offset. The cost is `O(n_test · n_train · d)`: a second or so
//! for 10 000 test and 60 000 training codes of 20 dimensions, but minutes on raw pixels.
//!
//! Ties are broken deterministically: among equally distant training samples the one with
//! the lower index is nearer, and among classes with equally many votes the one holding the
//! nearest neighbour wins (so `k = 1` is plain nearest-neighbour).

use super::matrix::{RowMajor, gemm};
use super::{CLASSES, EvalError, check_labels, sample_count};

/// Test samples per matrix product: bounds the score buffer to `BLOCK * n_train` values.
const BLOCK: usize = 128;

/// The accuracy, in [0, 1], of the `k`-nearest-neighbour classifier that labels each `test`
/// sample by a majority vote of its `k` nearest `train` samples; both sets hold samples of
/// `dim` features.
///
/// Fails on malformed or non-finite features, on a label count other than the sample count or
/// a label above 9, and if `k` is not in `1..=n_train`.
pub fn knn_accuracy(
    train: &[f32],
    train_labels: &[u8],
    test: &[f32],
    test_labels: &[u8],
    dim: usize,
    k: usize,
) -> Result<f32, EvalError> {
    let n_train = sample_count("train features", train, dim)?;
    check_labels("train labels", train_labels, n_train)?;
    let n_test = sample_count("test features", test, dim)?;
    check_labels("test labels", test_labels, n_test)?;
    if k == 0 || k > n_train {
        return Err(EvalError::KOutOfRange {
            what: "neighbours",
            k,
            max: n_train,
        });
    }

    let mean = mean(train, dim);
    let train = centred(train, &mean);
    let test = centred(test, &mean);
    let norms: Vec<f32> = train
        .chunks_exact(dim)
        .map(|r| r.iter().map(|v| v * v).sum())
        .collect();
    let reference = RowMajor::new(&train[..], n_train, dim);

    let mut dots = vec![0.0f32; BLOCK.min(n_test) * n_train];
    let mut nearest: Vec<(f32, usize)> = Vec::with_capacity(k + 1);
    let mut right = 0usize;
    for (block, labels) in test.chunks(BLOCK * dim).zip(test_labels.chunks(BLOCK)) {
        let m = labels.len();
        let dots = &mut dots[..m * n_train];
        gemm(1.0, RowMajor::new(block, m, dim), reference.t(), 0.0, dots);
        for (row, &label) in dots.chunks_exact(n_train).zip(labels) {
            nearest.clear();
            for (j, (&dot, &norm)) in row.iter().zip(&norms).enumerate() {
                let score = norm - 2.0 * dot;
                if nearest.len() == k && nearest.last().is_some_and(|&(worst, _)| score >= worst) {
                    continue;
                }
                // Insert after every entry not farther: equal scores keep index order.
                let at = nearest.partition_point(|&(s, _)| s <= score);
                nearest.insert(at, (score, j));
                nearest.truncate(k);
            }
            if vote(&nearest, train_labels) == label {
                right += 1;
            }
        }
    }
    Ok(right as f32 / n_test as f32)
}

/// The majority label of the neighbours (sorted nearest first); on a tied count, the label of
/// the nearest neighbour among the tied classes.
fn vote(nearest: &[(f32, usize)], labels: &[u8]) -> u8 {
    let mut counts = [0usize; CLASSES];
    for &(_, j) in nearest {
        counts[usize::from(labels[j])] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(0);
    nearest
        .iter()
        .map(|&(_, j)| labels[j])
        .find(|&l| counts[usize::from(l)] == top)
        .unwrap_or(0)
}

/// The mean sample, accumulated in `f64`.
fn mean(data: &[f32], dim: usize) -> Vec<f32> {
    let mut sum = vec![0.0f64; dim];
    for sample in data.chunks_exact(dim) {
        sum.iter_mut()
            .zip(sample)
            .for_each(|(s, &x)| *s += f64::from(x));
    }
    let n = (data.len() / dim) as f64;
    sum.iter().map(|s| (s / n) as f32).collect()
}

/// A copy of `data` with `mean` subtracted from every sample.
fn centred(data: &[f32], mean: &[f32]) -> Vec<f32> {
    data.chunks_exact(mean.len())
        .flat_map(|s| s.iter().zip(mean).map(|(&x, &m)| x - m))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tinyvae_core::rng::{seeded_rng, standard_normal};

    /// 1-D training points 0, 1, 2 (class 0), 10, 11, 12 (class 1) and 6.4 (class 2).
    const TRAIN: [f32; 7] = [0.0, 1.0, 2.0, 10.0, 11.0, 12.0, 6.4];
    const LABELS: [u8; 7] = [0, 0, 0, 1, 1, 1, 2];

    #[test]
    fn golden_one_dimensional_votes() {
        // k = 1: 0.4 → 0; 11.6 → 1; 5.9 → 6.4 (class 2); 8.9 → 10 (class 1, at 1.1 vs 2.5).
        let test = [0.4, 11.6, 5.9, 8.9];
        let acc = |labels: &[u8], k| knn_accuracy(&TRAIN, &LABELS, &test, labels, 1, k).unwrap();
        assert_eq!(acc(&[0, 1, 2, 1], 1), 1.0);
        // k = 3: 5.9 sees 6.4 (2), 2 (0, at 3.9), 10 (1, at 4.1): a three-way tie, won by the
        // nearest, class 2. 8.9 sees 10, 11, 6.4: class 1 by two votes to one.
        assert_eq!(acc(&[0, 1, 2, 1], 3), 1.0);
        // k = 7 takes everything: classes 0 and 1 tie at 3 votes and the nearest of their
        // members decides; for 5.9 that is 2 (at 3.9, class 0) over 10 (at 4.1).
        assert_eq!(acc(&[0, 1, 0, 1], 7), 1.0);
        assert_eq!(acc(&[0, 0, 0, 0], 7), 0.5);
    }

    #[test]
    fn equal_distances_prefer_the_lower_index() {
        // The test point 1 is at distance 1 from both 0 (class 3) and 2 (class 4).
        let acc = |label| knn_accuracy(&[0.0, 2.0], &[3, 4], &[1.0], &[label], 1, 1).unwrap();
        assert_eq!((acc(3), acc(4)), (1.0, 0.0));
        let swapped = knn_accuracy(&[2.0, 0.0], &[4, 3], &[1.0], &[4], 1, 1).unwrap();
        assert_eq!(swapped, 1.0);
    }

    #[test]
    fn separates_clusters_in_two_dimensions() {
        // Ten clusters on a circle of radius 10 around a far-off centre (an offset the
        // centring removes), unit noise, more test samples than a block.
        let mut rng = seeded_rng(5);
        let mut sample = |n: usize| -> (Vec<f32>, Vec<u8>) {
            let mut x = Vec::with_capacity(2 * n);
            let labels: Vec<u8> = (0..n).map(|i| (i % CLASSES) as u8).collect();
            for &l in &labels {
                let angle = f32::from(l) * std::f32::consts::TAU / CLASSES as f32;
                x.push(1000.0 + 10.0 * angle.cos() + 0.5 * standard_normal(&mut rng));
                x.push(-500.0 + 10.0 * angle.sin() + 0.5 * standard_normal(&mut rng));
            }
            (x, labels)
        };
        let (train, train_labels) = sample(1000);
        let (test, test_labels) = sample(300);
        let acc = knn_accuracy(&train, &train_labels, &test, &test_labels, 2, 5).unwrap();
        assert!(acc >= 0.99, "{acc}");
        // Neighbours in 12 dimensions go through matrixmultiply rather than nalgebra's gemv.
        let pad = |x: &[f32]| -> Vec<f32> {
            x.chunks_exact(2)
                .flat_map(|p| [p[0], p[1], 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
                .collect()
        };
        let acc12 = knn_accuracy(
            &pad(&train),
            &train_labels,
            &pad(&test),
            &test_labels,
            12,
            5,
        );
        assert_eq!(acc12.unwrap(), acc);
    }

    #[test]
    fn refuses_bad_input() {
        let run = |k| knn_accuracy(&TRAIN, &LABELS, &[1.0], &[0], 1, k);
        for k in [0, 8] {
            assert_eq!(
                run(k),
                Err(EvalError::KOutOfRange {
                    what: "neighbours",
                    k,
                    max: 7
                })
            );
        }
        assert!(matches!(
            knn_accuracy(&TRAIN, &LABELS[..6], &[1.0], &[0], 1, 1),
            Err(EvalError::DimensionMismatch {
                what: "train labels",
                ..
            })
        ));
        assert!(matches!(
            knn_accuracy(&TRAIN, &LABELS, &[f32::NAN], &[0], 1, 1),
            Err(EvalError::NonFinite {
                what: "test features",
                ..
            })
        ));
    }
}
