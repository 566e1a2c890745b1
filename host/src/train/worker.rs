//! The training loop on its own thread: steps, reports, snapshots, commands, saves.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use super::detection::DetectionProbe;
use super::events::{Artifact, Command, Hyperparameter, RunInfo, RunState, TrainingEvent};
use super::model::TrainableModel;
use super::options::WorkerOptions;
use super::persistence::Persistence;
use super::progress::{EpochEnd, Run};
use super::trainer::Trainer;
use crate::data::Split;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// Every epoch done.
    Finished,
    /// Stopped on request.
    Stopped,
    /// Stopped by an error (reported in a `Failed` event).
    Failed,
    /// Stopped because a checkpoint could not be written (reported in a `SaveFailed` event);
    /// the previous checkpoint, if any, is intact.
    SaveFailed,
}

/// The worker's two channels: what it reports, and what it is asked.
#[derive(Clone, Copy, Debug)]
pub struct Channels<'a> {
    /// Where the run's events go.
    pub events: &'a Sender<TrainingEvent>,
    /// Where the driver's commands come from.
    pub commands: &'a Receiver<Command>,
}

/// Runs `trainer` to the end of its schedule, reporting to the `events` channel (starting
/// with `info`) and obeying the `commands` channel; checkpoints and device weights go
/// through `persistence`; a detector's run reports what `probe` finds at every epoch's end. A
/// checkpoint that cannot be written ends the run ([`RunEnd::SaveFailed`]); a failed export
/// is reported and training goes on.
/// After the last epoch it keeps answering commands (pictures, saves) until told to stop or
/// until the command channel closes.
pub fn run_training<M: TrainableModel>(
    mut trainer: Trainer<M>,
    data: &Split,
    info: RunInfo,
    options: &WorkerOptions,
    persistence: &dyn Persistence<M>,
    probe: Option<&dyn DetectionProbe<M>>,
    channels: Channels<'_>,
) -> RunEnd {
    let Channels { events, commands } = channels;
    let mut run = Run::new(&trainer, data, options);
    let send = |event: TrainingEvent| {
        let _ = events.send(event);
    };
    send(TrainingEvent::Started(info));
    send(TrainingEvent::state(if trainer.is_finished() {
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
                    send(TrainingEvent::state(if paused {
                        RunState::Paused
                    } else {
                        RunState::Training
                    }));
                    run.restart_window(Instant::now());
                }
                Command::TogglePause => {}
                Command::ScaleLearningRate(factor) => {
                    trainer.scale_learning_rate(factor);
                    send(TrainingEvent::Hyperparameter(Hyperparameter::LearningRate(
                        trainer.learning_rate(),
                    )));
                }
                Command::ScaleBeta(factor) if M::IS_VARIATIONAL => {
                    trainer.scale_beta(factor);
                    send(TrainingEvent::Hyperparameter(Hyperparameter::Beta(
                        trainer.beta(),
                    )));
                }
                Command::ScaleBeta(_) => {}
                Command::SaveCheckpoint => {
                    if let Err(end) = save(&trainer, persistence, events) {
                        send(TrainingEvent::state(RunState::Stopped));
                        return end;
                    }
                }
                Command::ExportWeights => export(&trainer, persistence, events),
                Command::Resample => {
                    run.resample();
                    run.snapshot(&trainer, data, options, events);
                }
                Command::MoveDigits(offset) => {
                    run.move_digits(offset, data.test.len());
                    run.snapshot(&trainer, data, options, events);
                }
                Command::Stop { save: save_first } => {
                    let saved = if save_first {
                        save(&trainer, persistence, events)
                    } else {
                        Ok(())
                    };
                    if !finished || saved.is_err() {
                        send(TrainingEvent::state(RunState::Stopped));
                    }
                    return if let Err(end) = saved {
                        end
                    } else if finished {
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
                    if let Err(error) = trainer.check_finite() {
                        send(TrainingEvent::Failed {
                            error: error.to_string(),
                        });
                        send(TrainingEvent::state(RunState::Stopped));
                        return RunEnd::Failed;
                    }
                    let Some(EpochEnd { save_due, report }) =
                        run.end_epoch(&trainer, data, options, probe, events)
                    else {
                        return RunEnd::Failed;
                    };
                    trainer.record_epoch(report);
                    if save_due {
                        let started = Instant::now();
                        if let Err(end) = save(&trainer, persistence, events) {
                            send(TrainingEvent::state(RunState::Stopped));
                            return end;
                        }
                        run.saved(started);
                    }
                    if trainer.is_finished() {
                        send(TrainingEvent::state(RunState::Done));
                    }
                } else if run.snapshot_due(options) {
                    run.snapshot(&trainer, data, options, events);
                }
            }
            Err(error) => {
                send(TrainingEvent::Failed {
                    error: error.to_string(),
                });
                send(TrainingEvent::state(RunState::Stopped));
                return RunEnd::Failed;
            }
        }
    }
}

/// Writes a checkpoint and reports it, or says how the run ends: [`RunEnd::Failed`] when the
/// model diverged (nothing is written), [`RunEnd::SaveFailed`] when the write failed.
fn save<M: TrainableModel>(
    trainer: &Trainer<M>,
    persistence: &dyn Persistence<M>,
    events: &Sender<TrainingEvent>,
) -> Result<(), RunEnd> {
    if let Err(error) = trainer.check_finite() {
        let _ = events.send(TrainingEvent::Failed {
            error: error.to_string(),
        });
        return Err(RunEnd::Failed);
    }
    let result = persistence.save_checkpoint(trainer);
    let saved = result.is_ok();
    report_save(Artifact::Checkpoint, persistence, result, events);
    if saved {
        Ok(())
    } else {
        Err(RunEnd::SaveFailed)
    }
}

/// Writes the device weights and reports them (or why they failed).
fn export<M: TrainableModel>(
    trainer: &Trainer<M>,
    persistence: &dyn Persistence<M>,
    events: &Sender<TrainingEvent>,
) {
    let result = persistence.export_weights(trainer.model());
    report_save(Artifact::DeviceWeights, persistence, result, events);
}

fn report_save<M: TrainableModel>(
    artifact: Artifact,
    persistence: &dyn Persistence<M>,
    result: Result<(), super::persistence::SaveError>,
    events: &Sender<TrainingEvent>,
) {
    let path = persistence.path(artifact).to_path_buf();
    let event = match result {
        Ok(()) => TrainingEvent::Saved { artifact, path },
        Err(error) => TrainingEvent::SaveFailed {
            artifact,
            path,
            error: error.to_string(),
        },
    };
    let _ = events.send(event);
}
