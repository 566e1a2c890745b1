//! One training run of one model: batches, steps, evaluation. No threads, no I/O.

use rand::SeedableRng;
use tinyvae_core::{LossParts, SeededRng};

use super::config::{Initialization, TrainConfig};
use super::events::EpochReport;
use super::model::{Phase, TrainableModel};
use super::optimizer::OptimizerState;
use super::order::epoch_order;
use crate::data::Dataset;

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
    run_id: u64,
    history: Vec<EpochReport>,
    order: Vec<u32>,
    order_epoch: Option<usize>,
    /// The batch's samples, one column each; grown to the largest batch taken.
    inputs: Vec<f32>,
    workspace: Vec<f32>,
}

mod resume;

pub use super::error::TrainError;
pub use super::evaluate::{EVALUATION_BATCH, evaluate};
pub use resume::{MAX_BATCH_BYTES, SavedRun};
use resume::{check_batch_memory, new_run_id};

impl<M: TrainableModel> Trainer<M> {
    /// A fresh model initialized as PyTorch does from the config's seed. Fails if the config
    /// is out of range or asks of the model what it does not do
    /// ([`TrainableModel::validate_config`]).
    pub fn new(config: TrainConfig) -> Result<Self, TrainError> {
        Self::initialized(config, Initialization::PyTorch)
    }

    /// A fresh model drawn by `initialization` from the config's seed (a preset's
    /// [`Preset::initialization`](crate::presets::Preset::initialization)); fails as
    /// [`Trainer::new`].
    pub fn initialized(
        config: TrainConfig,
        initialization: Initialization,
    ) -> Result<Self, TrainError> {
        config.validate().map_err(TrainError::Config)?;
        check_batch_memory::<M>(config.batch_size)?;
        M::validate_config(&config).map_err(TrainError::Config)?;
        let mut rng = SeededRng::seed_from_u64(config.seed);
        let mut model: Box<M> = bytemuck::zeroed_box();
        initialization.initialize(&mut *model, &mut rng);
        Ok(Self {
            optimizer: OptimizerState::new(config.optimizer),
            grads: bytemuck::zeroed_box(),
            model,
            rng,
            position: Position::default(),
            learning_rate: config.learning_rate,
            beta: config.beta,
            run_id: new_run_id(),
            history: Vec::new(),
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

    /// The run's id: drawn when it starts, kept by every resume.
    pub fn run_id(&self) -> u64 {
        self.run_id
    }

    /// The losses of every epoch trained so far, resumes included.
    pub fn history(&self) -> &[EpochReport] {
        &self.history
    }

    /// Records the losses of an epoch just ended.
    pub fn record_epoch(&mut self, report: EpochReport) {
        self.history.push(report);
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

    /// Epochs of the whole schedule: greedy pretraining first, then training. Saturating at
    /// `usize::MAX`: a damaged checkpoint may ask for any count.
    pub fn total_epochs(&self) -> usize {
        self.pretraining_epochs().saturating_add(self.config.epochs)
    }

    /// Epochs of greedy pretraining, all stages (saturating).
    fn pretraining_epochs(&self) -> usize {
        M::PRETRAIN_STAGES.saturating_mul(self.config.pretrain_epochs)
    }

    /// The phase an epoch of the schedule belongs to.
    pub fn phase_of(&self, epoch: usize) -> Phase {
        let pretraining = self.pretraining_epochs();
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

    /// Optimizer steps of the whole schedule, saturating at `u64::MAX`.
    pub fn total_steps(&self, train: &Dataset) -> u64 {
        let (epochs, batches) = (self.total_epochs(), self.batches_per_epoch(train));
        u64::try_from(epochs)
            .unwrap_or(u64::MAX)
            .saturating_mul(u64::try_from(batches).unwrap_or(u64::MAX))
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

    /// Checks that the weights and the optimizer's state are finite. A non-finite loss or
    /// gradient stops a step, but divergence can also start in the update itself (Adam's second
    /// moment overflowing under a huge learning rate, which leaves the loss finite); the worker
    /// checks at every epoch end and before every save, so nothing non-finite is written.
    pub fn check_finite(&self) -> Result<(), TrainError> {
        if self.model.is_finite() && self.optimizer.is_finite() {
            Ok(())
        } else {
            Err(TrainError::Diverged {
                step: self.position.step,
            })
        }
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

#[cfg(test)]
mod tests;

/// Lengthens `buffer` with zeros to at least `len` floats.
fn grow(buffer: &mut Vec<f32>, len: usize) {
    if buffer.len() < len {
        buffer.resize(len, 0.0);
    }
}
