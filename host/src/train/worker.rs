//! The training loop on its own thread: steps, reports, snapshots, commands, saves.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use super::events::{Command, RunInfo, RunState, TrainingEvent};
use super::model::TrainableModel;
use super::progress::Run;
use super::trainer::Trainer;
use crate::checkpoint::save_checkpoint;
use crate::data::Split;
use crate::export::export_weights;

/// How often step reports are sent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ReportEvery {
    /// Every `n` steps (deterministic: scripts get the same lines every run).
    Steps(u64),
    /// At most once per interval (the dashboard).
    Interval(Duration),
}

/// How a run is driven and where it writes.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// The preset name, recorded in checkpoints.
    pub preset: String,
    /// Description of the data, for the header.
    pub dataset: String,
    /// Where checkpoints go.
    pub checkpoint_path: PathBuf,
    /// Where the device weight blob goes.
    pub export_path: PathBuf,
    /// Step report rate.
    pub report: ReportEvery,
    /// Snapshot rate; None sends none.
    pub snapshots: Option<Duration>,
    /// At the end of an epoch, save a checkpoint if this long has passed since the last one
    /// (zero: every epoch; None: only when asked).
    pub checkpoint_interval: Option<Duration>,
    /// Test digits per snapshot.
    pub digits_shown: usize,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// Every epoch done.
    Finished,
    /// Stopped on request.
    Stopped,
    /// Stopped by an error (reported in a `Failed` event).
    Failed,
}

/// Runs `trainer` to the end of its schedule, reporting to `events` and obeying `commands`.
/// After the last epoch it keeps answering commands (pictures, saves) until told to stop or
/// until the command channel closes.
pub fn run_training<M: TrainableModel>(
    mut trainer: Trainer<M>,
    data: &Split,
    options: &WorkerOptions,
    events: &Sender<TrainingEvent>,
    commands: &Receiver<Command>,
) -> RunEnd {
    let mut run = Run::new(&trainer, data, options);
    let send = |event: TrainingEvent| {
        let _ = events.send(event);
    };
    send(TrainingEvent::Started(run_info(&trainer, data, options)));
    send(TrainingEvent::State(if trainer.is_finished() {
        RunState::Done
    } else {
        RunState::Training
    }));
    run.snapshot(&trainer, data, options, events);

    let mut paused = false;
    loop {
        let finished = trainer.is_finished();
        // Paused or finished: block on commands (with a timeout so the loop stays alive).
        let command = if paused || finished {
            match commands.recv_timeout(Duration::from_millis(100)) {
                Ok(command) => Some(command),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    return if finished {
                        RunEnd::Finished
                    } else {
                        RunEnd::Stopped
                    };
                }
            }
        } else {
            commands.try_recv().ok()
        };
        if let Some(command) = command {
            match command {
                Command::TogglePause if !finished => {
                    paused = !paused;
                    send(TrainingEvent::State(if paused {
                        RunState::Paused
                    } else {
                        RunState::Training
                    }));
                    run.window_start = Instant::now();
                    run.window_samples = 0;
                }
                Command::TogglePause => {}
                Command::ScaleLearningRate(factor) => {
                    trainer.scale_learning_rate(factor);
                    send(TrainingEvent::Hyperparameter(
                        "learning rate".into(),
                        format!("{:.2e}", trainer.learning_rate()),
                    ));
                }
                Command::ScaleBeta(factor) if M::IS_VARIATIONAL => {
                    trainer.scale_beta(factor);
                    send(TrainingEvent::Hyperparameter(
                        "beta".into(),
                        format!("{:.3}", trainer.beta),
                    ));
                }
                Command::ScaleBeta(_) => {}
                Command::SaveCheckpoint => save(&trainer, options, events),
                Command::ExportWeights => export(&trainer, options, events),
                Command::Resample => {
                    run.request.seed = run.request.seed.wrapping_add(1);
                    run.snapshot(&trainer, data, options, events);
                }
                Command::MoveDigits(offset) => {
                    let len = data.test.len().max(1) as isize;
                    let moved = (run.request.first_index as isize + offset).rem_euclid(len);
                    run.request.first_index = moved as usize;
                    run.snapshot(&trainer, data, options, events);
                }
                Command::Stop { save: save_first } => {
                    if save_first {
                        save(&trainer, options, events);
                    }
                    if !finished {
                        send(TrainingEvent::State(RunState::Stopped));
                    }
                    return if finished {
                        RunEnd::Finished
                    } else {
                        RunEnd::Stopped
                    };
                }
            }
            continue;
        }
        if paused || finished {
            continue;
        }

        match trainer.step(&data.train) {
            Ok(outcome) => {
                run.record(&outcome.loss, outcome.samples);
                run.report_step(&trainer, options, events);
                if outcome.finished_epoch {
                    if !run.end_epoch(&trainer, data, options, events) {
                        return RunEnd::Failed;
                    }
                    if trainer.is_finished() {
                        send(TrainingEvent::State(RunState::Done));
                    }
                } else if options
                    .snapshots
                    .is_some_and(|every| run.last_snapshot.elapsed() >= every)
                {
                    run.snapshot(&trainer, data, options, events);
                }
            }
            Err(error) => {
                send(TrainingEvent::Failed(error.to_string()));
                send(TrainingEvent::State(RunState::Stopped));
                return RunEnd::Failed;
            }
        }
    }
}

/// Writes a checkpoint and reports it (or why it failed).
pub(super) fn save<M: TrainableModel>(
    trainer: &Trainer<M>,
    options: &WorkerOptions,
    events: &Sender<TrainingEvent>,
) {
    let event = match save_checkpoint(trainer, &options.preset, &options.checkpoint_path) {
        Ok(()) => TrainingEvent::Saved {
            what: "checkpoint".into(),
            path: options.checkpoint_path.clone(),
        },
        Err(error) => TrainingEvent::Warning(format!("checkpoint not saved: {error}")),
    };
    let _ = events.send(event);
}

fn export<M: TrainableModel>(
    trainer: &Trainer<M>,
    options: &WorkerOptions,
    events: &Sender<TrainingEvent>,
) {
    let event = match export_weights(trainer.model(), &options.export_path) {
        Ok(()) => TrainingEvent::Saved {
            what: "device weights".into(),
            path: options.export_path.clone(),
        },
        Err(error) => TrainingEvent::Warning(format!("weights not exported: {error}")),
    };
    let _ = events.send(event);
}

fn run_info<M: TrainableModel>(
    trainer: &Trainer<M>,
    data: &Split,
    options: &WorkerOptions,
) -> RunInfo {
    let config = trainer.config();
    let mut hyperparameters = vec![
        ("optimizer".to_string(), format!("{:?}", config.optimizer)),
        (
            "learning rate".to_string(),
            format!("{:.2e}", trainer.learning_rate()),
        ),
        ("batch size".to_string(), config.batch_size.to_string()),
        ("epochs".to_string(), config.epochs.to_string()),
    ];
    if M::IS_VARIATIONAL {
        hyperparameters.push(("beta".to_string(), format!("{:.3}", trainer.beta)));
        hyperparameters.push((
            "KL warm-up".to_string(),
            format!("{} steps", config.kl_warmup_steps),
        ));
    }
    if config.noise != tinyvae_core::noise::Noise::None {
        hyperparameters.push(("noise".to_string(), format!("{:?}", config.noise)));
    }
    if M::PRETRAIN_STAGES > 0 {
        hyperparameters.push((
            "pretrain epochs/layer".to_string(),
            config.pretrain_epochs.to_string(),
        ));
    }
    if let Some(norm) = config.clip_norm {
        hyperparameters.push(("clip norm".to_string(), format!("{norm}")));
    }
    RunInfo {
        preset: options.preset.clone(),
        architecture: crate::presets::architecture_of::<M>(),
        dataset: options.dataset.clone(),
        seed: config.seed,
        is_variational: M::IS_VARIATIONAL,
        is_denoising: config.noise != tinyvae_core::noise::Noise::None,
        latent_size: M::LATENT,
        image_width: data.train.width(),
        image_height: data.train.height(),
        train_samples: trainer.samples_per_epoch(&data.train),
        batch_size: config.batch_size,
        epochs: trainer.total_epochs(),
        total_steps: trainer.total_steps(&data.train),
        hyperparameters,
    }
}
