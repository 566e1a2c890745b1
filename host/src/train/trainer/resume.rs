//! A trainer continuing a run: its state from a checkpoint, checked, and what a resume may
//! change (epochs, learning rate, β) or must fix (a position past smaller data).

use super::{Position, TrainError, Trainer};
use crate::data::Dataset;
use crate::train::config::TrainConfig;
use crate::train::events::EpochReport;
use crate::train::model::TrainableModel;
use crate::train::optimizer::OptimizerState;
use tinyvae_core::SeededRng;

impl<M: TrainableModel> Trainer<M> {
    /// A trainer that continues a run where it stood: the model, the optimizer's state, the
    /// generator, the position and the learning rate and β in force, as a checkpoint holds
    /// them. Fails if the config, the learning rate or β is out of range.
    pub fn resume(config: TrainConfig, saved: SavedRun<M>) -> Result<Self, TrainError> {
        config.validate().map_err(TrainError::Config)?;
        M::validate_config(&config).map_err(TrainError::Config)?;
        check_batch_memory::<M>(config.batch_size)?;
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
        let trainer = Self {
            optimizer: saved.optimizer,
            grads: bytemuck::zeroed_box(),
            model: saved.model,
            rng: saved.rng,
            position: saved.position,
            learning_rate: saved.learning_rate,
            beta: saved.beta,
            run_id: saved.run_id,
            history: saved.history,
            order: Vec::new(),
            order_epoch: None,
            inputs: Vec::new(),
            workspace: Vec::new(),
            config,
        };
        trainer.check_finite()?;
        if trainer.position.epoch > trainer.total_epochs() {
            return Err(TrainError::Config(format!(
                "the position, epoch {}, is past the schedule's {} epochs",
                trainer.position.epoch,
                trainer.total_epochs()
            )));
        }
        Ok(trainer)
    }

    /// Sets the epochs of training (pretraining epochs come on top), as on a resume with
    /// `--epochs N`; fails if fewer than the epochs already trained.
    pub fn set_epochs(&mut self, epochs: usize) -> Result<(), TrainError> {
        let done = self.position.epoch;
        let pretraining = self.pretraining_epochs();
        if epochs == 0 || pretraining.saturating_add(epochs) < done {
            return Err(TrainError::Config(format!(
                "--epochs {epochs}: the run has trained {} epochs already",
                done.saturating_sub(pretraining)
            )));
        }
        self.config.epochs = epochs;
        Ok(())
    }

    /// Sets the learning rate, in force and in the config.
    pub fn set_learning_rate(&mut self, learning_rate: f32) -> Result<(), TrainError> {
        let config = TrainConfig {
            learning_rate,
            ..self.config
        };
        config.validate().map_err(TrainError::Config)?;
        self.config = config;
        self.learning_rate = learning_rate;
        Ok(())
    }

    /// Sets the target β, in force and in the config.
    pub fn set_beta(&mut self, beta: f32) -> Result<(), TrainError> {
        let config = TrainConfig {
            beta,
            ..self.config
        };
        config.validate().map_err(TrainError::Config)?;
        self.config = config;
        self.beta = beta;
        Ok(())
    }

    /// Makes the position fit `train`: a mid-epoch position past the end of an epoch of this
    /// data (other data than the checkpoint's, of fewer samples) restarts that epoch at its
    /// first batch. Returns a note saying so, if it did.
    pub fn fit_position(&mut self, train: &Dataset) -> Option<String> {
        let batches = self.batches_per_epoch(train);
        if self.position.batch < batches {
            return None;
        }
        let note = format!(
            "the checkpoint stood at batch {} of epoch {}, past this data's {batches} batches: \
             the epoch restarts",
            self.position.batch,
            self.position.epoch.saturating_add(1)
        );
        self.position.batch = 0;
        self.order_epoch = None;
        Some(note)
    }
}

/// The most memory a batch's inputs and workspace may take: 8 GiB.
pub const MAX_BATCH_BYTES: usize = 8 << 30;

/// Refuses a batch whose inputs and workspace would not fit in [`MAX_BATCH_BYTES`].
pub(super) fn check_batch_memory<M: TrainableModel>(batch_size: usize) -> Result<(), TrainError> {
    let bytes = (M::INPUTS + M::WORKSPACE)
        .checked_mul(batch_size)
        .and_then(|floats| floats.checked_mul(4));
    match bytes {
        Some(bytes) if bytes <= MAX_BATCH_BYTES => Ok(()),
        _ => Err(TrainError::Config(format!(
            "a batch of {batch_size} needs {:.1} GiB for its inputs and workspace; the most is {} \
             GiB",
            (M::INPUTS + M::WORKSPACE) as f64 * batch_size as f64 * 4.0 / f64::from(1u32 << 30),
            MAX_BATCH_BYTES >> 30
        ))),
    }
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
    /// The run's id.
    pub run_id: u64,
    /// The losses of every epoch so far.
    pub history: Vec<EpochReport>,
}

/// A run id from the clock and the process id: two runs started apart differ.
pub(super) fn new_run_id() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    // SplitMix64's finalizer spreads the bits.
    let mut z = nanos ^ (u64::from(std::process::id()) << 32);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
