//! One training run of one model: batches, steps, evaluation. No threads, no I/O.

use rand::SeedableRng;
use tinyvae_core::{LossParts, SeededRng};

use super::config::TrainConfig;
use super::model::{Phase, TrainableModel};
use super::optimizer::OptimizerState;
use super::order::epoch_order;
use crate::data::Dataset;

/// Why a step could not be taken. The model is left as it was before the step.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A hyperparameter is out of range.
    #[error("invalid setting: {0}")]
    Config(String),
    /// The data does not fit the model.
    #[error("the model takes {expected} values per sample but the data has {found}")]
    DataShape {
        /// Inputs per sample of the model.
        expected: usize,
        /// Pixels per image of the data.
        found: usize,
    },
    /// The training set is empty.
    #[error("the training set is empty")]
    NoData,
    /// The loss or a gradient became NaN or infinite.
    #[error(
        "the loss became NaN or infinite at step {step}: try a lower learning rate or gradient clipping"
    )]
    NonFinite {
        /// The step that failed.
        step: u64,
    },
    /// The run stands at a batch past the end of the epoch: a checkpoint resumed on fewer
    /// samples than it was trained on, or damaged.
    #[error("batch {batch} of the epoch starts past its {samples} samples")]
    PastEpoch {
        /// The batch the run stands at.
        batch: usize,
        /// Samples in the epoch.
        samples: usize,
    },
    /// Any other error of the core.
    #[error("{0}")]
    Core(#[from] tinyvae_core::Error),
}

/// Where a run stands: everything besides the weights that a resumed run needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// Optimizer steps taken.
    pub step: u64,
    /// Epoch being trained, from 0, counting pretraining epochs first.
    pub epoch: usize,
    /// Next batch within the epoch.
    pub batch: usize,
}

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepOutcome {
    /// Batch-mean loss before the update.
    pub loss: LossParts,
    /// Samples in the batch.
    pub samples: usize,
    /// Whether the step ended an epoch.
    pub finished_epoch: bool,
}

/// A run's state besides its config, as a checkpoint holds it: see [`Trainer::resume`].
pub struct SavedRun<M: TrainableModel> {
    /// The model.
    pub model: Box<M>,
    /// The optimizer with its state.
    pub optimizer: OptimizerState<M>,
    /// The generator.
    pub rng: SeededRng,
    /// Where the run stood.
    pub position: Position,
    /// The learning rate in force.
    pub learning_rate: f32,
    /// The target β in force.
    pub beta: f32,
}

/// Seed of the generator used for evaluation, so that it never shifts the training stream.
const EVALUATION_SEED: u64 = 0xE7A1;

/// Samples per batch when evaluating.
pub const EVALUATION_BATCH: usize = 500;

/// A model being trained, with its gradients, optimizer state and generator.
pub struct Trainer<M: TrainableModel> {
    config: TrainConfig,
    model: Box<M>,
    grads: Box<M>,
    optimizer: OptimizerState<M>,
    rng: SeededRng,
    position: Position,
    learning_rate: f32,
    beta: f32,
    order: Vec<u32>,
    order_epoch: Option<usize>,
    /// The batch's samples, one column each; grown to the largest batch taken.
    inputs: Vec<f32>,
    workspace: Vec<f32>,
}

impl<M: TrainableModel> Trainer<M> {
    /// A fresh model initialized from the config's seed.
    pub fn new(config: TrainConfig) -> Result<Self, TrainError> {
        config.validate().map_err(TrainError::Config)?;
        let mut rng = SeededRng::seed_from_u64(config.seed);
        let mut model: Box<M> = bytemuck::zeroed_box();
        model.initialize(&mut rng);
        Ok(Self {
            optimizer: OptimizerState::new(config.optimizer),
            grads: bytemuck::zeroed_box(),
            model,
            rng,
            position: Position::default(),
            learning_rate: config.learning_rate,
            beta: config.beta,
            order: Vec::new(),
            order_epoch: None,
            inputs: Vec::new(),
            workspace: Vec::new(),
            config,
        })
    }

    /// A trainer that continues a run where it stood: the model, the optimizer's state, the
    /// generator, the position and the learning rate and β in force, as a checkpoint holds
    /// them. Fails if the config, the learning rate or β is out of range.
    pub fn resume(config: TrainConfig, saved: SavedRun<M>) -> Result<Self, TrainError> {
        config.validate().map_err(TrainError::Config)?;
        if !(saved.learning_rate > 0.0 && saved.learning_rate.is_finite()) {
            return Err(TrainError::Config(format!(
                "the learning rate in force, {}, is not a positive number",
                saved.learning_rate
            )));
        }
        if !(saved.beta >= 0.0 && saved.beta.is_finite()) {
            return Err(TrainError::Config(format!(
                "beta in force, {}, is not a non-negative number",
                saved.beta
            )));
        }
        Ok(Self {
            optimizer: saved.optimizer,
            grads: bytemuck::zeroed_box(),
            model: saved.model,
            rng: saved.rng,
            position: saved.position,
            learning_rate: saved.learning_rate,
            beta: saved.beta,
            order: Vec::new(),
            order_epoch: None,
            inputs: Vec::new(),
            workspace: Vec::new(),
            config,
        })
    }

    /// The settings of the run.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The model as it is now.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// Where the run stands.
    pub fn position(&self) -> Position {
        self.position
    }

    /// The learning rate in force.
    pub fn learning_rate(&self) -> f32 {
        self.learning_rate
    }

    /// The optimizer and its state.
    pub fn optimizer(&self) -> &OptimizerState<M> {
        &self.optimizer
    }

    /// The generator as it stands: the next draws of noise, ε and binarization.
    pub fn rng(&self) -> &SeededRng {
        &self.rng
    }

    /// The target β (before warm-up).
    pub fn beta(&self) -> f32 {
        self.beta
    }

    /// Multiplies the learning rate by `factor`.
    pub fn scale_learning_rate(&mut self, factor: f32) {
        let scaled = self.learning_rate * factor;
        if scaled.is_finite() && scaled > 0.0 {
            self.learning_rate = scaled;
        }
    }

    /// Multiplies the target β by `factor`.
    pub fn scale_beta(&mut self, factor: f32) {
        let scaled = self.beta * factor;
        if scaled.is_finite() && scaled >= 0.0 {
            self.beta = scaled;
        }
    }

    /// β in force at this step, after the linear warm-up
    /// ([`tinyvae_core::vae::kl_warmup_beta`]).
    pub fn effective_beta(&self) -> f32 {
        tinyvae_core::vae::kl_warmup_beta(
            self.beta,
            self.position.step,
            self.config.kl_warmup_steps,
        )
    }

    /// Epochs of the whole schedule: greedy pretraining first, then training.
    pub fn total_epochs(&self) -> usize {
        M::PRETRAIN_STAGES * self.config.pretrain_epochs + self.config.epochs
    }

    /// The phase an epoch of the schedule belongs to.
    pub fn phase_of(&self, epoch: usize) -> Phase {
        let pretraining = M::PRETRAIN_STAGES * self.config.pretrain_epochs;
        if epoch < pretraining {
            Phase::Pretrain(epoch / self.config.pretrain_epochs.max(1))
        } else {
            Phase::Train
        }
    }

    /// Training samples one epoch visits.
    pub fn samples_per_epoch(&self, train: &Dataset) -> usize {
        self.config
            .train_limit
            .map_or(train.len(), |limit| limit.min(train.len()))
    }

    /// Batches in one epoch (the last one may be smaller).
    pub fn batches_per_epoch(&self, train: &Dataset) -> usize {
        self.samples_per_epoch(train)
            .div_ceil(self.config.batch_size)
    }

    /// Optimizer steps of the whole schedule.
    pub fn total_steps(&self, train: &Dataset) -> u64 {
        (self.total_epochs() * self.batches_per_epoch(train)) as u64
    }

    /// Whether every epoch is done.
    pub fn is_finished(&self) -> bool {
        self.position.epoch >= self.total_epochs()
    }

    /// The core hyperparameters in force now.
    pub fn model_config(&self) -> M::Config {
        M::model_config(
            &self.config,
            self.effective_beta(),
            self.phase_of(self.position.epoch),
        )
    }

    /// Checks that the data fits the model.
    pub fn check_data(&self, data: &Dataset) -> Result<(), TrainError> {
        if data.is_empty() {
            return Err(TrainError::NoData);
        }
        if data.pixels_per_image() != M::INPUTS {
            return Err(TrainError::DataShape {
                expected: M::INPUTS,
                found: data.pixels_per_image(),
            });
        }
        Ok(())
    }

    /// Takes one optimizer step on the next batch of `train`.
    pub fn step(&mut self, train: &Dataset) -> Result<StepOutcome, TrainError> {
        self.check_data(train)?;
        let samples_per_epoch = self.samples_per_epoch(train);
        if self.order_epoch != Some(self.position.epoch) {
            self.order = epoch_order(samples_per_epoch, self.config.seed, self.position.epoch);
            self.order_epoch = Some(self.position.epoch);
        }
        let start = self
            .position
            .batch
            .checked_mul(self.config.batch_size)
            .filter(|&start| start < samples_per_epoch)
            .ok_or(TrainError::PastEpoch {
                batch: self.position.batch,
                samples: samples_per_epoch,
            })?;
        let end = start
            .saturating_add(self.config.batch_size)
            .min(samples_per_epoch);
        let batch = end - start;
        // Sized by the batch actually taken, which the data bounds, not by the configured
        // batch size, which a damaged checkpoint may make absurd.
        grow(&mut self.inputs, M::INPUTS * batch);
        grow(&mut self.workspace, M::WORKSPACE * batch);
        self.gather(train, start, end);

        let config = self.model_config();
        self.grads.fill(0.0);
        let inputs = &self.inputs[..M::INPUTS * batch];
        let loss = self
            .model
            .loss_and_gradients(
                &config,
                inputs,
                batch,
                &mut self.rng,
                &mut self.workspace,
                &mut self.grads,
            )
            .map_err(|error| self.step_error(error))?;
        if let Some(max_norm) = self.config.clip_norm {
            tinyvae_core::optim::clip_global_norm(&mut *self.grads, max_norm)
                .map_err(|error| self.step_error(error))?;
        }
        self.optimizer
            .apply(self.learning_rate, &mut self.model, &self.grads)
            .map_err(|error| self.step_error(error))?;

        // Saturating: a damaged checkpoint may stand at any count.
        self.position.step = self.position.step.saturating_add(1);
        self.position.batch += 1;
        let finished_epoch = end == samples_per_epoch;
        if finished_epoch {
            self.position.epoch += 1;
            self.position.batch = 0;
        }
        Ok(StepOutcome {
            loss,
            samples: batch,
            finished_epoch,
        })
    }

    fn step_error(&self, error: tinyvae_core::Error) -> TrainError {
        match error {
            tinyvae_core::Error::NonFinite => TrainError::NonFinite {
                step: self.position.step.saturating_add(1),
            },
            other => TrainError::Core(other),
        }
    }

    /// Copies the batch's samples into one column each, binarizing them when asked.
    fn gather(&mut self, train: &Dataset, start: usize, end: usize) {
        let pixels = M::INPUTS;
        for (column, &index) in self.order[start..end].iter().enumerate() {
            let target = &mut self.inputs[column * pixels..(column + 1) * pixels];
            let image = &train.images()[index as usize * pixels..(index as usize + 1) * pixels];
            if self.config.dynamic_binarization {
                let rng = &mut self.rng;
                let drawn = crate::data::binarize_dynamic(image, target, || {
                    tinyvae_core::rng::uniform(rng)
                });
                // Both slices are `pixels` long: the lengths always agree.
                debug_assert!(drawn.is_ok(), "{drawn:?}");
            } else {
                target.copy_from_slice(image);
            }
        }
    }

    /// Mean loss over `data` with the hyperparameters in force, drawing noise and ε from a
    /// generator of its own so that evaluating never changes the training stream.
    pub fn evaluate(&self, data: &Dataset) -> Result<LossParts, TrainError> {
        evaluate(&*self.model, &self.model_config(), data)
    }
}

/// Lengthens `buffer` with zeros to at least `len` floats.
fn grow(buffer: &mut Vec<f32>, len: usize) {
    if buffer.len() < len {
        buffer.resize(len, 0.0);
    }
}

/// Mean loss of `model` over `data`, with a fixed evaluation generator.
pub fn evaluate<M: TrainableModel>(
    model: &M,
    config: &M::Config,
    data: &Dataset,
) -> Result<LossParts, TrainError> {
    if data.is_empty() {
        return Err(TrainError::NoData);
    }
    if data.pixels_per_image() != M::INPUTS {
        return Err(TrainError::DataShape {
            expected: M::INPUTS,
            found: data.pixels_per_image(),
        });
    }
    let mut rng = SeededRng::seed_from_u64(EVALUATION_SEED);
    let mut workspace = vec![0.0; M::WORKSPACE * EVALUATION_BATCH];
    let mut sum = [0.0f64; 3];
    for (chunk_index, chunk) in data
        .images()
        .chunks(M::INPUTS * EVALUATION_BATCH)
        .enumerate()
    {
        let batch = chunk.len() / M::INPUTS;
        let loss = model
            .loss(config, chunk, batch, &mut rng, &mut workspace)
            .map_err(|error| match error {
                tinyvae_core::Error::NonFinite => TrainError::NonFinite {
                    step: chunk_index as u64,
                },
                other => TrainError::Core(other),
            })?;
        for (total, part) in sum
            .iter_mut()
            .zip([loss.total, loss.reconstruction, loss.kl])
        {
            *total += f64::from(part) * batch as f64;
        }
    }
    let n = data.len() as f64;
    Ok(LossParts {
        total: (sum[0] / n) as f32,
        reconstruction: (sum[1] / n) as f32,
        kl: (sum[2] / n) as f32,
    })
}
