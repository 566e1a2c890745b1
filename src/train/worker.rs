//! The training loop on its own thread: steps, reports, snapshots, commands, saves.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use tinyvae_core::LossParts;

use super::events::{
    Command, EpochReport, LossReport, RunInfo, RunState, StepReport, TrainingEvent,
};
use super::model::TrainableModel;
use super::snapshot::{SnapshotRequest, take_snapshot};
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

/// Bookkeeping of the loop: windows of steps for reports, the epoch's running loss.
struct Run {
    window_loss: [f64; 3],
    window_steps: u64,
    window_samples: usize,
    window_start: Instant,
    last_report: Instant,
    epoch_loss: [f64; 3],
    epoch_samples: usize,
    last_snapshot: Instant,
    last_save: Instant,
    request: SnapshotRequest,
}

impl Run {
    fn new<M: TrainableModel>(trainer: &Trainer<M>, data: &Split, options: &WorkerOptions) -> Self {
        let now = Instant::now();
        Self {
            window_loss: [0.0; 3],
            window_steps: 0,
            window_samples: 0,
            window_start: now,
            last_report: now,
            epoch_loss: [0.0; 3],
            epoch_samples: 0,
            last_snapshot: now,
            last_save: now,
            request: SnapshotRequest {
                first_index: 0,
                digits: options.digits_shown,
                samples: 16,
                latent_points: data.test.len().min(2000),
                manifold_size: if M::LATENT == 2 { 12 } else { 0 },
                seed: trainer.config().seed,
            },
        }
    }

    fn record(&mut self, loss: &LossParts, samples: usize) {
        let parts = [loss.total, loss.reconstruction, loss.kl];
        for ((window, epoch), part) in self
            .window_loss
            .iter_mut()
            .zip(&mut self.epoch_loss)
            .zip(parts)
        {
            *window += f64::from(part);
            *epoch += f64::from(part) * samples as f64;
        }
        self.window_steps += 1;
        self.window_samples += samples;
        self.epoch_samples += samples;
    }

    fn report_step<M: TrainableModel>(
        &mut self,
        trainer: &Trainer<M>,
        options: &WorkerOptions,
        events: &Sender<TrainingEvent>,
    ) {
        let due = match options.report {
            ReportEvery::Steps(n) => trainer.position().step.is_multiple_of(n.max(1)),
            ReportEvery::Interval(every) => self.last_report.elapsed() >= every,
        };
        if !due || self.window_steps == 0 {
            return;
        }
        let steps = self.window_steps as f64;
        let seconds = self.window_start.elapsed().as_secs_f64().max(1e-9);
        let position = trainer.position();
        let _ = events.send(TrainingEvent::Step(StepReport {
            step: position.step,
            epoch: position.epoch + usize::from(position.batch > 0),
            loss: LossReport {
                total: (self.window_loss[0] / steps) as f32,
                reconstruction: (self.window_loss[1] / steps) as f32,
                kl: (self.window_loss[2] / steps) as f32,
            },
            samples_per_second: (self.window_samples as f64 / seconds) as f32,
            learning_rate: trainer.learning_rate(),
            beta: if M::IS_VARIATIONAL {
                trainer.effective_beta()
            } else {
                0.0
            },
        }));
        self.window_loss = [0.0; 3];
        self.window_steps = 0;
        self.window_samples = 0;
        self.window_start = Instant::now();
        self.last_report = self.window_start;
    }

    /// Evaluates the test set and reports the epoch; false when the evaluation failed.
    fn end_epoch<M: TrainableModel>(
        &mut self,
        trainer: &Trainer<M>,
        data: &Split,
        options: &WorkerOptions,
        events: &Sender<TrainingEvent>,
    ) -> bool {
        let evaluation_started = Instant::now();
        let n = self.epoch_samples.max(1) as f64;
        let train = LossReport {
            total: (self.epoch_loss[0] / n) as f32,
            reconstruction: (self.epoch_loss[1] / n) as f32,
            kl: (self.epoch_loss[2] / n) as f32,
        };
        self.epoch_loss = [0.0; 3];
        self.epoch_samples = 0;
        match trainer.evaluate(&data.test) {
            Ok(test) => {
                let _ = events.send(TrainingEvent::Epoch(EpochReport {
                    epoch: trainer.position().epoch,
                    train,
                    test: LossReport {
                        total: test.total,
                        reconstruction: test.reconstruction,
                        kl: test.kl,
                    },
                }));
            }
            Err(error) => {
                let _ = events.send(TrainingEvent::Failed(error.to_string()));
                let _ = events.send(TrainingEvent::State(RunState::Stopped));
                return false;
            }
        }
        if options
            .checkpoint_interval
            .is_some_and(|every| self.last_save.elapsed() >= every)
        {
            save(trainer, options, events);
            self.last_save = Instant::now();
        }
        // Short epochs (the 8×8 digits take milliseconds) must not draw more often than asked.
        if options
            .snapshots
            .is_some_and(|every| self.last_snapshot.elapsed() >= every / 2)
        {
            self.snapshot(trainer, data, options, events);
        }
        // Time spent evaluating is not training time.
        self.window_start += evaluation_started.elapsed();
        true
    }

    fn snapshot<M: TrainableModel>(
        &mut self,
        trainer: &Trainer<M>,
        data: &Split,
        options: &WorkerOptions,
        events: &Sender<TrainingEvent>,
    ) {
        if options.snapshots.is_none() {
            return;
        }
        let started = Instant::now();
        match take_snapshot(
            trainer.model(),
            trainer.config().noise,
            &data.test,
            &self.request,
            trainer.position().step,
        ) {
            Ok(snapshot) => {
                let _ = events.send(TrainingEvent::Snapshot(Box::new(snapshot)));
            }
            Err(error) => {
                let _ = events.send(TrainingEvent::Warning(format!(
                    "could not draw the model: {error}"
                )));
            }
        }
        self.last_snapshot = Instant::now();
        self.window_start += started.elapsed();
    }
}

fn save<M: TrainableModel>(
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
