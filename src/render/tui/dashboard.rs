//! The dashboard's drawing side: the terminal, the state and the redraw policy. It works with
//! any `Write` behind a [`TerminalBackend`], so the same code draws for a real terminal
//! ([`super::session`]) and in a counting simulation (`bench`, in tests).

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::backend::TerminalBackend;
use super::options::DashboardOptions;
use super::state::DashboardState;
use super::theme::Theme;
use super::view::{self, FrameInfo};
use tinyvae_host::train::events::{Command, TrainingEvent};

/// The terminal, the state and the redraw policy: redraw when something changed, at most once
/// per frame interval, and at once after a key or a resize.
pub struct Dashboard<W: Write> {
    terminal: Terminal<TerminalBackend<W>>,
    state: DashboardState,
    theme: Theme,
    frame_interval: Duration,
    last_draw: Option<Instant>,
    force: bool,
    /// The next frame is drawn whole, on a cleared screen.
    whole: bool,
    frames: u64,
}

impl<W: Write> Dashboard<W> {
    /// A dashboard writing its frames to `writer`, for a terminal of `viewport` (the whole
    /// terminal, whose size is asked as it draws, or a fixed area).
    ///
    /// # Errors
    ///
    /// When the terminal's size cannot be read.
    pub fn new(writer: W, options: &DashboardOptions, viewport: Viewport) -> io::Result<Self> {
        let backend = TerminalBackend::new(writer, options.color);
        let terminal = Terminal::with_options(backend, TerminalOptions { viewport })?;
        Ok(Self {
            terminal,
            state: DashboardState::new(),
            theme: Theme::new(options),
            frame_interval: options.frame_interval,
            last_draw: None,
            force: true,
            whole: false,
            frames: 0,
        })
    }

    /// The writer the frames go to.
    pub fn writer_mut(&mut self) -> &mut W {
        self.terminal.backend_mut().writer_mut()
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
        self.state.apply_at(event, now);
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

    /// Asks for the next frame to clear the screen and draw everything, not only what changed
    /// (after a frame was lost on its way to the terminal), at the next call to
    /// [`Dashboard::draw_if_due`].
    pub fn redraw_whole(&mut self) {
        self.whole = true;
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
        if self.whole {
            self.terminal.clear()?;
            self.whole = false;
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
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyModifiers};
    use ratatui::layout::Rect;

    use super::super::counting::{ByteCounter, CountingWriter};
    use super::super::synthetic::{Kind, SyntheticRun};
    use super::*;

    type Counted = Dashboard<CountingWriter<io::Sink>>;

    fn dashboard() -> (Counted, ByteCounter) {
        let writer = CountingWriter::new(io::sink());
        let counter = writer.counter();
        let viewport = Viewport::Fixed(Rect::new(0, 0, 100, 30));
        match Dashboard::new(writer, &DashboardOptions::default(), viewport) {
            Ok(d) => (d, counter),
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
}
