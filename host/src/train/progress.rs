//! The bookkeeping of a running training: report windows, the epoch's running loss, when to
//! draw and when to save.

use std::sync::mpsc::Sender;
use std::time::Instant;

use tinyvae_core::LossParts;

use super::detection::DetectionProbe;
use super::events::{EpochReport, RunState, StepReport, TrainingEvent};
use super::model::TrainableModel;
use super::options::{ReportEvery, WorkerOptions};
use super::snapshot::{SnapshotRequest, take_snapshot};
use super::trainer::Trainer;
use crate::data::Split;
use crate::eval::Pca;

/// Bookkeeping of the loop: windows of steps for reports, the epoch's running loss.
pub(super) struct Run {
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
    baseline: Option<Pca>,
}

/// Training samples the PCA baseline is fitted on.
const BASELINE_SAMPLES: usize = 2000;
/// Points of the latent interpolation in a snapshot, endpoints included.
const INTERPOLATION_STEPS: usize = 10;

/// What the end of an epoch leaves to the caller.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct EpochEnd {
    /// The checkpoint interval has passed: save now (then call [`Run::saved`]).
    pub(super) save_due: bool,
    /// The epoch's losses, for the trainer's history.
    pub(super) report: EpochReport,
}

/// Mean of summed loss parts over `n`.
fn mean(sum: &[f64; 3], n: f64) -> LossParts {
    LossParts {
        total: (sum[0] / n) as f32,
        reconstruction: (sum[1] / n) as f32,
        kl: (sum[2] / n) as f32,
    }
}

impl Run {
    pub(super) fn new<M: TrainableModel>(
        trainer: &Trainer<M>,
        data: &Split,
        options: &WorkerOptions,
    ) -> Self {
        // The linear baseline beside the model's reconstructions: PCA with as many components
        // as the code, fitted once on the first training samples (only for runs that draw).
        let baseline = options.snapshots.and_then(|_| {
            let fitted = data.train.subset(..BASELINE_SAMPLES);
            Pca::fit(fitted.images(), M::INPUTS, M::LATENT.min(M::INPUTS)).ok()
        });
        let now = Instant::now();
        Self {
            baseline,
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
                interpolation_steps: INTERPOLATION_STEPS,
            },
        }
    }

    /// Starts a new report window at `now` (after a pause: paused time is not training time).
    pub(super) fn restart_window(&mut self, now: Instant) {
        self.window_start = now;
        self.window_samples = 0;
    }

    /// Draws other samples from the prior at the next snapshot.
    pub(super) fn resample(&mut self) {
        self.request.seed = self.request.seed.wrapping_add(1);
    }

    /// Moves the digits shown by `offset` places in a test set of `len` samples, wrapping.
    pub(super) fn move_digits(&mut self, offset: isize, len: usize) {
        let len = len.max(1) as isize;
        let moved = (self.request.first_index as isize + offset).rem_euclid(len);
        self.request.first_index = moved as usize;
    }

    /// Whether a snapshot is due mid-epoch.
    pub(super) fn snapshot_due(&self, options: &WorkerOptions) -> bool {
        options
            .snapshots
            .is_some_and(|every| self.last_snapshot.elapsed() >= every)
    }

    /// Records that a checkpoint was written from `started` until now; that time is not
    /// training time.
    pub(super) fn saved(&mut self, started: Instant) {
        self.last_save = Instant::now();
        self.window_start += started.elapsed();
    }

    pub(super) fn record(&mut self, loss: &LossParts, samples: usize) {
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

    pub(super) fn report_step<M: TrainableModel>(
        &mut self,
        trainer: &Trainer<M>,
        options: &WorkerOptions,
        events: &Sender<TrainingEvent>,
    ) {
        // The last step is always reported, so a finished run shows where it ended.
        let due = trainer.is_finished()
            || match options.report {
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
            loss: mean(&self.window_loss, steps),
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

    /// Evaluates the test set and reports the epoch; None when the evaluation failed.
    pub(super) fn end_epoch<M: TrainableModel>(
        &mut self,
        trainer: &Trainer<M>,
        data: &Split,
        options: &WorkerOptions,
        probe: Option<&dyn DetectionProbe<M>>,
        events: &Sender<TrainingEvent>,
    ) -> Option<EpochEnd> {
        let evaluation_started = Instant::now();
        let train = mean(&self.epoch_loss, self.epoch_samples.max(1) as f64);
        self.epoch_loss = [0.0; 3];
        self.epoch_samples = 0;
        let report = match trainer.evaluate(&data.test) {
            Ok(test) => {
                let report = EpochReport {
                    epoch: trainer.position().epoch,
                    train,
                    test,
                };
                let _ = events.send(TrainingEvent::Epoch(report));
                report
            }
            Err(error) => {
                let _ = events.send(TrainingEvent::Failed {
                    error: error.to_string(),
                });
                let _ = events.send(TrainingEvent::state(RunState::Stopped));
                return None;
            }
        };
        if let Some(probe) = probe {
            let event = match probe.probe(trainer.model(), trainer.config(), report.epoch) {
                Ok(detection) => TrainingEvent::Detection(detection),
                Err(message) => TrainingEvent::Warning {
                    message: format!("the detector could not be judged: {message}"),
                },
            };
            let _ = events.send(event);
        }
        let save_due = options
            .checkpoint_interval
            .is_some_and(|every| self.last_save.elapsed() >= every);
        // Short epochs (the 8×8 digits take milliseconds) must not draw more often than asked.
        if options
            .snapshots
            .is_some_and(|every| self.last_snapshot.elapsed() >= every / 2)
        {
            self.snapshot(trainer, data, options, events);
        }
        // Time spent evaluating is not training time.
        self.window_start += evaluation_started.elapsed();
        Some(EpochEnd { save_due, report })
    }

    pub(super) fn snapshot<M: TrainableModel>(
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
            &trainer.model_config(),
            trainer.config().noise,
            &data.test,
            &self.request,
            self.baseline.as_ref(),
            trainer.position().step,
        ) {
            Ok(snapshot) => {
                let _ = events.send(TrainingEvent::Snapshot(Box::new(snapshot)));
            }
            Err(error) => {
                let _ = events.send(TrainingEvent::Warning {
                    message: format!("could not draw the model: {error}"),
                });
            }
        }
        self.last_snapshot = Instant::now();
        self.window_start += started.elapsed();
    }
}
