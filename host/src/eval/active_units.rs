//! Active latent units (Burda, Grosse and Salakhutdinov 2016, "Importance Weighted
//! Autoencoders", §5.2).
//!
//! A VAE may leave some latent units unused: their posterior matches the prior whatever the
//! input, so their mean `μ_u(x) = E_q[z_u | x]` no longer moves with `x`. Unit `u` is counted
//! as *active* when the activity statistic
//!
//! ```text
//! A_u = Cov_x(E_q[z_u | x]) = 1/(n-1) · Σ_i (μ_u(x_i) - μ̄_u)²,   μ̄_u = 1/n · Σ_i μ_u(x_i)
//! ```
//!
//! exceeds [`ACTIVE_UNIT_THRESHOLD`] = 0.01. The input is the matrix of posterior means, one
//! row of `z` values per sample (for a plain autoencoder, its codes).

use super::{EvalError, sample_count};

/// The activity above which a unit counts as active, as in Burda et al.
pub const ACTIVE_UNIT_THRESHOLD: f32 = 0.01;

/// The activity of each latent unit and how many are active.
#[derive(Clone, Debug, PartialEq)]
pub struct ActiveUnits {
    /// Number of units whose activity is strictly above `threshold`.
    pub count: usize,
    /// The activity `A_u` of each unit: the sample variance (divisor `n - 1`) of its posterior
    /// mean across the samples, `z` values.
    pub variances: Vec<f32>,
    /// The threshold the count used.
    pub threshold: f32,
}

/// Counts the active units among the posterior `means` (`n * z_dim` values, sample after
/// sample), with Burda et al.'s threshold [`ACTIVE_UNIT_THRESHOLD`].
///
/// Fails on malformed or non-finite means and on fewer than two samples.
pub fn active_units(means: &[f32], z_dim: usize) -> Result<ActiveUnits, EvalError> {
    active_units_above(means, z_dim, ACTIVE_UNIT_THRESHOLD)
}

/// As [`active_units`], with unit `u` active when `A_u > threshold`.
pub fn active_units_above(
    means: &[f32],
    z_dim: usize,
    threshold: f32,
) -> Result<ActiveUnits, EvalError> {
    let n = sample_count("latent means", means, z_dim)?;
    if n < 2 {
        return Err(EvalError::TooFewSamples {
            what: "latent means",
            needed: 2,
            found: n,
        });
    }
    // Two passes in f64: the mean, then the squared deviations from it.
    let mut mean = vec![0.0f64; z_dim];
    for row in means.chunks_exact(z_dim) {
        mean.iter_mut()
            .zip(row)
            .for_each(|(m, &v)| *m += f64::from(v));
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut var = vec![0.0f64; z_dim];
    for row in means.chunks_exact(z_dim) {
        for ((s, &v), &m) in var.iter_mut().zip(row).zip(&mean) {
            *s += (f64::from(v) - m).powi(2);
        }
    }
    let variances: Vec<f32> = var.iter().map(|&s| (s / (n - 1) as f64) as f32).collect();
    Ok(ActiveUnits {
        count: variances.iter().filter(|&&v| v > threshold).count(),
        variances,
        threshold,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn golden_values() {
        // Four samples of three units:
        //   unit 0: 0, 1, 2, 3        mean 1.5, Σ dev² = 5      → 5/3
        //   unit 1: 0.5 everywhere    → 0, collapsed
        //   unit 2: 0, 0.2, 0, 0.2    mean 0.1, Σ dev² = 0.04   → 0.04/3 = 0.01333…
        let means = [
            0.0, 0.5, 0.0, //
            1.0, 0.5, 0.2, //
            2.0, 0.5, 0.0, //
            3.0, 0.5, 0.2,
        ];
        let au = active_units(&means, 3).unwrap();
        assert_eq!(au.count, 2);
        assert_eq!(au.threshold, 0.01);
        let want = [5.0 / 3.0, 0.0, 0.04 / 3.0];
        for (got, want) in au.variances.iter().zip(want) {
            assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        }
        // Unit 2 sits at 0.0133: a higher threshold drops it.
        assert_eq!(active_units_above(&means, 3, 0.02).unwrap().count, 1);
    }

    #[test]
    fn threshold_is_strict() {
        // Samples 0 and 0.25: mean 0.125, variance 2 · 0.125² / 1 = 0.03125, exact in binary.
        let au = active_units_above(&[0.0, 0.25], 1, 0.03125).unwrap();
        assert_eq!(au.variances, [0.03125]);
        assert_eq!(au.count, 0);
        assert_eq!(active_units_above(&[0.0, 0.25], 1, 0.03).unwrap().count, 1);
    }

    #[test]
    fn large_offsets_do_not_cancel() {
        // A unit at 1000 ± 0.1 has variance 0.01·n/(n-1), not garbage from cancellation.
        let means: Vec<f32> = (0..1000)
            .map(|i| if i % 2 == 0 { 1000.1 } else { 999.9 })
            .collect();
        let au = active_units(&means, 1).unwrap();
        let want = 0.01 * 1000.0 / 999.0;
        assert!((au.variances[0] - want).abs() < 1e-4, "{:?}", au.variances);
    }

    #[test]
    fn refuses_bad_input() {
        assert_eq!(
            active_units(&[1.0, 2.0], 2),
            Err(EvalError::TooFewSamples {
                what: "latent means",
                needed: 2,
                found: 1
            })
        );
        assert!(matches!(
            active_units(&[1.0, 2.0, 3.0], 2),
            Err(EvalError::RaggedSamples { .. })
        ));
        assert!(matches!(
            active_units(&[1.0, f32::INFINITY], 1),
            Err(EvalError::NonFinite { sample: 1, .. })
        ));
    }
}
