//! The dashboard loop: the terminal, the channels, keys, resizes and signals.
//!
//! [`Dashboard`] holds the terminal, the state and the redraw policy, and works with any
//! `Write` behind a `CrosstermBackend`, so the same code path runs on a real terminal
//! ([`run`]) and in a counting simulation ([`super::bench`]).

use std::io::{self, Stdout, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyEvent};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use signal_hook::consts::signal::{SIGHUP, SIGINT, SIGTERM};

use super::options::DashboardOptions;
use super::state::{DashboardState, Level};
use super::theme::Theme;
use super::view::{self, FrameInfo};
use crate::render::signals::{Signal, Signals};
use tinyvae_host::train::events::{Artifact, Command, RunState, TrainingEvent};

/// Longest wait for input in one turn of the loop: a key takes effect well within 100 ms.
pub const POLL: Duration = Duration::from_millis(20);
/// Longest wait for the trainer to confirm a stop before the dashboard returns anyway.
pub const STOP_WAIT: Duration = Duration::from_secs(5);
/// After a `Saved` during a stop, how long to wait for the `Stopped` that should follow.
const AFTER_SAVE_WAIT: Duration = Duration::from_millis(500);
/// Most events applied in one turn of the loop, so a flood cannot starve input and drawing.
const MAX_EVENTS_PER_TURN: usize = 20_000;
/// Saves remembered for [`DashboardExit::saved`].
const MAX_SAVED: usize = 100;

/// Why the dashboard returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitReason {
    /// The user pressed `q` or Ctrl-C.
    Quit,
    /// SIGTERM.
    Terminated,
    /// SIGHUP: the terminal went away (an SSH link dropped).
    HungUp,
    /// SIGINT sent from outside (in raw mode Ctrl-C is a key, not a signal).
    Interrupted,
}

/// What [`run`] reports when it returns. In every case `Command::Stop { save: true }` was sent
/// to the trainer first.
#[derive(Clone, Debug, PartialEq)]
pub struct DashboardExit {
    /// Why.
    pub reason: ExitReason,
    /// Whether the trainer confirmed the stop (`Saved`, `State(Stopped | Done)`, `Failed`, or
    /// by closing its channel) within [`STOP_WAIT`]; otherwise it may still be saving.
    pub confirmed: bool,
    /// Files the trainer reported writing during the session, as (what, where).
    pub saved: Vec<(Artifact, PathBuf)>,
    /// Why the run failed, if it did.
    pub failure: Option<String>,
}

impl ExitReason {
    fn of(signal: Signal) -> Self {
        match signal {
            Signal::Interrupt => ExitReason::Interrupted,
            Signal::Terminate => ExitReason::Terminated,
            Signal::HangUp => ExitReason::HungUp,
        }
    }
}

impl DashboardExit {
    /// The signal that ended the dashboard (`SIGTERM`, `SIGHUP` or `SIGINT`), if one did.
    pub fn signal(&self) -> Option<i32> {
        match self.reason {
            ExitReason::Quit => None,
            ExitReason::Terminated => Some(SIGTERM),
            ExitReason::HungUp => Some(SIGHUP),
            ExitReason::Interrupted => Some(SIGINT),
        }
    }
}

/// The terminal, the state and the redraw policy: redraw when something changed, at most once
/// per frame interval, and at once after a key or a resize.
pub struct Dashboard<W: Write> {
    terminal: Terminal<CrosstermBackend<W>>,
    state: DashboardState,
    theme: Theme,
    frame_interval: Duration,
    last_draw: Option<Instant>,
    force: bool,
    frames: u64,
    saved: Vec<(Artifact, PathBuf)>,
}

/// What draining the event channel found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drained {
    /// Events applied.
    pub events: usize,
    /// Whether the trainer's side is gone (and everything it sent was applied).
    pub disconnected: bool,
    /// Whether a stop was confirmed (see [`DashboardExit::confirmed`]).
    pub stopped: bool,
    /// Whether a file was saved.
    pub saved: bool,
}

impl<W: Write> Dashboard<W> {
    /// A dashboard drawing on `terminal`.
    pub fn new(terminal: Terminal<CrosstermBackend<W>>, options: &DashboardOptions) -> Self {
        Self {
            terminal,
            state: DashboardState::new(),
            theme: Theme::new(options),
            frame_interval: options.frame_interval,
            last_draw: None,
            force: true,
            frames: 0,
            saved: Vec::new(),
        }
    }

    /// The state shown.
    pub fn state(&self) -> &DashboardState {
        &self.state
    }

    /// The state shown, to change.
    pub fn state_mut(&mut self) -> &mut DashboardState {
        &mut self.state
    }

    /// Frames drawn so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Takes an event received at `now` into account.
    pub fn apply(&mut self, event: TrainingEvent, now: Instant) {
        if let TrainingEvent::Saved { artifact, path } = &event {
            if self.saved.len() == MAX_SAVED {
                self.saved.remove(0);
            }
            self.saved.push((*artifact, path.clone()));
        }
        self.state.apply_at(event, now);
    }

    /// Applies every event waiting in `events` (up to a bound per call), without blocking.
    pub fn drain(&mut self, events: &Receiver<TrainingEvent>, now: Instant) -> Drained {
        let mut drained = Drained::default();
        while drained.events < MAX_EVENTS_PER_TURN {
            match events.try_recv() {
                Ok(event) => {
                    drained.events += 1;
                    self.note(&event, &mut drained);
                    self.apply(event, now);
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    drained.disconnected = true;
                    self.state.set_trainer_gone();
                    break;
                }
            }
        }
        drained
    }

    fn note(&self, event: &TrainingEvent, drained: &mut Drained) {
        match event {
            TrainingEvent::Saved { .. } => drained.saved = true,
            TrainingEvent::State {
                state: RunState::Stopped | RunState::Done,
            }
            | TrainingEvent::Failed { .. } => {
                drained.stopped = true;
            }
            _ => {}
        }
    }

    /// Handles a key press: returns the command to send; redraws at the next call to
    /// [`Dashboard::draw_if_due`] whatever the frame interval.
    pub fn key(&mut self, key: KeyEvent) -> Option<Command> {
        let command = self.state.handle_key(key);
        if self.state.is_dirty() {
            self.force = true;
        }
        command
    }

    /// Asks for a full redraw at the next call to [`Dashboard::draw_if_due`] (after a resize).
    pub fn redraw_now(&mut self) {
        self.force = true;
    }

    /// Draws a frame if one is due at `now`; returns whether it drew.
    pub fn draw_if_due(&mut self, now: Instant) -> io::Result<bool> {
        let interval_passed = self
            .last_draw
            .is_none_or(|t| now.saturating_duration_since(t) >= self.frame_interval);
        if !(self.force || (self.state.is_dirty() && interval_passed)) {
            return Ok(false);
        }
        let mut info = FrameInfo::default();
        let (state, theme) = (&self.state, &self.theme);
        self.terminal.draw(|frame| {
            let area = frame.area();
            info = view::render(state, theme, area, frame.buffer_mut());
        })?;
        if info.digits_shown > 0 {
            self.state.set_digits_shown(info.digits_shown);
        }
        self.state.mark_drawn();
        self.force = false;
        self.last_draw = Some(now);
        self.frames += 1;
        Ok(true)
    }

    /// After a stop was sent: applies events until the trainer confirms, its channel closes or
    /// `limit` passes ([`run`] waits [`STOP_WAIT`]), drawing when `draw` is set. Returns whether
    /// it confirmed.
    pub fn wait_for_stop(
        &mut self,
        events: &Receiver<TrainingEvent>,
        draw: bool,
        limit: Duration,
    ) -> bool {
        let deadline = Instant::now() + limit;
        let mut saved_at: Option<Instant> = None;
        loop {
            let now = Instant::now();
            let drained = self.drain(events, now);
            if drained.stopped || drained.disconnected {
                return true;
            }
            if drained.saved {
                saved_at.get_or_insert(now);
            }
            if saved_at.is_some_and(|t| now.saturating_duration_since(t) >= AFTER_SAVE_WAIT) {
                return true;
            }
            if now >= deadline {
                return saved_at.is_some();
            }
            if draw {
                // Best effort: the terminal may be gone.
                let _ = self.draw_if_due(now);
            }
            let left = deadline.saturating_duration_since(now).min(POLL);
            match events.recv_timeout(left) {
                Ok(event) => {
                    let mut drained = Drained::default();
                    self.note(&event, &mut drained);
                    self.apply(event, Instant::now());
                    if drained.stopped {
                        return true;
                    }
                    if drained.saved {
                        saved_at.get_or_insert(Instant::now());
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    self.state.set_trainer_gone();
                    return true;
                }
            }
        }
    }

    fn exit(&self, reason: ExitReason, confirmed: bool) -> DashboardExit {
        DashboardExit {
            reason,
            confirmed,
            saved: self.saved.clone(),
            failure: self.state.failure().map(str::to_string),
        }
    }
}

/// Restores the terminal when dropped, on every path out of [`run`].
struct RestoreGuard;

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        // `try_restore`, not `restore`: after a hang-up, printing the error to a dead terminal
        // could panic. Show the cursor too (on paths where the `Terminal` is not dropped).
        let _ = crossterm::execute!(io::stdout(), crossterm::cursor::Show);
        let _ = ratatui::try_restore();
    }
}

/// Runs the dashboard until the user quits or a signal arrives: takes over the terminal
/// (`ratatui::try_init`: raw mode, alternate screen, a panic hook that restores the terminal),
/// shows the events from the trainer and sends the commands of the keys, and restores the
/// terminal on every way out.
///
/// The loop never waits on the trainer: each turn it applies the events waiting (without
/// blocking), redraws if something changed and the frame interval passed (at once after a key
/// or a resize), then polls input for at most [`POLL`]. When the run ends the screen stays up
/// until `q`.
///
/// Quitting (`q`, Ctrl-C), SIGTERM, SIGHUP and SIGINT all send `Command::Stop { save: true }`
/// and wait up to [`STOP_WAIT`] for the trainer to confirm; what further signals do is the
/// session's [signal policy](crate::render::signals).
///
/// # Errors
///
/// When the terminal cannot be set up, drawn on or read from; the trainer is sent a stop
/// (with a save) first.
pub fn run(
    events: Receiver<TrainingEvent>,
    commands: Sender<Command>,
    options: DashboardOptions,
) -> io::Result<DashboardExit> {
    let signals = Signals::register()?;
    let terminal = match ratatui::try_init() {
        Ok(terminal) => terminal,
        Err(error) => {
            let _ = ratatui::try_restore();
            let _ = commands.send(Command::Stop { save: true });
            return Err(error);
        }
    };
    let guard = RestoreGuard;
    let mut dashboard = Dashboard::new(terminal, &options);
    let result = event_loop(&mut dashboard, &events, &commands, &signals);
    let result = match result {
        Ok(exit) => Ok(exit),
        Err(error) => {
            // The terminal failed; a signal may explain it (a hang-up makes reads fail).
            std::thread::sleep(Duration::from_millis(50));
            let reason = signals.received().map(ExitReason::of);
            let _ = commands.send(Command::Stop { save: true });
            let confirmed = dashboard.wait_for_stop(&events, false, STOP_WAIT);
            match reason {
                Some(reason) => Ok(dashboard.exit(reason, confirmed)),
                None => Err(error),
            }
        }
    };
    let terminal_gone = match &result {
        Ok(exit) => exit.reason == ExitReason::HungUp,
        Err(_) => true,
    };
    if terminal_gone {
        // Dropping a ratatui `Terminal` shows the cursor and, when that fails, prints the
        // error to stderr, which panics when stderr is the dead terminal.
        std::mem::forget(dashboard);
    } else {
        // Shows the cursor.
        drop(dashboard);
    }
    drop(guard);
    drop(signals);
    result
}

/// Reads the terminal's input on its own thread and hands the events over a channel.
///
/// Not on the loop's thread because of a crossterm 0.29 bug (crossterm-rs/crossterm#793, fix
/// proposed in #1067): once the terminal is gone, `event::poll` spins forever inside, whatever
/// its timeout. On this thread the spin cannot keep the loop from seeing the SIGHUP, telling
/// the trainer to save and stop, and returning; the thread spins on until the process exits.
struct Input {
    events: Receiver<io::Result<Event>>,
    stop: Arc<AtomicBool>,
}

impl Input {
    fn start() -> io::Result<Self> {
        let (sender, events) = std::sync::mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("dashboard-input".into())
            .spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    let event = match event::poll(POLL) {
                        Ok(false) => continue,
                        Ok(true) => event::read(),
                        Err(error) => Err(error),
                    };
                    let failed = event.is_err();
                    if sender.send(event).is_err() || failed {
                        break;
                    }
                }
            })?;
        Ok(Self { events, stop })
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        // The thread notices within one poll; it is not joined (see above).
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn handle_input(dashboard: &mut Dashboard<Stdout>, commands: &Sender<Command>, event: Event) {
    match event {
        Event::Key(key) => {
            if let Some(command) = dashboard.key(key)
                && commands.send(command).is_err()
                && !matches!(command, Command::Stop { .. })
            {
                dashboard.state_mut().command_not_delivered(command);
            }
        }
        Event::Resize(..) => dashboard.redraw_now(),
        _ => {}
    }
}

fn event_loop(
    dashboard: &mut Dashboard<Stdout>,
    events: &Receiver<TrainingEvent>,
    commands: &Sender<Command>,
    signals: &Signals,
) -> io::Result<DashboardExit> {
    let input = Input::start()?;
    loop {
        if let Some(reason) = signals.received().map(ExitReason::of) {
            let _ = commands.send(Command::Stop { save: true });
            let draw = reason != ExitReason::HungUp;
            if draw {
                dashboard.state_mut().push_message(
                    Level::Warning,
                    "signal received: saving a checkpoint, then quitting".to_string(),
                );
            }
            let confirmed = dashboard.wait_for_stop(events, draw, STOP_WAIT);
            return Ok(dashboard.exit(reason, confirmed));
        }
        dashboard.drain(events, Instant::now());
        dashboard.draw_if_due(Instant::now())?;
        let first = match input.events.recv_timeout(POLL) {
            Ok(event) => event?,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(io::Error::other("the terminal input ended"));
            }
        };
        handle_input(dashboard, commands, first);
        // Everything else typed meanwhile, up to a quit.
        while !dashboard.state().quit_requested() {
            match input.events.try_recv() {
                Ok(event) => handle_input(dashboard, commands, event?),
                Err(_) => break,
            }
        }
        if dashboard.state().quit_requested() {
            dashboard.draw_if_due(Instant::now())?;
            let confirmed = dashboard.wait_for_stop(events, true, STOP_WAIT);
            return Ok(dashboard.exit(ExitReason::Quit, confirmed));
        }
        dashboard.draw_if_due(Instant::now())?;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use crossterm::event::{KeyCode, KeyModifiers};
    use ratatui::layout::Rect;
    use ratatui::{TerminalOptions, Viewport};

    use super::*;
    use crate::render::tui::counting::{ByteCounter, CountingWriter};
    use crate::render::tui::synthetic::{Kind, SyntheticRun};

    type Counted = Dashboard<CountingWriter<io::Sink>>;

    fn dashboard() -> (Counted, ByteCounter) {
        let writer = CountingWriter::new(io::sink());
        let counter = writer.counter();
        let terminal = Terminal::with_options(
            CrosstermBackend::new(writer),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, 100, 30)),
            },
        );
        match terminal {
            Ok(t) => (Dashboard::new(t, &DashboardOptions::default()), counter),
            Err(e) => panic!("{e}"),
        }
    }

    fn draw(d: &mut Counted, at: Instant) -> bool {
        match d.draw_if_due(at) {
            Ok(drew) => drew,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn frames_are_capped_and_keys_redraw_at_once() {
        let (mut d, counter) = dashboard();
        let t0 = Instant::now();
        let mut run = SyntheticRun::new(Kind::VaeMnist2d, 1);
        for event in run.by_ref().take(50) {
            d.apply(event, t0);
        }
        assert!(draw(&mut d, t0), "the first frame");
        assert!(!draw(&mut d, t0), "nothing changed");
        for event in run.by_ref().take(5) {
            d.apply(event, t0);
        }
        assert!(!draw(&mut d, t0 + Duration::from_millis(50)), "too soon");
        assert!(draw(&mut d, t0 + Duration::from_millis(100)));
        let bytes = counter.get();
        assert!(
            !draw(&mut d, t0 + Duration::from_millis(300)),
            "nothing changed"
        );
        assert_eq!(counter.get(), bytes, "no frame, no bytes");

        // A key redraws at once, even within the frame interval.
        let now = t0 + Duration::from_millis(310);
        assert_eq!(d.key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)), None);
        assert!(draw(&mut d, now));
        // A key that does nothing does not.
        d.key(KeyEvent::new(KeyCode::F(9), KeyModifiers::NONE));
        assert!(!draw(&mut d, now));
        // A resize redraws.
        d.redraw_now();
        assert!(draw(&mut d, now));
        assert_eq!(d.frames(), 4);
    }

    #[test]
    fn draining_applies_everything_waiting_and_notices_the_end() {
        let (mut d, _) = dashboard();
        let (sender, receiver) = mpsc::channel();
        let run = SyntheticRun::new(Kind::DenoisingDigits, 2);
        let total = run.info().total_steps;
        for event in run {
            let _ = sender.send(event);
        }
        let drained = d.drain(&receiver, Instant::now());
        assert!(drained.events > total as usize);
        assert!(drained.stopped, "Done was among them");
        assert!(!drained.disconnected);
        drop(sender);
        assert!(d.drain(&receiver, Instant::now()).disconnected);
        assert!(d.state().trainer_gone());
        assert_eq!(d.state().last_step().map(|s| s.step), Some(total));
    }

    #[test]
    fn stops_are_confirmed_by_the_trainer() {
        let (mut d, _) = dashboard();
        let (sender, receiver) = mpsc::channel();
        let worker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            let _ = sender.send(TrainingEvent::Saved {
                artifact: Artifact::Checkpoint,
                path: "c.ckpt".into(),
            });
            let _ = sender.send(TrainingEvent::state(RunState::Stopped));
            // Keep the channel open: the Stopped event alone must end the wait.
            std::thread::sleep(Duration::from_millis(500));
        });
        let started = Instant::now();
        assert!(d.wait_for_stop(&receiver, false, Duration::from_secs(5)));
        assert!(started.elapsed() < Duration::from_millis(400));
        let exit = d.exit(ExitReason::Terminated, true);
        assert_eq!(
            exit.saved,
            vec![(Artifact::Checkpoint, PathBuf::from("c.ckpt"))]
        );
        assert_eq!(exit.signal(), Some(SIGTERM));
        let _ = worker.join();

        // A trainer that is gone confirms by closing its channel.
        let (sender, receiver) = mpsc::channel::<TrainingEvent>();
        drop(sender);
        assert!(d.wait_for_stop(&receiver, false, Duration::from_secs(5)));

        // A silent trainer: the wait is bounded.
        let (_sender, receiver) = mpsc::channel::<TrainingEvent>();
        let started = Instant::now();
        assert!(!d.wait_for_stop(&receiver, false, Duration::from_millis(100)));
        assert!(started.elapsed() >= Duration::from_millis(100));
    }
}
