//! Each sample's anomaly scores under a trained model.

use rand::SeedableRng;
use tinyvae_core::SeededRng;
use tinyvae_core::anomaly::{
    ScoreKind, reconstruction_cross_entropy, reconstruction_mse, reconstruction_relative,
};

use super::AnomalyError;
use crate::data::Dataset;
use crate::train::config::TrainConfig;
use crate::train::model::{Phase, TrainableModel};

/// How to score.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreOptions {
    /// The scores to compute, in this order.
    pub kinds: Vec<ScoreKind>,
    /// K, the draws of the ELBO and importance-weighted scores.
    pub importance_samples: usize,
    /// Seed of the draws: sample i uses its own stream of `seed + i`, so a sample's scores
    /// do not depend on the others or on the thread count.
    pub seed: u64,
    /// Threads to score with (at least 1); the scores are the same bits for any count.
    pub threads: usize,
    /// Reconstruct [`RECONSTRUCTION_BATCH`] samples at a time through the matrix products of
    /// training, where `false` reconstructs one sample at a time as a device does. A batch is
    /// several times faster on the large models, but its sums run in another order, so its
    /// reconstruction scores may differ from a device's in the last bits: a threshold for a
    /// device is set from scores of one sample at a time.
    pub batched: bool,
}

/// Samples reconstructed together when [`ScoreOptions::batched`].
pub const RECONSTRUCTION_BATCH: usize = 256;

/// The scores of every sample: `kinds.len()` values per sample, sample after sample.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleScores {
    /// The scores computed, in column order.
    pub kinds: Vec<ScoreKind>,
    values: Vec<f32>,
}

impl SampleScores {
    /// How many samples were scored.
    pub fn len(&self) -> usize {
        self.values.len() / self.kinds.len().max(1)
    }

    /// Whether no sample was scored.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The scores of sample `i`, one per kind.
    pub fn sample(&self, i: usize) -> &[f32] {
        let width = self.kinds.len();
        &self.values[i * width..(i + 1) * width]
    }

    /// Every sample's score of `kind`, if it was computed.
    pub fn column(&self, kind: ScoreKind) -> Option<Vec<f32>> {
        let at = self.kinds.iter().position(|&k| k == kind)?;
        let width = self.kinds.len();
        Some(
            self.values
                .iter()
                .skip(at)
                .step_by(width)
                .copied()
                .collect(),
        )
    }
}

/// The scores model `M` can give under `train`: the squared reconstruction error always, the
/// cross-entropy where the decoder gives probabilities, −ELBO and −log p(x) for VAEs.
pub fn available_scores<M: TrainableModel>(train: &TrainConfig) -> Vec<ScoreKind> {
    ScoreKind::ALL
        .into_iter()
        .filter(|&kind| check_available::<M>(kind, train).is_ok())
        .collect()
}

fn check_available<M: TrainableModel>(
    kind: ScoreKind,
    train: &TrainConfig,
) -> Result<(), AnomalyError> {
    let unavailable = |needs| {
        Err(AnomalyError::Unavailable {
            kind: kind.name(),
            needs,
        })
    };
    match kind {
        ScoreKind::ReconstructionCrossEntropy if !M::needs_unit_interval(train) => {
            unavailable("a decoder that gives probabilities (data in [0, 1])")
        }
        ScoreKind::NegativeElbo | ScoreKind::NegativeLogLikelihood if !M::IS_VARIATIONAL => {
            unavailable("a variational model")
        }
        _ => Ok(()),
    }
}

/// Scores every sample of `data` under `model`, trained with `train`.
///
/// The reconstruction scores use the decoder's mean of the clean input's code (μ for a VAE),
/// one sample at a time, so they are deterministic and the bits a device computes; −ELBO is
/// the mean of K one-draw estimates with β = 1 and −log p(x) the importance-weighted estimate
/// with the same K.
pub fn score_samples<M: TrainableModel>(
    model: &M,
    train: &TrainConfig,
    data: &Dataset,
    options: &ScoreOptions,
) -> Result<SampleScores, AnomalyError> {
    for &kind in &options.kinds {
        check_available::<M>(kind, train)?;
    }
    if data.pixels_per_image() != M::INPUTS {
        return Err(AnomalyError::Data(format!(
            "the data has {} features per sample, the model takes {}",
            data.pixels_per_image(),
            M::INPUTS
        )));
    }
    if options.importance_samples == 0 {
        return Err(AnomalyError::Core(tinyvae_core::Error::InvalidConfig(
            "importance samples must be >= 1",
        )));
    }
    let width = options.kinds.len();
    let mut values = vec![0.0f32; data.len() * width];
    let threads = options.threads.max(1);
    // Each sample is scored on its own, and a batch holds the same samples whatever the
    // thread count, so how they are shared out changes no bit.
    let mut per_thread = data.len().div_ceil(threads).max(1);
    if options.batched {
        per_thread = per_thread.next_multiple_of(RECONSTRUCTION_BATCH);
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = values
            .chunks_mut(per_thread * width)
            .enumerate()
            .map(|(t, out)| {
                let first = t * per_thread;
                scope.spawn(move || score_range(model, train, data, first, out, options))
            })
            .collect();
        workers.into_iter().try_for_each(|worker| {
            worker
                .join()
                .unwrap_or_else(|_| Err(AnomalyError::Data("a scoring thread panicked".into())))
        })
    })?;
    Ok(SampleScores {
        kinds: options.kinds.clone(),
        values,
    })
}

/// Scores samples `first..` of `data` into `out` (`kinds.len()` values per sample).
fn score_range<M: TrainableModel>(
    model: &M,
    train: &TrainConfig,
    data: &Dataset,
    first: usize,
    out: &mut [f32],
    options: &ScoreOptions,
) -> Result<(), AnomalyError> {
    // β = 1: the ELBO and log p(x) of the model, whatever β it was trained with.
    let config = &M::model_config(train, 1.0, Phase::Train);
    let width = options.kinds.len();
    let count = out.len() / width;
    let inputs = &data.images()[first * M::INPUTS..(first + count) * M::INPUTS];
    let reconstructs = options.kinds.iter().any(|k| !k.needs_draws());
    let mut reconstruction = vec![0.0f32; if reconstructs { inputs.len() } else { 0 }];
    if reconstructs {
        // One sample at a time unless asked: the dot-product path a device takes, so a
        // device scores each sample to the same bits and decides as the host does at the
        // threshold (a batch goes through the GEMM, whose sums run in another order).
        let batch = if options.batched {
            RECONSTRUCTION_BATCH
        } else {
            1
        };
        let mut workspace = vec![0.0; M::WORKSPACE * batch.min(count.max(1))];
        for (x, x_hat) in inputs
            .chunks(M::INPUTS * batch)
            .zip(reconstruction.chunks_mut(M::INPUTS * batch))
        {
            model.reconstruct_with(config, x, x_hat, x.len() / M::INPUTS, &mut workspace)?;
        }
    }
    let samples = options.importance_samples;
    let mut iw_workspace = vec![0.0; M::importance_workspace_len(samples)];
    for (i, row) in out.chunks_exact_mut(width).enumerate() {
        let x = &inputs[i * M::INPUTS..(i + 1) * M::INPUTS];
        let index = (first + i) as u64;
        for (&kind, value) in options.kinds.iter().zip(row.iter_mut()) {
            let mut rng = SeededRng::seed_from_u64(options.seed.wrapping_add(index));
            *value = match kind {
                ScoreKind::ReconstructionMse => {
                    reconstruction_mse(x, &reconstruction[i * M::INPUTS..(i + 1) * M::INPUTS])?
                }
                ScoreKind::ReconstructionRelative => {
                    reconstruction_relative(x, &reconstruction[i * M::INPUTS..(i + 1) * M::INPUTS])?
                }
                ScoreKind::ReconstructionCrossEntropy => reconstruction_cross_entropy(
                    x,
                    &reconstruction[i * M::INPUTS..(i + 1) * M::INPUTS],
                )?,
                ScoreKind::NegativeElbo => {
                    let mut sum = 0.0f64;
                    for _ in 0..samples {
                        sum += f64::from(model.importance_weighted_log_likelihood(
                            config,
                            x,
                            1,
                            &mut rng,
                            &mut iw_workspace,
                        )?);
                    }
                    (-sum / samples as f64) as f32
                }
                ScoreKind::NegativeLogLikelihood => -model.importance_weighted_log_likelihood(
                    config,
                    x,
                    samples,
                    &mut rng,
                    &mut iw_workspace,
                )?,
                _ => {
                    return Err(AnomalyError::Unavailable {
                        kind: kind.name(),
                        needs: "a newer tinyvae",
                    });
                }
            };
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
