//! What the host needs from a model beyond the core's [`Model`] trait.

use tinyvae_core::{Error, Model, SeededRng};

use super::config::TrainConfig;

/// Where a run is in its schedule, for models trained in stages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Greedy pretraining of one layer (stacked models).
    Pretrain(usize),
    /// Training (or fine-tuning) the whole model.
    Train,
}

/// A core model the host trainer can drive.
pub trait TrainableModel: Model + Send + Sync + 'static {
    /// Whether the model has a prior to sample and a KL term.
    const IS_VARIATIONAL: bool = false;
    /// Greedy pretraining stages before training the whole model.
    const PRETRAIN_STAGES: usize = 0;

    /// The core's hyperparameters for one step: `beta` is β after warm-up.
    fn model_config(train: &TrainConfig, beta: f32, phase: Phase) -> Self::Config;

    /// Refuses settings of `train` the model would not use or cannot take (a likelihood on an
    /// autoencoder, noise or a reconstruction loss on a VAE, a learned variance the model has
    /// no room for), so that nothing is silently ignored.
    fn validate_config(train: &TrainConfig) -> Result<(), String> {
        let _ = train;
        Ok(())
    }

    /// Whether the data must lie in [0, 1] under `train`'s loss or likelihood (cross-entropy,
    /// the Bernoulli decoder, any output squashed by σ).
    fn needs_unit_interval(train: &TrainConfig) -> bool {
        let _ = train;
        true
    }

    /// Decodes `count` draws from the prior into `output`, as means under `config`'s
    /// likelihood (variational models).
    fn sample_prior(
        &self,
        config: &Self::Config,
        rng: &mut SeededRng,
        output: &mut [f32],
        count: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        let _ = (config, rng, output, count, workspace);
        Err(Error::InvalidConfig("this model has no prior to sample"))
    }

    /// log p(x) estimated with `samples` importance samples (variational models).
    fn importance_weighted_log_likelihood(
        &self,
        config: &Self::Config,
        input: &[f32],
        samples: usize,
        rng: &mut SeededRng,
        workspace: &mut [f32],
    ) -> Result<f32, Error> {
        let _ = (config, input, samples, rng, workspace);
        Err(Error::InvalidConfig(
            "this model has no likelihood to estimate",
        ))
    }

    /// Floats of workspace `importance_weighted_log_likelihood` needs.
    fn importance_workspace_len(samples: usize) -> usize {
        let _ = samples;
        0
    }
}
