//! The dashboard on the process's terminal, as a [`Renderer`]: takes the terminal over, reads
//! keys and resizes, and gives the terminal back on every way out.

use std::io::{self, Stdout};
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

use crossterm::event::Event;
use ratatui::Viewport;

use super::dashboard::Dashboard;
use super::input::Input;
use super::messages::Level;
use super::options::DashboardOptions;
use crate::render::driver::{self, Outcome};
use crate::render::signals::{Signal, Signals};
use crate::render::{AfterStop, Renderer, Requests};
use tinyvae_host::train::events::{Command, TrainingEvent};

/// Longest wait for the trainer to confirm a stop before the dashboard returns anyway.
pub const STOP_WAIT: Duration = Duration::from_secs(5);

/// Restores the terminal when dropped, on every path out of a [`TerminalDashboard`].
struct RestoreGuard;

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        // `try_restore`, not `restore`: after a hang-up, printing the error to a dead terminal
        // could panic. Show the cursor too (on paths where the `Terminal` is not dropped).
        let _ = crossterm::execute!(io::stdout(), crossterm::cursor::Show);
        let _ = ratatui::try_restore();
    }
}

/// The dashboard drawing on the terminal of the process.
///
/// It redraws when something changed, at most once per frame interval and at once after a
/// key or a resize; when the run ends the screen stays up until `q`. A quit (`q`, Ctrl-C) or
/// a signal waits up to [`STOP_WAIT`] for the trainer to confirm the stop.
pub struct TerminalDashboard {
    /// `None` once finished.
    dashboard: Option<Dashboard<Stdout>>,
    input: Input,
    /// Whether the terminal is gone (a hang-up, a failed read or write): nothing more is drawn
    /// and the `Terminal` is not dropped (see [`Renderer::finish`]).
    gone: bool,
    restore: Option<RestoreGuard>,
}

impl TerminalDashboard {
    /// Takes over the terminal (`ratatui::try_init`: raw mode, the alternate screen, a panic
    /// hook that restores the terminal) and starts reading its input.
    ///
    /// # Errors
    ///
    /// When the terminal cannot be set up; it is restored first.
    pub fn start(options: &DashboardOptions) -> io::Result<Self> {
        // ratatui's set-up (raw mode, the alternate screen, the panic hook), with the
        // dashboard's own backend.
        let dashboard = ratatui::try_init().and_then(|terminal| {
            drop(terminal);
            Dashboard::new(io::stdout(), options, Viewport::Fullscreen)
        });
        let dashboard = match dashboard {
            Ok(dashboard) => dashboard,
            Err(error) => {
                let _ = ratatui::try_restore();
                return Err(error);
            }
        };
        let restore = RestoreGuard;
        let input = Input::start()?;
        Ok(Self {
            dashboard: Some(dashboard),
            input,
            gone: false,
            restore: Some(restore),
        })
    }
}

/// Records that the terminal is gone and says so in the error.
fn terminal_error(gone: &mut bool, error: io::Error) -> io::Error {
    *gone = true;
    io::Error::new(error.kind(), format!("terminal error: {error}"))
}

impl Renderer for TerminalDashboard {
    fn show(&mut self, event: TrainingEvent, now: Instant) -> io::Result<()> {
        if let Some(dashboard) = &mut self.dashboard {
            dashboard.apply(event, now);
        }
        Ok(())
    }

    fn refresh(&mut self, now: Instant) -> io::Result<()> {
        let Some(dashboard) = self.dashboard.as_mut().filter(|_| !self.gone) else {
            return Ok(());
        };
        match dashboard.draw_if_due(now) {
            Ok(_) => Ok(()),
            Err(error) => Err(terminal_error(&mut self.gone, error)),
        }
    }

    /// The commands of the keys typed since the last call, up to a quit.
    fn requests(&mut self) -> io::Result<Requests> {
        let mut requests = Requests::default();
        let Some(dashboard) = &mut self.dashboard else {
            return Ok(requests);
        };
        while !requests.quit {
            let event = match self.input.next_event() {
                None => break,
                Some(Ok(event)) => event,
                Some(Err(error)) => return Err(terminal_error(&mut self.gone, error)),
            };
            match event {
                Event::Key(key) => match dashboard.key(key) {
                    Some(Command::Stop { .. }) => requests.quit = true,
                    Some(command) => requests.commands.push(command),
                    None => {}
                },
                Event::Resize(..) => dashboard.redraw_now(),
                _ => {}
            }
        }
        Ok(requests)
    }

    fn after_stop(&self) -> AfterStop {
        AfterStop::UntilConfirmed(STOP_WAIT)
    }

    fn interrupted(&mut self, signal: Signal) {
        if signal == Signal::HangUp {
            self.gone = true;
        } else if let Some(dashboard) = &mut self.dashboard {
            dashboard.state_mut().push_message(
                Level::Warning,
                "signal received: saving a checkpoint, then quitting".to_string(),
            );
        }
    }

    fn not_delivered(&mut self, command: Command) {
        if let Some(dashboard) = &mut self.dashboard {
            dashboard.state_mut().command_not_delivered(command);
        }
    }

    fn trainer_gone(&mut self) {
        if let Some(dashboard) = &mut self.dashboard {
            dashboard.state_mut().set_trainer_gone();
        }
    }

    /// Gives the terminal back.
    fn finish(&mut self) -> io::Result<()> {
        if let Some(dashboard) = self.dashboard.take() {
            if self.gone {
                // Dropping a ratatui `Terminal` shows the cursor and, when that fails, prints
                // the error to stderr, which panics when stderr is the dead terminal.
                std::mem::forget(dashboard);
            } else {
                // Shows the cursor.
                drop(dashboard);
            }
        }
        drop(self.restore.take());
        Ok(())
    }
}

/// Runs the dashboard on this process's terminal until the user quits or a signal arrives
/// (see [`driver::drive`] and [`crate::render::signals`]), and restores the terminal.
///
/// # Errors
///
/// When the terminal cannot be set up, drawn on or read from; the trainer is sent a stop
/// (with a save) first.
pub fn run(
    events: Receiver<TrainingEvent>,
    commands: Sender<Command>,
    options: DashboardOptions,
) -> io::Result<Outcome> {
    let signals = Signals::register()?;
    let mut dashboard = match TerminalDashboard::start(&options) {
        Ok(dashboard) => dashboard,
        Err(error) => {
            let _ = commands.send(Command::Stop { save: true });
            return Err(error);
        }
    };
    driver::drive(&mut dashboard, &events, &commands, &signals)
}
