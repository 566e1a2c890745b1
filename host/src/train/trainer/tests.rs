//! The trainer's counts on any config a checkpoint may hold: totals saturate, never overflow.
#![allow(clippy::unwrap_used)]

use tinyvae_core::presets::AeDigits;
use tinyvae_core::rng::seeded_rng;
use tinyvae_core::stacked::StackedAutoencoder;

use super::*;
use crate::train::config::TrainConfig;

/// The smallest stacked autoencoder: three pretraining stages, tiny weights.
type TinyStacked = StackedAutoencoder<4, 3, 2, 1>;

/// Two samples of `M`'s inputs.
fn two_samples<M: TrainableModel>() -> Dataset {
    let shape = crate::data::SampleShape::Vector { width: M::INPUTS };
    Dataset::from_parts("two", shape, vec![0.5; 2 * M::INPUTS], 2, None).unwrap()
}

/// A trainer of `M` resumed at the start under `config`, as from a checkpoint.
fn resumed<M: TrainableModel>(config: TrainConfig) -> Result<Trainer<M>, TrainError> {
    resumed_at(config, Position::default())
}

/// A trainer of `M` resumed at `position` under `config`, as from a checkpoint.
fn resumed_at<M: TrainableModel>(
    config: TrainConfig,
    position: Position,
) -> Result<Trainer<M>, TrainError> {
    let mut model: Box<M> = bytemuck::zeroed_box();
    model.initialize(&mut seeded_rng(1));
    let saved = SavedRun {
        model,
        optimizer: OptimizerState::<M>::new(config.optimizer),
        rng: seeded_rng(2),
        position,
        learning_rate: config.learning_rate,
        beta: config.beta,
        run_id: 1,
        history: Vec::new(),
    };
    Trainer::resume(config, saved)
}

#[test]
fn total_steps_saturate_for_any_stored_epochs() {
    // Once an overflow panic: a checkpoint of usize::MAX epochs, one-sample batches, and
    // the run's facts (RunInfo) multiplied epochs by batches.
    let config = TrainConfig {
        epochs: usize::MAX,
        batch_size: 1,
        ..TrainConfig::default()
    };
    let trainer = resumed::<AeDigits>(config).unwrap();
    let train = two_samples::<AeDigits>();
    assert_eq!(trainer.batches_per_epoch(&train), 2);
    assert_eq!(trainer.total_epochs(), usize::MAX);
    assert_eq!(trainer.total_steps(&train), u64::MAX);
}

#[test]
fn total_epochs_saturate_for_any_stored_pretraining() {
    // Once an overflow panic on resume: stages × pretraining epochs + epochs.
    let config = TrainConfig {
        pretrain_epochs: usize::MAX / 2,
        ..TrainConfig::default()
    };
    let mut trainer = resumed::<TinyStacked>(config).unwrap();
    assert_eq!(trainer.total_epochs(), usize::MAX);
    assert!(!trainer.is_finished());
    assert!(matches!(
        trainer.phase_of(usize::MAX - 1),
        Phase::Pretrain(2)
    ));
    let train = two_samples::<TinyStacked>();
    assert_eq!(trainer.total_steps(&train), u64::MAX);
    trainer.set_epochs(3).unwrap();
    assert_eq!(trainer.total_epochs(), usize::MAX);
}

#[test]
fn a_finished_run_past_the_last_batch_restarts_without_overflow() {
    // Once an overflow panic: the note of fit_position counts epochs from 1, and a (damaged)
    // checkpoint may stand at epoch usize::MAX, the end of a schedule of usize::MAX epochs.
    let config = TrainConfig {
        epochs: usize::MAX,
        batch_size: 1,
        ..TrainConfig::default()
    };
    let position = Position {
        step: 0,
        epoch: usize::MAX,
        batch: 5,
    };
    let mut trainer = resumed_at::<AeDigits>(config, position).unwrap();
    assert!(trainer.is_finished());
    let note = trainer.fit_position(&two_samples::<AeDigits>()).unwrap();
    assert!(note.contains(&format!("epoch {}", usize::MAX)), "{note}");
    assert_eq!(trainer.position().batch, 0);
}
