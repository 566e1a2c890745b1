//! [`TrainableModel`] for the core's model families: the VAE, the autoencoder, the tied and
//! the stacked autoencoder. A model type of any sizes from these families trains in the tool.

use tinyvae_core::autoencoder::{AutoencoderConfig, ReconstructionLoss};
use tinyvae_core::stacked::{StackedAutoencoder, StackedConfig, Stage};
use tinyvae_core::tied::TiedAutoencoder;
use tinyvae_core::vae::{Likelihood, VaeConfig};
use tinyvae_core::{Error, Network, SeededRng};

use super::config::TrainConfig;
use super::model::{Phase, TrainableModel};

fn autoencoder_config(train: &TrainConfig) -> AutoencoderConfig {
    AutoencoderConfig {
        loss: ReconstructionLoss::CrossEntropy,
        noise: train.noise,
    }
}

impl<E, const H: usize, const Z: usize, D> TrainableModel for tinyvae_core::vae::Vae<E, H, Z, D>
where
    E: Network + Send + Sync + 'static,
    D: Network + Send + Sync + 'static,
{
    const IS_VARIATIONAL: bool = true;

    fn model_config(_: &TrainConfig, beta: f32, _: Phase) -> VaeConfig {
        VaeConfig {
            likelihood: Likelihood::Bernoulli,
            beta,
        }
    }

    fn sample_prior(
        &self,
        rng: &mut SeededRng,
        output: &mut [f32],
        count: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        tinyvae_core::vae::Vae::sample_prior(self, rng, output, count, workspace)
    }

    fn importance_weighted_log_likelihood(
        &self,
        config: &VaeConfig,
        input: &[f32],
        samples: usize,
        rng: &mut SeededRng,
        workspace: &mut [f32],
    ) -> Result<f32, Error> {
        tinyvae_core::vae::Vae::importance_weighted_log_likelihood(
            self, config, input, samples, rng, workspace,
        )
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
}

impl<const X: usize, const H: usize, A: tinyvae_core::Activation + Send + Sync> TrainableModel
    for TiedAutoencoder<X, H, A>
{
    fn model_config(train: &TrainConfig, _: f32, _: Phase) -> AutoencoderConfig {
        autoencoder_config(train)
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
            loss: ReconstructionLoss::CrossEntropy,
            noise: train.noise,
        }
    }
}
