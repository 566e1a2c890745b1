//! The facts a run reports when it starts, built from the trainer and the data.

use tinyvae_core::autoencoder::ReconstructionLoss;
use tinyvae_core::noise::Noise;
use tinyvae_core::vae::Likelihood;

use super::events::{Hyperparameter, RunInfo};
use super::model::TrainableModel;
use super::trainer::Trainer;
use crate::architecture::architecture_of;
use crate::data::Split;

impl RunInfo {
    /// The facts of training `trainer` on `data` under the name `preset`, without normal
    /// classes (the caller that judges a detector sets them).
    pub fn new<M: TrainableModel>(trainer: &Trainer<M>, data: &Split, preset: &str) -> Self {
        Self {
            preset: preset.to_string(),
            architecture: architecture_of::<M>(),
            dataset: format!(
                "{} ({} train / {} test)",
                data.train.name(),
                data.train.len(),
                data.test.len()
            ),
            seed: trainer.config().seed,
            is_variational: M::IS_VARIATIONAL,
            is_denoising: trainer.config().noise != Noise::None,
            latent_size: M::LATENT,
            image_width: data.train.width(),
            image_height: data.train.height(),
            train_samples: trainer.samples_per_epoch(&data.train),
            batch_size: trainer.config().batch_size,
            epochs: trainer.total_epochs(),
            total_steps: trainer.total_steps(&data.train),
            hyperparameters: hyperparameters(trainer),
            normal_classes: None,
        }
    }
}

/// The settings in force that matter to this model, in display order. The loss and the
/// likelihood are listed when they are not the defaults (cross-entropy, Bernoulli), like the
/// noise and the clip norm.
fn hyperparameters<M: TrainableModel>(trainer: &Trainer<M>) -> Vec<Hyperparameter> {
    let config = trainer.config();
    let mut settings = vec![
        Hyperparameter::Optimizer(config.optimizer),
        Hyperparameter::LearningRate(trainer.learning_rate()),
        Hyperparameter::BatchSize(config.batch_size),
        Hyperparameter::Epochs(config.epochs),
    ];
    if M::IS_VARIATIONAL {
        settings.push(Hyperparameter::Beta(trainer.beta()));
        settings.push(Hyperparameter::KlWarmupSteps(config.kl_warmup_steps));
        if config.likelihood != Likelihood::Bernoulli {
            settings.push(Hyperparameter::Likelihood(config.likelihood));
        }
    } else if config.loss != ReconstructionLoss::CrossEntropy {
        settings.push(Hyperparameter::Loss(config.loss));
    }
    if config.noise != Noise::None {
        settings.push(Hyperparameter::Noise(config.noise));
    }
    if M::PRETRAIN_STAGES > 0 {
        settings.push(Hyperparameter::PretrainEpochsPerLayer(
            config.pretrain_epochs,
        ));
    }
    if let Some(norm) = config.clip_norm {
        settings.push(Hyperparameter::ClipNorm(norm));
    }
    settings
}
