//! Everything the dashboard shows, as pure data: [`DashboardState`] is updated by
//! [`DashboardState::apply`] from [`TrainingEvent`]s and by [`DashboardState::handle_key`]
//! (in [`super::keys`]) from key presses. No I/O happens here: the terminal belongs to
//! [`super::session`], the channels to [`crate::render::driver`].
//!
//! Every history is bounded, so a run of any length uses a fixed amount of memory:
//! - step losses go to a [`LossHistory`] of at most [`LOSS_BUCKETS`] buckets whose width in
//!   steps doubles when it fills (a whole-run view whose resolution adapts to its length);
//! - per-epoch losses keep at most [`MAX_EPOCH_POINTS`] points (halved by decimation when full);
//! - the message log keeps the last [`LOG_CAPACITY`](super::messages::LOG_CAPACITY) messages;
//! - only the latest [`Snapshot`] and detection report are kept, with each score's ROC AUC
//!   per epoch bounded as the losses per epoch are.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::detection_history::DetectionHistory;
pub use super::history::{EpochHistory, LOSS_BUCKETS, LossHistory, MAX_EPOCH_POINTS, Term};
use super::messages::{Level, Message, MessageLog, describe};
use super::mode::Mode;
pub use crate::render::eta::Eta;
use tinyvae_host::train::events::{
    Command, Hyperparameter, RunInfo, RunState, Snapshot, StepReport, TrainingEvent,
};

use crate::format;

/// Everything the dashboard shows. See the [module documentation](self).
#[derive(Clone, Debug, Default)]
pub struct DashboardState {
    info: Option<RunInfo>,
    run_state: Option<RunState>,
    last_step: Option<StepReport>,
    losses: LossHistory,
    epochs: EpochHistory,
    snapshot: Option<Box<Snapshot>>,
    detection: DetectionHistory,
    hyperparameters: Vec<Hyperparameter>,
    log: MessageLog,
    failure: Option<String>,
    eta: Eta,
    mode: Mode,
    help: bool,
    quit: bool,
    trainer_gone: bool,
    digits_shown: usize,
    dirty: bool,
}

impl DashboardState {
    /// An empty state: waiting for the run to start.
    pub fn new() -> Self {
        Self {
            dirty: true,
            ..Self::default()
        }
    }

    /// Takes one event into account, timed now. See [`DashboardState::apply_at`].
    pub fn apply(&mut self, event: TrainingEvent) {
        self.apply_at(event, Instant::now());
    }

    /// Takes one event into account, received at `now` (used by the ETA; tests and simulations
    /// pass their own clock).
    pub fn apply_at(&mut self, event: TrainingEvent, now: Instant) {
        self.dirty = true;
        match event {
            TrainingEvent::Started(info) => {
                self.losses.clear();
                self.epochs.clear();
                self.snapshot = None;
                self.detection.clear();
                if !self.mode.shown(info.normal_classes.is_some()) {
                    self.mode = Mode::Overview;
                }
                self.last_step = None;
                self.failure = None;
                self.eta = Eta::default();
                self.hyperparameters = info.hyperparameters.clone();
                self.run_state = Some(RunState::Training);
                self.push_message(Level::Info, format!("started {}", info.preset));
                self.info = Some(info);
            }
            TrainingEvent::Step(report) => {
                self.losses.push(report.step, &report.loss);
                self.eta.step(report.step, now);
                if self.run_state.is_none() {
                    self.run_state = Some(RunState::Training);
                }
                self.last_step = Some(report);
            }
            TrainingEvent::Epoch(report) => self.epochs.push(report),
            TrainingEvent::Detection(report) => self.detection.push(report),
            TrainingEvent::Snapshot(snapshot) => self.snapshot = Some(snapshot),
            TrainingEvent::State { state } => {
                match state {
                    RunState::Paused => self.eta.pause(now),
                    RunState::Training => self.eta.resume(now),
                    RunState::Done | RunState::Stopped => {}
                }
                if self.run_state != Some(state) {
                    let text = match state {
                        RunState::Training => "training",
                        RunState::Paused => "paused (space resumes)",
                        RunState::Done => "done: all epochs trained (q quits)",
                        RunState::Stopped => "stopped",
                    };
                    self.push_message(Level::Info, text.to_string());
                }
                self.run_state = Some(state);
            }
            TrainingEvent::Hyperparameter(setting) => {
                self.push_message(
                    Level::Info,
                    format!(
                        "{} = {}",
                        format::hyperparameter_name(&setting),
                        format::hyperparameter_value(&setting)
                    ),
                );
                match self
                    .hyperparameters
                    .iter_mut()
                    .find(|known| known.same_setting(&setting))
                {
                    Some(known) => *known = setting,
                    None => self.hyperparameters.push(setting),
                }
            }
            TrainingEvent::Saved { artifact, path } => {
                self.push_message(
                    Level::Info,
                    format!("saved {} to {}", format::artifact(artifact), path.display()),
                );
            }
            TrainingEvent::SaveFailed {
                artifact,
                path,
                error,
            } => self.push_message(
                Level::Warning,
                format!(
                    "{} not saved to {}: {error}",
                    format::artifact(artifact),
                    path.display()
                ),
            ),
            TrainingEvent::Warning { message } => self.push_message(Level::Warning, message),
            TrainingEvent::Failed { error } => {
                self.push_message(Level::Error, format!("failed: {error}"));
                self.failure = Some(error);
                self.run_state = Some(RunState::Stopped);
            }
        }
    }

    /// Records that the trainer's side of the event channel is gone.
    pub fn set_trainer_gone(&mut self) {
        if !self.trainer_gone {
            self.trainer_gone = true;
            self.dirty = true;
            if !matches!(self.run_state, Some(RunState::Done | RunState::Stopped)) {
                self.push_message(Level::Warning, "the trainer ended".to_string());
            }
        }
    }

    /// Records that a command could not be delivered.
    pub fn command_not_delivered(&mut self, command: Command) {
        self.push_message(
            Level::Warning,
            format!("{} not delivered: the trainer has ended", describe(command)),
        );
    }

    /// Adds a message to the log (and the status bar).
    pub fn push_message(&mut self, level: Level, text: String) {
        self.log.push(level, text);
        self.dirty = true;
    }

    /// Records that the user asked to quit (the trainer is told to save and stop).
    pub fn request_quit(&mut self) {
        self.quit = true;
        self.push_message(
            Level::Info,
            "stopping: saving a checkpoint, then quitting".to_string(),
        );
    }

    /// How far `n` and `p` move the test digits: as many as the screen shows (before the
    /// first frame, as many as the snapshot has).
    pub fn digits_step(&self) -> isize {
        let shown = if self.digits_shown > 0 {
            self.digits_shown
        } else {
            self.snapshot
                .as_ref()
                .map_or(0, |s| s.originals.len())
                .max(1)
        };
        isize::try_from(shown).unwrap_or(isize::MAX)
    }

    /// Tells how many test digits the screen shows (what `n`/`p` move by).
    pub fn set_digits_shown(&mut self, count: usize) {
        self.digits_shown = count;
    }

    /// Whether something changed since [`DashboardState::mark_drawn`].
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Records that the current state is on screen.
    pub fn mark_drawn(&mut self) {
        self.dirty = false;
    }

    /// Records that something shown changed.
    pub fn mark_changed(&mut self) {
        self.dirty = true;
    }

    /// Whether the user asked to quit.
    pub fn quit_requested(&self) -> bool {
        self.quit
    }

    /// Facts of the run, once it started.
    pub fn info(&self) -> Option<&RunInfo> {
        self.info.as_ref()
    }

    /// Where the run stands; `None` before the first event.
    pub fn run_state(&self) -> Option<RunState> {
        self.run_state
    }

    /// The latest step report.
    pub fn last_step(&self) -> Option<&StepReport> {
        self.last_step.as_ref()
    }

    /// Step losses.
    pub fn losses(&self) -> &LossHistory {
        &self.losses
    }

    /// Per-epoch losses.
    pub fn epochs(&self) -> &EpochHistory {
        &self.epochs
    }

    /// The latest pictures.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_deref()
    }

    /// A detector's judgements at the ends of epochs.
    pub fn detection(&self) -> &DetectionHistory {
        &self.detection
    }

    /// Shows the next score's histogram in the detector view.
    pub fn select_next_score(&mut self) {
        self.detection.select_next();
        self.dirty = true;
    }

    /// Whether the run is a detector's, judged as it trains (the detector view is shown).
    pub fn is_detector(&self) -> bool {
        self.info
            .as_ref()
            .is_some_and(|i| i.normal_classes.is_some())
    }

    /// Hyperparameters in force, as (name, value).
    pub fn hyperparameters(&self) -> &[Hyperparameter] {
        &self.hyperparameters
    }

    /// Messages, oldest first.
    pub fn log(&self) -> &VecDeque<Message> {
        self.log.messages()
    }

    /// The latest message.
    pub fn last_message(&self) -> Option<&Message> {
        self.log.last()
    }

    /// Why the run failed, if it did.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// The ETA estimator.
    pub fn eta(&self) -> &Eta {
        &self.eta
    }

    /// Time left, when it can be estimated.
    pub fn remaining(&self) -> Option<Duration> {
        let total = self.info.as_ref()?.total_steps;
        self.eta.remaining(total)
    }

    /// The view shown.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Shows a view.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
        self.dirty = true;
    }

    /// Whether the help overlay is shown.
    pub fn help_visible(&self) -> bool {
        self.help
    }

    /// Shows or hides the help overlay.
    pub fn set_help(&mut self, visible: bool) {
        self.help = visible;
        self.dirty = true;
    }

    /// Whether the trainer's event channel is closed.
    pub fn trainer_gone(&self) -> bool {
        self.trainer_gone
    }

    /// Whether the run reached an end (done, stopped or failed).
    pub fn finished(&self) -> bool {
        matches!(self.run_state, Some(RunState::Done | RunState::Stopped))
    }
}

#[cfg(test)]
mod tests;
