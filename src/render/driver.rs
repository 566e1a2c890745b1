//! The session loop shared by both renderers: events in, commands out, and the way a session
//! ends (a quit or a signal, then a stop with a save).
//!
//! Each turn the driver waits at most [`POLL`] for an event, hands the renderer every event
//! waiting (up to [`MAX_EVENTS_PER_TURN`], so a flood cannot starve input and drawing), sends
//! the commands the renderer asks for and lets it redraw. A signal or a quit sends
//! `Command::Stop { save: true }` and shows the events that follow as the renderer's
//! [`AfterStop`] says.

use std::io;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::{Duration, Instant};

use super::signals::{Signal, Signals};
use super::{AfterStop, Renderer};
use tinyvae_host::train::events::{Artifact, Command, RunState, TrainingEvent};

/// Longest wait for an event in one turn: a key takes effect well within 100 ms.
pub const POLL: Duration = Duration::from_millis(20);
/// Most events handed over in one turn.
pub const MAX_EVENTS_PER_TURN: usize = 20_000;
/// After a `Saved` during a stop, how long to wait for the `Stopped` that should follow.
pub const AFTER_SAVE_WAIT: Duration = Duration::from_millis(500);
/// After an error of the renderer, how long to wait for a signal that would explain it (a
/// hang-up makes the terminal's reads fail).
const SIGNAL_GRACE: Duration = Duration::from_millis(50);
/// Saves remembered for [`Outcome::saved`].
const MAX_SAVED: usize = 100;

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The renderer ended it: the user quit the dashboard (`q`, Ctrl-C), or the plain
    /// renderer saw the schedule end or the trainer go.
    Quit,
    /// A signal (see [`super::signals`]), also one that came while the session was stopping
    /// after a quit.
    Signal(Signal),
}

/// How a session went. In every case `Command::Stop { save: true }` was sent to the trainer.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Why it ended.
    pub end: End,
    /// Whether the trainer confirmed the stop (see [`AfterStop`]); otherwise it may still be
    /// saving.
    pub confirmed: bool,
    /// Files the trainer reported writing during the session, as (what, where).
    pub saved: Vec<(Artifact, PathBuf)>,
    /// Why the run failed, if it did.
    pub failure: Option<String>,
    /// Files the trainer reported it could not write, as (what, where, why).
    pub failed_saves: Vec<(Artifact, PathBuf, String)>,
}

impl Outcome {
    /// The signal that ended the session, if one did.
    pub fn signal(&self) -> Option<Signal> {
        match self.end {
            End::Quit => None,
            End::Signal(signal) => Some(signal),
        }
    }
}

/// Runs a session until the renderer quits or a signal arrives, then asks the trainer to save
/// and stop, shows what follows, and finishes the renderer.
///
/// # Errors
///
/// When the renderer fails (its output or input); the trainer is sent a stop (with a save) and
/// waited for first. An error explained by a signal (a hang-up) ends the session as that
/// signal instead.
pub fn drive(
    renderer: &mut dyn Renderer,
    events: &Receiver<TrainingEvent>,
    commands: &Sender<Command>,
    signals: &Signals,
) -> io::Result<Outcome> {
    let mut session = Session {
        events,
        commands,
        signals,
        signal: None,
        trainer_gone: false,
        saved: Vec::new(),
        failure: None,
        failed_saves: Vec::new(),
    };
    let ended = session.run(renderer);
    let ended = match ended {
        Ok(end) => Ok(end),
        Err(error) => {
            std::thread::sleep(SIGNAL_GRACE);
            session.notice_signal(renderer);
            match session.signal {
                Some(signal) => Ok(End::Signal(signal)),
                None => Err(error),
            }
        }
    };
    let stopped = session.stop(renderer);
    let finished = renderer.finish();
    let end = ended?;
    let confirmed = stopped?;
    finished?;
    let end = match (end, session.signal) {
        (End::Quit, Some(signal)) => End::Signal(signal),
        (end, _) => end,
    };
    Ok(Outcome {
        end,
        confirmed,
        saved: session.saved,
        failure: session.failure,
        failed_saves: session.failed_saves,
    })
}

/// What one turn received.
#[derive(Clone, Copy, Debug, Default)]
struct Received {
    /// A `State(Stopped | Done)` or a `Failed`.
    stopped: bool,
    /// A `Saved`.
    saved: bool,
    /// The trainer's side is gone (and everything it sent was handed over).
    disconnected: bool,
}

struct Session<'a> {
    events: &'a Receiver<TrainingEvent>,
    commands: &'a Sender<Command>,
    signals: &'a Signals,
    /// The first signal noticed.
    signal: Option<Signal>,
    trainer_gone: bool,
    saved: Vec<(Artifact, PathBuf)>,
    failure: Option<String>,
    failed_saves: Vec<(Artifact, PathBuf, String)>,
}

impl Session<'_> {
    /// Turns until a quit or a signal.
    fn run(&mut self, renderer: &mut dyn Renderer) -> io::Result<End> {
        loop {
            if let Some(signal) = self.notice_signal(renderer) {
                return Ok(End::Signal(signal));
            }
            if self.trainer_gone {
                std::thread::sleep(POLL);
            } else {
                self.receive(renderer, POLL)?;
            }
            let requests = renderer.requests()?;
            for command in requests.commands {
                if self.commands.send(command).is_err() && !matches!(command, Command::Stop { .. })
                {
                    renderer.not_delivered(command);
                }
            }
            renderer.refresh(Instant::now())?;
            if requests.quit && requests.interrupt {
                return Ok(End::Signal(Signal::Interrupt));
            }
            if requests.quit {
                return Ok(End::Quit);
            }
        }
    }

    /// Sends the stop and shows what follows as the renderer says; returns whether the
    /// trainer confirmed. An error showing an event is returned once the wait is over.
    fn stop(&mut self, renderer: &mut dyn Renderer) -> io::Result<bool> {
        let _ = self.commands.send(Command::Stop { save: true });
        let deadline = match renderer.after_stop() {
            AfterStop::UntilConfirmed(limit) => Some(Instant::now() + limit),
            AfterStop::UntilHangUp => None,
        };
        let mut saved_at: Option<Instant> = None;
        let mut first_error = None;
        let confirmed = loop {
            self.notice_signal(renderer);
            let now = Instant::now();
            let wait = deadline.map_or(POLL, |d| d.saturating_duration_since(now).min(POLL));
            let received = match self.receive(renderer, wait) {
                Ok(received) => received,
                Err(error) => {
                    first_error.get_or_insert(error);
                    Received::default()
                }
            };
            if received.disconnected {
                break true;
            }
            let now = Instant::now();
            if let Some(deadline) = deadline {
                if received.stopped {
                    break true;
                }
                if received.saved {
                    saved_at.get_or_insert(now);
                }
                if saved_at.is_some_and(|t| now.saturating_duration_since(t) >= AFTER_SAVE_WAIT) {
                    break true;
                }
                if now >= deadline {
                    break saved_at.is_some();
                }
            }
            // Best effort: the terminal may be gone.
            let _ = renderer.refresh(now);
        };
        match first_error {
            Some(error) => Err(error),
            None => Ok(confirmed),
        }
    }

    /// Waits up to `wait` for an event, then hands over every event waiting.
    fn receive(&mut self, renderer: &mut dyn Renderer, wait: Duration) -> io::Result<Received> {
        let mut received = Received::default();
        if self.trainer_gone {
            received.disconnected = true;
            return Ok(received);
        }
        let first = match self.events.recv_timeout(wait) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => return Ok(received),
            Err(RecvTimeoutError::Disconnected) => {
                self.hang_up(renderer, &mut received);
                return Ok(received);
            }
        };
        self.hand_over(renderer, first, &mut received)?;
        for _ in 1..MAX_EVENTS_PER_TURN {
            match self.events.try_recv() {
                Ok(event) => self.hand_over(renderer, event, &mut received)?,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.hang_up(renderer, &mut received);
                    break;
                }
            }
        }
        Ok(received)
    }

    fn hand_over(
        &mut self,
        renderer: &mut dyn Renderer,
        event: TrainingEvent,
        received: &mut Received,
    ) -> io::Result<()> {
        match &event {
            TrainingEvent::Saved { artifact, path } => {
                received.saved = true;
                if self.saved.len() == MAX_SAVED {
                    self.saved.remove(0);
                }
                self.saved.push((*artifact, path.clone()));
            }
            TrainingEvent::Failed { error } => {
                received.stopped = true;
                self.failure = Some(error.clone());
            }
            TrainingEvent::SaveFailed {
                artifact,
                path,
                error,
            } => {
                if self.failed_saves.len() == MAX_SAVED {
                    self.failed_saves.remove(0);
                }
                self.failed_saves
                    .push((*artifact, path.clone(), error.clone()));
            }
            TrainingEvent::State {
                state: RunState::Stopped | RunState::Done,
            } => received.stopped = true,
            _ => {}
        }
        renderer.show(event, Instant::now())
    }

    fn hang_up(&mut self, renderer: &mut dyn Renderer, received: &mut Received) {
        received.disconnected = true;
        if !self.trainer_gone {
            self.trainer_gone = true;
            renderer.trainer_gone();
        }
    }

    /// Tells the renderer about the first signal received; returns it.
    fn notice_signal(&mut self, renderer: &mut dyn Renderer) -> Option<Signal> {
        if self.signal.is_none()
            && let Some(signal) = self.signals.received()
        {
            self.signal = Some(signal);
            renderer.interrupted(signal);
        }
        self.signal
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;
    use crate::render::Requests;
    use tinyvae_host::train::events::{LossParts, StepReport};

    /// A renderer that records what the driver does with it.
    struct Recorder {
        after_stop: AfterStop,
        /// Quit at the first `requests`.
        quit_at_once: bool,
        /// The quit is Ctrl-C in the dashboard.
        interrupt: bool,
        /// Quit after a `State(Done)`, or when the trainer is gone.
        quit_at_end: bool,
        /// Commands asked at the first `requests`.
        commands: Vec<Command>,
        /// Fail at the first `requests`.
        fail: bool,
        shown: Vec<TrainingEvent>,
        /// Events shown at each `requests`.
        turns: Vec<usize>,
        not_delivered: Vec<Command>,
        interrupted: Vec<Signal>,
        gone: bool,
        finished: bool,
    }

    impl Recorder {
        fn new(after_stop: AfterStop) -> Self {
            Self {
                after_stop,
                quit_at_once: false,
                interrupt: false,
                quit_at_end: false,
                commands: Vec::new(),
                fail: false,
                shown: Vec::new(),
                turns: Vec::new(),
                not_delivered: Vec::new(),
                interrupted: Vec::new(),
                gone: false,
                finished: false,
            }
        }
    }

    impl Renderer for Recorder {
        fn show(&mut self, event: TrainingEvent, _: Instant) -> io::Result<()> {
            self.shown.push(event);
            Ok(())
        }

        fn refresh(&mut self, _: Instant) -> io::Result<()> {
            Ok(())
        }

        fn requests(&mut self) -> io::Result<Requests> {
            if std::mem::take(&mut self.fail) {
                return Err(io::Error::other("the terminal input ended"));
            }
            self.turns.push(self.shown.len());
            let done = self.shown.contains(&TrainingEvent::state(RunState::Done));
            Ok(Requests {
                commands: std::mem::take(&mut self.commands),
                quit: self.quit_at_once || (self.quit_at_end && (done || self.gone)),
                interrupt: self.interrupt,
            })
        }

        fn after_stop(&self) -> AfterStop {
            self.after_stop
        }

        fn interrupted(&mut self, signal: Signal) {
            self.interrupted.push(signal);
        }

        fn not_delivered(&mut self, command: Command) {
            self.not_delivered.push(command);
        }

        fn trainer_gone(&mut self) {
            self.gone = true;
        }

        fn finish(&mut self) -> io::Result<()> {
            self.finished = true;
            Ok(())
        }
    }

    fn step(step: u64) -> TrainingEvent {
        TrainingEvent::Step(StepReport {
            step,
            epoch: 1,
            loss: LossParts::default(),
            samples_per_second: 1000.0,
            learning_rate: 1e-3,
            beta: 1.0,
        })
    }

    fn saved() -> TrainingEvent {
        TrainingEvent::Saved {
            artifact: Artifact::Checkpoint,
            path: "c.ckpt".into(),
        }
    }

    fn drive_ok(
        renderer: &mut Recorder,
        events: &Receiver<TrainingEvent>,
        commands: &Sender<Command>,
        signals: &Signals,
    ) -> Outcome {
        match drive(renderer, events, commands, signals) {
            Ok(outcome) => outcome,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn until_hang_up_every_event_is_shown_and_one_stop_sent() {
        let (event_sender, events) = mpsc::channel();
        let (commands, command_receiver) = mpsc::channel();
        let trainer = std::thread::spawn(move || {
            for i in 1..=100 {
                let _ = event_sender.send(step(i));
            }
            let _ = event_sender.send(TrainingEvent::state(RunState::Done));
            let stop = command_receiver.recv();
            std::thread::sleep(Duration::from_millis(30));
            let _ = event_sender.send(saved());
            let _ = event_sender.send(TrainingEvent::state(RunState::Stopped));
            std::thread::sleep(Duration::from_millis(600));
            let _ = event_sender.send(step(101));
            (stop, command_receiver.try_recv())
        });
        let mut renderer = Recorder::new(AfterStop::UntilHangUp);
        renderer.quit_at_end = true;
        let outcome = drive_ok(&mut renderer, &events, &commands, &Signals::unregistered());
        let (stop, more) = trainer
            .join()
            .unwrap_or_else(|_| panic!("the trainer panicked"));
        assert_eq!(stop, Ok(Command::Stop { save: true }));
        assert!(more.is_err(), "one stop only");
        assert_eq!(renderer.shown.len(), 104, "everything, up to the hang-up");
        assert_eq!(renderer.shown.last(), Some(&step(101)));
        assert_eq!(outcome.end, End::Quit);
        assert!(outcome.confirmed);
        assert_eq!(outcome.saved, vec![(Artifact::Checkpoint, "c.ckpt".into())]);
        assert!(renderer.finished);
    }

    #[test]
    fn stops_are_confirmed_by_the_trainer() {
        let (event_sender, events) = mpsc::channel();
        let (commands, command_receiver) = mpsc::channel();
        let trainer = std::thread::spawn(move || {
            let _ = command_receiver.recv();
            std::thread::sleep(Duration::from_millis(30));
            let _ = event_sender.send(saved());
            let _ = event_sender.send(TrainingEvent::state(RunState::Stopped));
            // Keep the channel open: the Stopped event alone must end the wait.
            std::thread::sleep(Duration::from_millis(500));
        });
        let mut renderer = Recorder::new(AfterStop::UntilConfirmed(Duration::from_secs(5)));
        renderer.quit_at_once = true;
        let started = Instant::now();
        let outcome = drive_ok(&mut renderer, &events, &commands, &Signals::unregistered());
        assert!(started.elapsed() < Duration::from_millis(400));
        assert!(outcome.confirmed);
        assert_eq!(outcome.saved, vec![(Artifact::Checkpoint, "c.ckpt".into())]);
        let _ = trainer.join();
    }

    #[test]
    fn a_gone_trainer_confirms_and_a_silent_one_is_waited_for_a_bounded_time() {
        let (event_sender, events) = mpsc::channel::<TrainingEvent>();
        let (commands, _command_receiver) = mpsc::channel();
        drop(event_sender);
        let mut renderer = Recorder::new(AfterStop::UntilConfirmed(Duration::from_secs(5)));
        renderer.quit_at_once = true;
        let outcome = drive_ok(&mut renderer, &events, &commands, &Signals::unregistered());
        assert!(outcome.confirmed);
        assert!(renderer.gone);

        let (_event_sender, events) = mpsc::channel::<TrainingEvent>();
        let mut renderer = Recorder::new(AfterStop::UntilConfirmed(Duration::from_millis(100)));
        renderer.quit_at_once = true;
        let started = Instant::now();
        let outcome = drive_ok(&mut renderer, &events, &commands, &Signals::unregistered());
        assert!(!outcome.confirmed);
        assert!(started.elapsed() >= Duration::from_millis(100));
    }

    #[test]
    fn a_signal_stops_the_session() {
        let (event_sender, events) = mpsc::channel::<TrainingEvent>();
        let (commands, command_receiver) = mpsc::channel();
        drop(event_sender);
        let signals = Signals::unregistered();
        signals.raise(Signal::Terminate);
        let mut renderer = Recorder::new(AfterStop::UntilConfirmed(Duration::from_secs(5)));
        let outcome = drive_ok(&mut renderer, &events, &commands, &signals);
        assert_eq!(outcome.end, End::Signal(Signal::Terminate));
        assert_eq!(outcome.signal(), Some(Signal::Terminate));
        assert_eq!(renderer.interrupted, vec![Signal::Terminate]);
        assert_eq!(
            command_receiver.try_recv(),
            Ok(Command::Stop { save: true })
        );
    }

    #[test]
    fn ctrl_c_in_the_dashboard_ends_the_session_as_an_interrupt() {
        let (event_sender, events) = mpsc::channel::<TrainingEvent>();
        let (commands, command_receiver) = mpsc::channel();
        drop(event_sender);
        let mut renderer = Recorder::new(AfterStop::UntilConfirmed(Duration::from_secs(5)));
        renderer.quit_at_once = true;
        renderer.interrupt = true;
        let outcome = drive_ok(&mut renderer, &events, &commands, &Signals::unregistered());
        assert_eq!(outcome.signal(), Some(Signal::Interrupt));
        assert_eq!(
            command_receiver.try_recv(),
            Ok(Command::Stop { save: true })
        );
    }

    #[test]
    fn undelivered_commands_are_reported() {
        let (_event_sender, events) = mpsc::channel::<TrainingEvent>();
        let (commands, command_receiver) = mpsc::channel();
        drop(command_receiver);
        let mut renderer = Recorder::new(AfterStop::UntilConfirmed(Duration::ZERO));
        renderer.commands = vec![Command::TogglePause];
        renderer.quit_at_once = true;
        drive_ok(&mut renderer, &events, &commands, &Signals::unregistered());
        assert_eq!(renderer.not_delivered, vec![Command::TogglePause]);
    }

    #[test]
    fn renderer_errors_stop_the_trainer_unless_a_signal_explains_them() {
        let (_event_sender, events) = mpsc::channel::<TrainingEvent>();
        let (commands, command_receiver) = mpsc::channel();
        let mut renderer = Recorder::new(AfterStop::UntilConfirmed(Duration::ZERO));
        renderer.fail = true;
        let result = drive(&mut renderer, &events, &commands, &Signals::unregistered());
        assert!(result.is_err());
        assert!(renderer.finished);
        assert_eq!(
            command_receiver.try_recv(),
            Ok(Command::Stop { save: true })
        );

        // A hang-up that comes as the terminal fails: the session ends as that signal.
        let mut renderer = Recorder::new(AfterStop::UntilConfirmed(Duration::ZERO));
        renderer.fail = true;
        let signals = Signals::unregistered();
        let result = std::thread::scope(|scope| {
            scope.spawn(|| {
                std::thread::sleep(Duration::from_millis(10));
                signals.raise(Signal::HangUp);
            });
            drive(&mut renderer, &events, &commands, &signals)
        });
        match result {
            Ok(outcome) => assert_eq!(outcome.end, End::Signal(Signal::HangUp)),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_flood_of_events_is_handed_over_in_bounded_turns() {
        let (event_sender, events) = mpsc::channel();
        let (commands, _command_receiver) = mpsc::channel();
        for i in 0..MAX_EVENTS_PER_TURN as u64 + 10 {
            let _ = event_sender.send(step(i));
        }
        let _ = event_sender.send(TrainingEvent::state(RunState::Done));
        drop(event_sender);
        let mut renderer = Recorder::new(AfterStop::UntilHangUp);
        renderer.quit_at_end = true;
        drive_ok(&mut renderer, &events, &commands, &Signals::unregistered());
        assert_eq!(renderer.turns.first(), Some(&MAX_EVENTS_PER_TURN));
        assert_eq!(renderer.shown.len(), MAX_EVENTS_PER_TURN + 11);
    }
}
