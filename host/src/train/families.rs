//! [`TrainableModel`] for the core's model families: the VAE, the autoencoder, the tied and
//! the stacked autoencoder. A model type of any sizes from these families trains in the tool.
//!
//! An autoencoder takes the run's reconstruction loss and noise, a VAE its likelihood and β;
//! each refuses the other family's settings rather than ignore them. A VAE refuses noise: it
//! is not trained as a denoising VAE (its encoder always sees the clean x).

use tinyvae_core::autoencoder::{AutoencoderConfig, ReconstructionLoss};
use tinyvae_core::noise::Noise;
use tinyvae_core::stacked::{StackedAutoencoder, StackedConfig, Stage};
use tinyvae_core::tied::TiedAutoencoder;
use tinyvae_core::vae::{DecoderVariance, Likelihood, Vae, VaeConfig};
use tinyvae_core::{Error, Network, SeededRng};

use super::config::TrainConfig;
use super::model::{Phase, TrainableModel};

fn autoencoder_config(train: &TrainConfig) -> AutoencoderConfig {
    AutoencoderConfig {
        loss: train.loss,
        noise: train.noise,
    }
}

/// An autoencoder's reconstruction term is its loss: a likelihood would be ignored.
fn refuse_likelihood(train: &TrainConfig) -> Result<(), String> {
    if train.likelihood != Likelihood::Bernoulli {
        return Err(
            "a likelihood applies to VAEs; an autoencoder is scored by its loss \
                    (cross-entropy or squared error)"
                .into(),
        );
    }
    Ok(())
}

impl<E, const H: usize, const Z: usize, D, V> TrainableModel for Vae<E, H, Z, D, V>
where
    E: Network + Send + Sync + 'static,
    D: Network + Send + Sync + 'static,
    V: DecoderVariance + Send + Sync + 'static,
{
    const IS_VARIATIONAL: bool = true;

    fn model_config(train: &TrainConfig, beta: f32, _: Phase) -> VaeConfig {
        VaeConfig {
            likelihood: train.likelihood,
            beta,
        }
    }

    /// Refuses noise (no denoising VAE is trained), a reconstruction loss other than the
    /// default (the likelihood is the reconstruction term), and a likelihood whose variance
    /// does not match the model's ([`Vae::check_config`]).
    fn validate_config(train: &TrainConfig) -> Result<(), String> {
        if train.noise != Noise::None {
            return Err(
                "noise applies to autoencoders; a VAE is not trained on corrupted \
                        inputs (no denoising VAE)"
                    .into(),
            );
        }
        if train.loss != ReconstructionLoss::CrossEntropy {
            return Err(
                "a reconstruction loss applies to autoencoders; a VAE is scored by \
                        its likelihood"
                    .into(),
            );
        }
        Self::check_config(&Self::model_config(train, train.beta, Phase::Train))
            .map_err(|e| e.to_string())
    }

    fn needs_unit_interval(train: &TrainConfig) -> bool {
        train.likelihood.needs_unit_interval()
    }

    fn sample_prior(
        &self,
        config: &VaeConfig,
        rng: &mut SeededRng,
        output: &mut [f32],
        count: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.sample_prior_with(config, rng, output, count, workspace)
    }

    fn importance_weighted_log_likelihood(
        &self,
        config: &VaeConfig,
        input: &[f32],
        samples: usize,
        rng: &mut SeededRng,
        workspace: &mut [f32],
    ) -> Result<f32, Error> {
        Vae::importance_weighted_log_likelihood(self, config, input, samples, rng, workspace)
    }

    fn importance_workspace_len(samples: usize) -> usize {
        // Decode up to 500 draws at a time: batched GEMMs, bounded memory.
        Self::importance_workspace(samples.clamp(1, 500))
    }
}

impl<E, D> TrainableModel for tinyvae_core::autoencoder::Autoencoder<E, D>
where
    E: Network + Send + Sync + 'static,
    D: Network + Send + Sync + 'static,
{
    fn model_config(train: &TrainConfig, _: f32, _: Phase) -> AutoencoderConfig {
        autoencoder_config(train)
    }

    fn validate_config(train: &TrainConfig) -> Result<(), String> {
        refuse_likelihood(train)
    }

    fn needs_unit_interval(train: &TrainConfig) -> bool {
        train.loss.needs_unit_interval()
    }
}

impl<const X: usize, const H: usize, A: tinyvae_core::Activation + Send + Sync> TrainableModel
    for TiedAutoencoder<X, H, A>
{
    fn model_config(train: &TrainConfig, _: f32, _: Phase) -> AutoencoderConfig {
        autoencoder_config(train)
    }

    fn validate_config(train: &TrainConfig) -> Result<(), String> {
        refuse_likelihood(train)
    }

    fn needs_unit_interval(train: &TrainConfig) -> bool {
        train.loss.needs_unit_interval()
    }
}

impl<const X: usize, const H1: usize, const H2: usize, const Z: usize> TrainableModel
    for StackedAutoencoder<X, H1, H2, Z>
{
    const PRETRAIN_STAGES: usize = tinyvae_core::stacked::STAGES;

    fn model_config(train: &TrainConfig, _: f32, phase: Phase) -> StackedConfig {
        StackedConfig {
            stage: match phase {
                Phase::Pretrain(layer) => Stage::Pretrain(layer),
                Phase::Train => Stage::FineTune,
            },
            loss: train.loss,
            noise: train.noise,
        }
    }

    fn validate_config(train: &TrainConfig) -> Result<(), String> {
        refuse_likelihood(train)
    }

    fn needs_unit_interval(train: &TrainConfig) -> bool {
        train.loss.needs_unit_interval()
    }
}
