//! The dashboard on the process's terminal, as a [`Renderer`]: takes the terminal over, reads
//! keys and resizes, and gives the terminal back on every way out. Frames are written by a
//! [`FrameWriter`], so a terminal that stops reading holds up neither the dashboard nor the
//! training.

use std::io;
use std::sync::Once;
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

use crossterm::cursor::Show;
use crossterm::event::Event;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Viewport;

use super::dashboard::Dashboard;
use super::input::Input;
use super::keys::{self, Action};
use super::messages::Level;
use super::options::DashboardOptions;
use super::output::FrameWriter;
use crate::render::driver::{self, Outcome};
use crate::render::signals::{Signal, Signals};
use crate::render::{AfterStop, Renderer, Requests};
use tinyvae_host::train::events::{Command, TrainingEvent};

/// Longest wait for the trainer to confirm a stop before the dashboard returns anyway.
pub const STOP_WAIT: Duration = Duration::from_secs(5);

/// Longest wait, when the dashboard ends, for the terminal to take the last frame and the
/// sequences that restore it; a terminal that takes nothing by then is left as it is.
pub const FINISH_WAIT: Duration = Duration::from_secs(2);

/// Restores the terminal when dropped, on every path out of a [`TerminalDashboard`]: raw mode
/// off and, unless the terminal is not reading, the cursor shown and the main screen back.
struct RestoreGuard {
    write: bool,
}

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        // Errors are ignored: after a hang-up, printing them to a dead terminal could panic.
        let _ = disable_raw_mode();
        if self.write {
            let _ = crossterm::execute!(io::stdout(), Show, LeaveAlternateScreen);
        }
    }
}

/// What gives the terminal back: the cursor shown, the main screen.
fn restore_sequence() -> Vec<u8> {
    let mut bytes = Vec::new();
    let _ = crossterm::queue!(bytes, Show, LeaveAlternateScreen);
    bytes
}

/// A panic restores the terminal before the message is printed.
fn set_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = disable_raw_mode();
            let _ = crossterm::execute!(io::stdout(), LeaveAlternateScreen);
            hook(info);
        }));
    });
}

/// The dashboard drawing on the terminal of the process.
///
/// It redraws when something changed, at most once per frame interval and at once after a
/// key or a resize, and only when the terminal has taken the frames before (see
/// [`super::output`]); when the run ends the screen stays up until `q`. A quit (`q`, Ctrl-C) or
/// a signal waits up to [`STOP_WAIT`] for the trainer to confirm the stop.
pub struct TerminalDashboard {
    /// Frames are rendered into a buffer; `None` once finished.
    dashboard: Option<Dashboard<Vec<u8>>>,
    output: Option<FrameWriter>,
    input: Input,
    /// Whether the terminal is gone (a hang-up, a failed read or write): nothing more is drawn.
    gone: bool,
    restore: Option<RestoreGuard>,
}

impl TerminalDashboard {
    /// Takes over the terminal (raw mode, the alternate screen, a panic hook that restores the
    /// terminal), starts the thread writing the frames and starts reading the input.
    ///
    /// # Errors
    ///
    /// When the terminal cannot be set up; it is restored first.
    pub fn start(options: &DashboardOptions) -> io::Result<Self> {
        set_panic_hook();
        let restore = RestoreGuard { write: true };
        enable_raw_mode()?;
        crossterm::execute!(io::stdout(), EnterAlternateScreen)?;
        let output = FrameWriter::spawn(io::stdout())?;
        let dashboard = Dashboard::new(output.buffer(), options, Viewport::Fullscreen)?;
        let input = Input::start()?;
        Ok(Self {
            dashboard: Some(dashboard),
            output: Some(output),
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
        let (Some(dashboard), Some(output)) = (self.dashboard.as_mut(), self.output.as_ref())
        else {
            return Ok(());
        };
        if self.gone {
            return Ok(());
        }
        if let Some(error) = output.error() {
            return Err(terminal_error(&mut self.gone, error));
        }
        if !output.ready() {
            // The terminal is behind: no frame now; the state stays marked for a redraw.
            return Ok(());
        }
        match dashboard.draw_if_due(now) {
            Ok(true) => {
                let frame = std::mem::replace(dashboard.writer_mut(), output.buffer());
                if !output.submit(frame) {
                    dashboard.redraw_whole();
                }
                Ok(())
            }
            Ok(false) => Ok(()),
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
                    Some(Command::Stop { .. }) => {
                        requests.quit = true;
                        requests.interrupt =
                            keys::find(&key).is_some_and(|(_, a)| a == Action::Interrupt);
                    }
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

    /// Gives the terminal back: the last frame and the restoring sequences go out through the
    /// frame writer, waiting at most [`FINISH_WAIT`] for a terminal that is not reading.
    fn finish(&mut self) -> io::Result<()> {
        // Frames go to a buffer: dropping the `Terminal` writes nowhere.
        drop(self.dashboard.take());
        let mut restore = self.restore.take();
        if let Some(output) = self.output.take() {
            if self.gone {
                drop(output);
            } else {
                // Written either way: by the writer in time, or not at all on a stalled link.
                let _ = output.finish(&restore_sequence(), FINISH_WAIT);
                if let Some(guard) = &mut restore {
                    guard.write = false;
                }
            }
        }
        drop(restore);
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
