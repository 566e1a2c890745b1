//! Input corruption for denoising autoencoders (Vincent et al. 2008, 2010).
//!
//! A denoising autoencoder sees a corrupted x̃ ~ q(x̃ | x) and is trained to reconstruct the
//! clean x, which forces its code to capture the structure of the data rather than copy it.

use crate::Error;
use crate::batch::check_input;
use crate::rng::{SeededRng, standard_normal, uniform};

/// The corruption process q(x̃ | x), applied independently to every feature.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Noise {
    /// x̃ = x: a plain autoencoder. Draws nothing from the generator.
    #[default]
    None,
    /// Additive isotropic Gaussian noise: x̃ = x + ε, ε ~ N(0, σ²).
    Gaussian {
        /// σ ≥ 0.
        std_dev: f32,
    },
    /// Masking noise: each feature is kept with probability p and set to 0 otherwise,
    /// x̃ᵢ = mᵢ·xᵢ with mᵢ ~ Bernoulli(p) (no rescaling, as in Vincent et al.).
    Masking {
        /// p ∈ (0, 1]; 1 keeps everything.
        keep_probability: f32,
    },
}

impl Noise {
    /// Checks the hyperparameter: σ finite and ≥ 0, p in (0, 1].
    pub fn validate(&self) -> Result<(), Error> {
        match *self {
            Self::None => Ok(()),
            Self::Gaussian { std_dev } => {
                if std_dev.is_finite() && std_dev >= 0.0 {
                    Ok(())
                } else {
                    Err(Error::InvalidConfig(
                        "Gaussian noise std_dev must be finite and >= 0",
                    ))
                }
            }
            Self::Masking { keep_probability } => {
                // Written so that NaN fails too.
                if keep_probability > 0.0 && keep_probability <= 1.0 {
                    Ok(())
                } else {
                    Err(Error::InvalidConfig(
                        "masking noise keep_probability must be in (0, 1]",
                    ))
                }
            }
        }
    }

    /// Whether this is [`Noise::None`], i.e. the input is used as it is.
    pub fn is_none(&self) -> bool {
        matches!(self, Self::None)
    }
}

/// Writes x̃ ~ q(x̃ | x) for every float of `clean` into `corrupted` (same length).
///
/// Draws one number per feature from `rng`, in storage order (one normal for
/// [`Noise::Gaussian`], one uniform for [`Noise::Masking`], none for [`Noise::None`]), so the
/// same seed gives the same bits on every target.
pub fn corrupt(
    noise: &Noise,
    clean: &[f32],
    corrupted: &mut [f32],
    rng: &mut SeededRng,
) -> Result<(), Error> {
    noise.validate()?;
    if clean.is_empty() {
        return Err(Error::EmptyBatch);
    }
    check_input(corrupted, clean.len(), 1)?;
    match *noise {
        Noise::None => corrupted.copy_from_slice(clean),
        Noise::Gaussian { std_dev } => {
            for (out, &x) in corrupted.iter_mut().zip(clean) {
                *out = x + std_dev * standard_normal(rng);
            }
        }
        Noise::Masking { keep_probability } => {
            for (out, &x) in corrupted.iter_mut().zip(clean) {
                // U[0, 1) < p holds with probability p, always when p = 1.
                *out = if uniform(rng) < keep_probability {
                    x
                } else {
                    0.0
                };
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::seeded_rng;
    use crate::test_support::assert_close;

    const DRAWS: usize = 20_000;

    #[test]
    fn gaussian_noise_has_the_stated_mean_and_variance() {
        let clean: Vec<f32> = (0..DRAWS).map(|i| (i % 7) as f32 * 0.1).collect();
        let mut corrupted = vec![0.0; DRAWS];
        let noise = Noise::Gaussian { std_dev: 0.3 };
        corrupt(&noise, &clean, &mut corrupted, &mut seeded_rng(1)).unwrap();
        let added: Vec<f64> = corrupted
            .iter()
            .zip(&clean)
            .map(|(&n, &c)| (n - c) as f64)
            .collect();
        let mean = added.iter().sum::<f64>() / DRAWS as f64;
        let variance = added.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / DRAWS as f64;
        // Standard error of the mean is 0.3/√20000 ≈ 0.0021; of the variance ≈ 0.09·√(2/N) ≈ 0.0009.
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert_close!(variance, 0.09, 0.005);
    }

    #[test]
    fn masking_keeps_the_stated_fraction() {
        let clean = vec![0.75f32; DRAWS];
        let mut corrupted = vec![0.0; DRAWS];
        let noise = Noise::Masking {
            keep_probability: 0.7,
        };
        corrupt(&noise, &clean, &mut corrupted, &mut seeded_rng(2)).unwrap();
        assert!(corrupted.iter().all(|&v| v == 0.0 || v == 0.75));
        let kept = corrupted.iter().filter(|&&v| v == 0.75).count() as f64 / DRAWS as f64;
        // Standard error √(0.21/20000) ≈ 0.0032.
        assert!((kept - 0.7).abs() < 0.015, "kept {kept}");

        let everything = Noise::Masking {
            keep_probability: 1.0,
        };
        corrupt(&everything, &clean, &mut corrupted, &mut seeded_rng(3)).unwrap();
        assert_eq!(corrupted, clean);
    }

    #[test]
    fn none_copies_and_draws_nothing() {
        let clean = [0.1f32, 0.2, 0.3];
        let mut corrupted = [0.0; 3];
        let mut rng = seeded_rng(4);
        corrupt(&Noise::None, &clean, &mut corrupted, &mut rng).unwrap();
        assert_eq!(corrupted, clean);
        assert_eq!(rng, seeded_rng(4));
    }

    #[test]
    fn same_seed_same_bits() {
        let clean: Vec<f32> = (0..100).map(|i| i as f32 / 100.0).collect();
        for noise in [
            Noise::Gaussian { std_dev: 0.5 },
            Noise::Masking {
                keep_probability: 0.5,
            },
        ] {
            let (mut a, mut b, mut c) = (vec![0.0; 100], vec![0.0; 100], vec![0.0; 100]);
            corrupt(&noise, &clean, &mut a, &mut seeded_rng(9)).unwrap();
            corrupt(&noise, &clean, &mut b, &mut seeded_rng(9)).unwrap();
            corrupt(&noise, &clean, &mut c, &mut seeded_rng(10)).unwrap();
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b));
            assert_ne!(bits(&a), bits(&c));
        }
    }

    #[test]
    fn bad_hyperparameters_and_lengths_are_errors() {
        for bad in [
            Noise::Gaussian { std_dev: -0.1 },
            Noise::Gaussian { std_dev: f32::NAN },
            Noise::Gaussian {
                std_dev: f32::INFINITY,
            },
            Noise::Masking {
                keep_probability: 0.0,
            },
            Noise::Masking {
                keep_probability: 1.5,
            },
            Noise::Masking {
                keep_probability: f32::NAN,
            },
        ] {
            assert!(matches!(bad.validate(), Err(Error::InvalidConfig(_))));
            assert!(matches!(
                corrupt(&bad, &[1.0], &mut [0.0], &mut seeded_rng(0)),
                Err(Error::InvalidConfig(_))
            ));
        }
        assert!(Noise::Gaussian { std_dev: 0.0 }.validate().is_ok());
        let noise = Noise::Gaussian { std_dev: 0.1 };
        assert_eq!(
            corrupt(&noise, &[1.0, 2.0], &mut [0.0], &mut seeded_rng(0)),
            Err(Error::ShapeMismatch {
                expected: 2,
                found: 1
            })
        );
        assert_eq!(
            corrupt(&noise, &[], &mut [], &mut seeded_rng(0)),
            Err(Error::EmptyBatch)
        );
    }
}
