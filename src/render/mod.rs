//! The two renderers of a training run, siblings behind one [`Renderer`] trait: [`tui`], the
//! terminal dashboard, and [`plain`], the headless progress line and JSON-lines metrics.
//!
//! The trainer runs on its own thread and sends
//! [`TrainingEvent`]s; [`driver::drive`] hands them to the renderer, sends the
//! [`Command`]s it asks for, and ends the session on a quit or a signal
//! ([`signals`]), the same way whichever renderer it drives.
//!
//! What both show is computed once: the time left by [`eta::Eta`], durations written by
//! [`crate::format::duration`].

pub mod driver;
pub mod eta;
pub mod metrics;
pub mod plain;
pub mod signals;
pub mod tui;

use std::io;
use std::time::{Duration, Instant};

use signals::Signal;
use tinyvae_host::train::events::{Command, TrainingEvent};

/// What a renderer asks for between events.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Requests {
    /// Commands to send to the trainer, in order (never a `Stop`: see `quit`).
    pub commands: Vec<Command>,
    /// Whether to end the session: the driver sends `Command::Stop { save: true }` and waits
    /// for the trainer as [`Renderer::after_stop`] says.
    pub quit: bool,
    /// Whether the quit was Ctrl-C in the dashboard's raw mode, where it is a key, not a
    /// signal: the session ends as [`Signal::Interrupt`] would end it (exit 130).
    pub interrupt: bool,
}

/// How long the driver goes on handing events to the renderer after it sent a stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterStop {
    /// Until the trainer confirms the stop (`State(Stopped | Done)`, `Failed`, a `Saved`
    /// followed by a short quiet, or closing its channel), for at most this long.
    UntilConfirmed(Duration),
    /// Until the trainer closes its channel, however long that takes: every event is shown.
    UntilHangUp,
}

/// A way of showing a training run: the driver hands it every event, asks it what to send
/// back, and tells it how the session goes. Nothing here blocks: the driver does the waiting.
pub trait Renderer {
    /// Takes an event received at `now` into account (writes it, or keeps it to draw).
    ///
    /// # Errors
    ///
    /// When the output cannot be written.
    fn show(&mut self, event: TrainingEvent, now: Instant) -> io::Result<()>;

    /// Brings the display up to date at `now` (draws a frame if one is due).
    ///
    /// # Errors
    ///
    /// When the output cannot be written.
    fn refresh(&mut self, now: Instant) -> io::Result<()>;

    /// What to send to the trainer, and whether to end the session, since the last call.
    ///
    /// # Errors
    ///
    /// When the input cannot be read.
    fn requests(&mut self) -> io::Result<Requests>;

    /// How long to keep showing events once a stop was sent.
    fn after_stop(&self) -> AfterStop;

    /// A signal arrived; the driver has asked the trainer to save and stop.
    fn interrupted(&mut self, signal: Signal) {
        let _ = signal;
    }

    /// `command` could not be sent: the trainer has ended.
    fn not_delivered(&mut self, command: Command) {
        let _ = command;
    }

    /// The trainer closed its side of the event channel; no more events will come.
    fn trainer_gone(&mut self) {}

    /// The session is over: flushes the output, gives the terminal back.
    ///
    /// # Errors
    ///
    /// When the output cannot be flushed.
    fn finish(&mut self) -> io::Result<()>;
}
