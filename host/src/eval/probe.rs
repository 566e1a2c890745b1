//! The linear probe: how well a linear classifier reads the digit class off the features.
//!
//! This is the semi-supervised use of an unsupervised encoder: freeze it, take its codes as
//! features, and fit the simplest classifier on them. Features that keep the class linearly
//! readable score high; comparing against raw pixels and against PCA codes of the same size
//! shows what the encoder organised.
//!
//! The classifier is multinomial logistic regression on standardised features. With
//! `s(x) = (x - μ) / σ` (train mean and standard deviation per feature; a feature constant on
//! the training set is dropped, i.e. `1/σ := 0`),
//!
//! ```text
//! p(c | x) = softmax(Wᵀ s(x) + b)_c,        W: d x 10, b: 10
//! L(W, b)  = 1/B Σ_{i ∈ batch} -log p(y_i | x_i) + λ/2 ‖W‖²
//! ∂L/∂W    = 1/B · S_bᵀ (P - Y) + λ W,      ∂L/∂b = 1/B · Σ_i (p_i - y_i)
//! ```
//!
//! (`S_b` the standardised batch, `P` its probabilities, `Y` its one-hot labels) minimised by
//! the core's Adam ([`tinyvae_core::optim::Adam::step_slices`]) over mini-batches, the training set shuffled each epoch by a seeded
//! generator, for a fixed number of epochs ([`ProbeConfig`]). Weights start at zero, so a run
//! is deterministic: same data and seed, same classifier, bit for bit. The prediction is
//! `argmax_c p(c | x)`.

use rand::seq::SliceRandom;
use tinyvae_core::optim::Adam;
use tinyvae_core::seeded_rng;

use super::matrix::{RowMajor, gemm};
use super::{CLASSES, EvalError, check_labels, sample_count};

/// Samples standardised and classified per matrix product when predicting.
const BLOCK: usize = 1024;

/// How the linear probe is trained.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeConfig {
    /// Passes over the training set. Default 15.
    pub epochs: usize,
    /// Samples per gradient step. Default 128.
    pub batch_size: usize,
    /// Adam's step size `α` at the start; it decays linearly to zero over the run, which lets
    /// the last epochs settle instead of rattling around the optimum. Default 0.003.
    pub learning_rate: f32,
    /// The L2 penalty `λ` on the weights (not the biases). Default 1e-4.
    pub weight_decay: f32,
    /// Seed of the generator that shuffles the training set each epoch. Default 0.
    pub seed: u64,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        Self {
            epochs: 15,
            batch_size: 128,
            learning_rate: 0.003,
            weight_decay: 1e-4,
            seed: 0,
        }
    }
}

impl ProbeConfig {
    /// Refuses settings with which training cannot work.
    fn validate(&self) -> Result<(), EvalError> {
        if self.epochs == 0 {
            return Err(EvalError::InvalidConfig(
                "the probe needs at least one epoch",
            ));
        }
        if self.batch_size == 0 {
            return Err(EvalError::InvalidConfig(
                "the probe's batch size must be at least 1",
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(EvalError::InvalidConfig(
                "the probe's learning rate must be positive",
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(EvalError::InvalidConfig(
                "the probe's weight decay must be >= 0",
            ));
        }
        Ok(())
    }
}

/// A trained linear classifier over standardised features.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearProbe {
    /// The training mean of each feature, `μ`.
    mean: Vec<f32>,
    /// `1/σ` per feature, 0 for a feature constant on the training set.
    inv_std: Vec<f32>,
    /// `W`, `d x CLASSES` row-major.
    weights: Vec<f32>,
    /// `b`.
    bias: [f32; CLASSES],
}

impl LinearProbe {
    /// Trains the classifier on `features` (`n * dim` values) and their `labels` (digits).
    ///
    /// Fails on malformed or non-finite features, on a label count other than `n` or a label
    /// above 9, and on an unusable `config`.
    pub fn fit(
        features: &[f32],
        labels: &[u8],
        dim: usize,
        config: &ProbeConfig,
    ) -> Result<Self, EvalError> {
        let n = sample_count("train features", features, dim)?;
        check_labels("train labels", labels, n)?;
        config.validate()?;

        let (mean, inv_std) = standardiser(features, dim);
        let mut probe = Self {
            mean,
            inv_std,
            weights: vec![0.0; dim * CLASSES],
            bias: [0.0; CLASSES],
        };
        let batch = config.batch_size.min(n);
        let mut xb = vec![0.0f32; batch * dim];
        let mut delta = vec![0.0f32; batch * CLASSES];
        let mut grad_w = vec![0.0f32; dim * CLASSES];
        // Adam's moments m and v of the weights and of the biases.
        let (mut m_w, mut v_w) = (vec![0.0f32; dim * CLASSES], vec![0.0f32; dim * CLASSES]);
        let (mut m_b, mut v_b) = ([0.0f32; CLASSES], [0.0f32; CLASSES]);

        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = seeded_rng(config.seed);
        let total_steps = config.epochs * n.div_ceil(batch);
        let mut t = 0u64;
        for _ in 0..config.epochs {
            order.shuffle(&mut rng);
            for chunk in order.chunks(batch) {
                let m = chunk.len();
                let xb = &mut xb[..m * dim];
                let delta = &mut delta[..m * CLASSES];
                for (row, &i) in xb.chunks_exact_mut(dim).zip(chunk) {
                    probe.standardise(&features[i * dim..(i + 1) * dim], row);
                }
                // delta = (P - Y) / m, the gradient of the mean loss w.r.t. the logits.
                probe.logits(xb, delta);
                for (row, &i) in delta.chunks_exact_mut(CLASSES).zip(chunk) {
                    softmax(row);
                    row[usize::from(labels[i])] -= 1.0;
                    row.iter_mut().for_each(|g| *g /= m as f32);
                }
                grad_w.copy_from_slice(&probe.weights);
                let xb_ = RowMajor::new(&xb[..], m, dim);
                let delta_ = RowMajor::new(&delta[..], m, CLASSES);
                gemm(1.0, xb_.t(), delta_, config.weight_decay, &mut grad_w);
                let mut grad_b = [0.0f32; CLASSES];
                for row in delta.chunks_exact(CLASSES) {
                    grad_b.iter_mut().zip(row).for_each(|(g, &d)| *g += d);
                }

                t += 1;
                // α decays linearly from its full value at step 1 to α / total at the last.
                let decay = 1.0 - (t - 1) as f32 / total_steps as f32;
                let adam = Adam::with_learning_rate(config.learning_rate * decay);
                adam.step_slices(t, &mut probe.weights, &grad_w, &mut m_w, &mut v_w)
                    .map_err(EvalError::Optimizer)?;
                adam.step_slices(t, &mut probe.bias, &grad_b, &mut m_b, &mut v_b)
                    .map_err(EvalError::Optimizer)?;
            }
        }
        Ok(probe)
    }

    /// Number of features per sample the probe takes.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// Writes the predicted digit of each sample of `features` (`n * dim` values) to `out`
    /// (`n` labels).
    pub fn predict(&self, features: &[f32], out: &mut [u8]) -> Result<(), EvalError> {
        let d = self.dim();
        let n = sample_count("features", features, d)?;
        if out.len() != n {
            return Err(EvalError::DimensionMismatch {
                what: "prediction buffer length",
                expected: n,
                found: out.len(),
            });
        }
        let mut xb = vec![0.0f32; BLOCK.min(n) * d];
        let mut logits = vec![0.0f32; BLOCK.min(n) * CLASSES];
        for (block, out) in features.chunks(BLOCK * d).zip(out.chunks_mut(BLOCK)) {
            let m = out.len();
            let xb = &mut xb[..m * d];
            let logits = &mut logits[..m * CLASSES];
            for (row, sample) in xb.chunks_exact_mut(d).zip(block.chunks_exact(d)) {
                self.standardise(sample, row);
            }
            self.logits(xb, logits);
            for (label, row) in out.iter_mut().zip(logits.chunks_exact(CLASSES)) {
                *label = argmax(row);
            }
        }
        Ok(())
    }

    /// The fraction of samples of `features` whose predicted digit is their label.
    pub fn accuracy(&self, features: &[f32], labels: &[u8]) -> Result<f32, EvalError> {
        let n = sample_count("features", features, self.dim())?;
        check_labels("labels", labels, n)?;
        let mut predicted = vec![0u8; n];
        self.predict(features, &mut predicted)?;
        let right = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
        Ok(right as f32 / n as f32)
    }

    /// `out = (x - μ) / σ` for one sample.
    fn standardise(&self, x: &[f32], out: &mut [f32]) {
        for (((o, &x), &m), &s) in out.iter_mut().zip(x).zip(&self.mean).zip(&self.inv_std) {
            *o = (x - m) * s;
        }
    }

    /// `logits = xb W + b` for a block of standardised samples.
    fn logits(&self, xb: &[f32], logits: &mut [f32]) {
        let d = self.dim();
        let m = xb.len() / d;
        for row in logits.chunks_exact_mut(CLASSES) {
            row.copy_from_slice(&self.bias);
        }
        let w = RowMajor::new(&self.weights[..], d, CLASSES);
        gemm(1.0, RowMajor::new(xb, m, d), w, 1.0, logits);
    }
}

/// Trains a [`LinearProbe`] with the default [`ProbeConfig`] on the training features and
/// returns its accuracy on the test features, in [0, 1].
pub fn linear_probe_accuracy(
    train: &[f32],
    train_labels: &[u8],
    test: &[f32],
    test_labels: &[u8],
    dim: usize,
) -> Result<f32, EvalError> {
    let probe = LinearProbe::fit(train, train_labels, dim, &ProbeConfig::default())?;
    let n = sample_count("test features", test, dim)?;
    check_labels("test labels", test_labels, n)?;
    probe.accuracy(test, test_labels)
}

/// Per-feature mean and inverse standard deviation (population, computed in `f64`); the
/// inverse is 0 for a feature whose standard deviation is below 1e-6 (constant on the set).
fn standardiser(features: &[f32], dim: usize) -> (Vec<f32>, Vec<f32>) {
    let n = (features.len() / dim) as f64;
    let mut sum = vec![0.0f64; dim];
    for sample in features.chunks_exact(dim) {
        sum.iter_mut()
            .zip(sample)
            .for_each(|(s, &x)| *s += f64::from(x));
    }
    let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
    let mut sq = vec![0.0f64; dim];
    for sample in features.chunks_exact(dim) {
        for ((s, &x), &m) in sq.iter_mut().zip(sample).zip(&mean) {
            *s += (f64::from(x) - m).powi(2);
        }
    }
    let inv_std = sq
        .iter()
        .map(|&s| {
            let std = (s / n).sqrt();
            if std > 1e-6 { (1.0 / std) as f32 } else { 0.0 }
        })
        .collect();
    (mean.iter().map(|&m| m as f32).collect(), inv_std)
}

/// Replaces logits by their softmax, shifted by the maximum so no exponential overflows.
fn softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut total = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        total += *v;
    }
    row.iter_mut().for_each(|v| *v /= total);
}

/// The index of the largest value, the first one on a tie.
fn argmax(row: &[f32]) -> u8 {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best as u8
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tinyvae_core::rng::{SeededRng, seeded_rng, standard_normal, uniform};

    /// `n` samples of `dim` features (`dim > 10`): class `c` is a unit Gaussian around
    /// `spread · e_c` plus an offset, the last feature constant, labels cycling through the
    /// digits.
    fn clusters(rng: &mut SeededRng, n: usize, dim: usize, spread: f32) -> (Vec<f32>, Vec<u8>) {
        let labels: Vec<u8> = (0..n).map(|i| (i % CLASSES) as u8).collect();
        let mut data = Vec::with_capacity(n * dim);
        for &label in &labels {
            for f in 0..dim {
                let centre = if f == usize::from(label) { spread } else { 0.0 };
                let value = if f == dim - 1 {
                    4.0
                } else {
                    3.0 + centre + standard_normal(rng)
                };
                data.push(value);
            }
        }
        (data, labels)
    }

    #[test]
    fn separable_clusters_are_classified() {
        let mut rng = seeded_rng(1);
        let (train, train_labels) = clusters(&mut rng, 2000, 12, 8.0);
        let (test, test_labels) = clusters(&mut rng, 1000, 12, 8.0);
        let acc = linear_probe_accuracy(&train, &train_labels, &test, &test_labels, 12).unwrap();
        assert!(acc >= 0.99, "{acc}");
    }

    #[test]
    fn random_labels_give_chance() {
        let mut rng = seeded_rng(2);
        let dim = 20;
        let mut noise = |n: usize| -> (Vec<f32>, Vec<u8>) {
            let x = (0..n * dim).map(|_| standard_normal(&mut rng)).collect();
            let y = (0..n)
                .map(|_| (uniform(&mut rng) * 10.0) as u8 % 10)
                .collect();
            (x, y)
        };
        let (train, train_labels) = noise(2000);
        let (test, test_labels) = noise(4000);
        let acc = linear_probe_accuracy(&train, &train_labels, &test, &test_labels, dim).unwrap();
        // Chance is 0.1; the standard error over 4000 test samples is 0.005.
        assert!((0.07..0.13).contains(&acc), "{acc}");
    }

    #[test]
    fn training_is_deterministic() {
        let mut rng = seeded_rng(3);
        let (train, labels) = clusters(&mut rng, 500, 11, 1.5);
        let config = ProbeConfig {
            epochs: 3,
            ..ProbeConfig::default()
        };
        let a = LinearProbe::fit(&train, &labels, 11, &config).unwrap();
        let b = LinearProbe::fit(&train, &labels, 11, &config).unwrap();
        assert_eq!(a, b);
        let other = ProbeConfig { seed: 9, ..config };
        let c = LinearProbe::fit(&train, &labels, 11, &other).unwrap();
        assert_ne!(a.weights, c.weights);
        assert_eq!(a.dim(), 11);
    }

    #[test]
    fn standardises_with_the_training_statistics() {
        // Feature 0: 1, 3 → mean 2, σ 1. Feature 1 constant → dropped (1/σ = 0).
        let (mean, inv_std) = standardiser(&[1.0, 5.0, 3.0, 5.0], 2);
        assert_eq!((mean, inv_std), (vec![2.0, 5.0], vec![1.0, 0.0]));
    }

    #[test]
    fn softmax_and_argmax_golden() {
        let mut row = [0.0, 5.0, 1000.0, 1001.0];
        softmax(&mut row);
        // The two huge logits share the mass 1 : e, without overflow; the small ones vanish.
        let e = std::f32::consts::E;
        assert!((row[2] - 1.0 / (1.0 + e)).abs() < 1e-6, "{row:?}");
        assert!((row[3] - e / (1.0 + e)).abs() < 1e-6, "{row:?}");
        assert!(row[0] == 0.0 && row[1] < 1e-30);
        assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), 1);
    }

    #[test]
    fn predicts_the_learned_classes() {
        let mut rng = seeded_rng(4);
        let (train, labels) = clusters(&mut rng, 1000, 11, 8.0);
        let probe = LinearProbe::fit(&train, &labels, 11, &ProbeConfig::default()).unwrap();
        let mut predicted = [0u8; 20];
        probe.predict(&train[..20 * 11], &mut predicted).unwrap();
        assert_eq!(predicted[..], labels[..20]);
        assert_eq!(probe.accuracy(&train, &labels).unwrap(), 1.0);
    }

    #[test]
    fn refuses_bad_input() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let fit = |labels: &[u8], config: &ProbeConfig| LinearProbe::fit(&x, labels, 2, config);
        let default = ProbeConfig::default();
        assert_eq!(
            fit(&[1], &default),
            Err(EvalError::DimensionMismatch {
                what: "train labels",
                expected: 2,
                found: 1
            })
        );
        assert!(matches!(
            fit(&[1, 12], &default),
            Err(EvalError::LabelOutOfRange { label: 12, .. })
        ));
        for config in [
            ProbeConfig {
                epochs: 0,
                ..ProbeConfig::default()
            },
            ProbeConfig {
                batch_size: 0,
                ..ProbeConfig::default()
            },
            ProbeConfig {
                learning_rate: f32::NAN,
                ..ProbeConfig::default()
            },
            ProbeConfig {
                weight_decay: -1.0,
                ..ProbeConfig::default()
            },
        ] {
            assert!(matches!(
                fit(&[0, 1], &config),
                Err(EvalError::InvalidConfig(_))
            ));
        }
        let probe = fit(&[0, 1], &default).unwrap();
        assert!(matches!(
            probe.accuracy(&[0.0, 1.0, 2.0], &[0]),
            Err(EvalError::RaggedSamples { .. })
        ));
        assert!(matches!(
            probe.predict(&x, &mut [0u8; 3]),
            Err(EvalError::DimensionMismatch { expected: 2, .. })
        ));
        assert!(matches!(
            linear_probe_accuracy(&x, &[0, 1], &x, &[0], 2),
            Err(EvalError::DimensionMismatch {
                what: "test labels",
                ..
            })
        ));
    }
}
