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

    /// Decodes `count` draws from the prior into `output` (variational models).
    fn sample_prior(
        &self,
        rng: &mut SeededRng,
        output: &mut [f32],
        count: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        let _ = (rng, output, count, workspace);
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
