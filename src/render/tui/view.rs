//! A whole frame: header, the panels of the current view, the status bar, the help overlay; or
//! a short message when the terminal is too small.
//!
//! ```text
//! overview: header (2 rows)            latent: header               run: header
//!           loss | digits [| hyper]            samples                   run | messages
//!           status                             scatter | manifold        status
//!                                              status
//! detector (a --normal-class run): header, scores table, histograms | AUC per epoch, status
//! ```

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;

use super::mode::Mode;
use super::state::DashboardState;
use super::text::centered;
use super::theme::{Role, Theme};
use super::{detector, digits, header, help, hyper, interpolation, latent, log, loss, status};

/// Narrowest terminal the dashboard draws in.
pub const MIN_WIDTH: u16 = 60;
/// Lowest terminal the dashboard draws in.
pub const MIN_HEIGHT: u16 = 20;
/// From this width on, the overview also shows the hyperparameters.
pub const WIDE: u16 = 140;

/// What a frame found out about the screen, for the next key presses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameInfo {
    /// Test digits shown (what `n`/`p` move by); 0 when the digits panel is not visible.
    pub digits_shown: usize,
}

/// Draws the dashboard into `area` of `buf`.
pub fn render(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) -> FrameInfo {
    let mut info = FrameInfo::default();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        render_too_small(theme, area, buf);
        theme.enforce(area, buf);
        return info;
    }
    let [top, main, bottom] = area.layout(&Layout::vertical([
        Constraint::Length(header::HEIGHT),
        Constraint::Fill(1),
        Constraint::Length(1),
    ]));
    header::render(state, theme, top, buf);
    match state.mode() {
        Mode::Overview => {
            let [left, middle, right] = main.layout(&Layout::horizontal([
                Constraint::Fill(4),
                Constraint::Fill(5),
                Constraint::Length(if area.width >= WIDE { 34 } else { 0 }),
            ]));
            loss::render(state, theme, left, buf);
            info.digits_shown = digits::render(state, theme, middle, buf);
            if !right.is_empty() {
                hyper::render(state, theme, right, buf);
            }
        }
        Mode::Latent => {
            let samples_height = (main.height / 3).clamp(6, 18);
            let [samples, rest] = main.layout(&Layout::vertical([
                Constraint::Length(samples_height),
                Constraint::Fill(1),
            ]));
            let [scatter, manifold] = rest.layout(&Layout::horizontal([
                Constraint::Fill(1),
                Constraint::Fill(1),
            ]));
            let [samples, path] = samples.layout(&Layout::horizontal([
                Constraint::Fill(1),
                Constraint::Fill(1),
            ]));
            latent::render_samples(state, theme, samples, buf);
            interpolation::render(state, theme, path, buf);
            latent::render_scatter(state, theme, scatter, buf);
            latent::render_manifold(state, theme, manifold, buf);
        }
        Mode::Detector => detector::render(state, theme, main, buf),
        Mode::Run => {
            let [left, right] = main.layout(&Layout::horizontal([
                Constraint::Fill(1),
                Constraint::Fill(1),
            ]));
            hyper::render_run(state, theme, left, buf);
            log::render(state, theme, right, buf);
        }
    }
    status::render(state, theme, bottom, buf);
    if state.help_visible() {
        help::render(theme, area, buf);
    }
    theme.enforce(area, buf);
    info
}

/// The message shown instead of the dashboard in a terminal that is too small.
pub fn too_small_message(theme: &Theme, width: u16, height: u16) -> String {
    let t = theme.times();
    format!("terminal too small: need {MIN_WIDTH}{t}{MIN_HEIGHT}, have {width}{t}{height}")
}

fn render_too_small(theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let message = too_small_message(theme, area.width, area.height);
    let style = theme.style(Role::Warn);
    // Wrap on spaces when narrower than the message.
    let mut lines: Vec<String> = Vec::new();
    for word in message.split(' ') {
        match lines.last_mut() {
            Some(line) if line.len() + 1 + word.len() <= usize::from(area.width) => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    let count = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let y0 = area.y + area.height.saturating_sub(count) / 2;
    for (line, y) in lines.iter().zip(y0..area.bottom()) {
        centered(buf, area, y, &Line::styled(line.as_str(), style));
    }
    let hint = Line::styled("q quits", theme.style(Role::Dim));
    let below = y0.saturating_add(count).saturating_add(1);
    if below < area.bottom() {
        centered(buf, area, below, &hint);
    }
}
