//! The two header rows: what runs (state, preset, architecture, dataset, seed), then where it
//! stands (epoch, step, a progress gauge, samples/s, ETA, learning rate and β).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{LineGauge, Widget};

use super::state::DashboardState;
use super::text::{put, si};
use super::theme::{Role, Theme};
use crate::format;
use tinyvae_host::train::events::RunState;

/// Rows taken by the header.
pub const HEIGHT: u16 = 2;

/// The state badge: its text and role.
pub fn badge(state: &DashboardState) -> (&'static str, Role) {
    if state.failure().is_some() {
        return (" FAILED ", Role::Error);
    }
    match state.run_state() {
        None => (" WAITING ", Role::Dim),
        Some(RunState::Training) => (" TRAINING ", Role::Good),
        Some(RunState::Paused) => (" PAUSED ", Role::Warn),
        Some(RunState::Done) => (" DONE ", Role::Good),
        Some(RunState::Stopped) => (" STOPPED ", Role::Warn),
    }
}

/// Draws the header in the first [`HEIGHT`] rows of `area`.
pub fn render(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let [title, progress] = area.layout(&Layout::vertical([Constraint::Length(1); 2]));
    render_title(state, theme, title, buf);
    render_progress(state, theme, progress, buf);
}

fn render_title(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let bar = theme.style(Role::Bar);
    buf.set_style(area, bar);
    let (badge, role) = badge(state);
    let badge_style = theme.badge(role);
    let mut x = put(buf, area, area.x, area.y, &[(badge, badge_style)]);
    let sep = theme.separator();
    match state.info() {
        None => {
            put(buf, area, x, area.y, &[("waiting for the trainer", bar)]);
        }
        Some(info) => {
            // The architecture last: it is the longest and the first to be cut.
            let seed = format!("seed {}", info.seed);
            let pieces = [
                info.preset.as_str(),
                info.dataset.as_str(),
                seed.as_str(),
                info.architecture.as_str(),
            ];
            for (i, piece) in pieces.iter().enumerate() {
                let lead = if i == 0 { " " } else { sep };
                let style = if i == 0 {
                    bar.add_modifier(ratatui::style::Modifier::BOLD)
                } else {
                    bar
                };
                x = put(buf, area, x, area.y, &[(lead, bar), (piece, style)]);
            }
        }
    }
}

fn render_progress(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let Some(info) = state.info() else {
        return;
    };
    let info = Some(info);
    let compact = area.width < 100;
    let step = state.last_step();
    let total_steps = info.map_or(0, |i| i.total_steps);
    let done_steps = step.map_or(0, |s| s.step);
    let epochs = info.map_or(0, |i| i.epochs);
    let epoch = step.map_or(0, |s| s.epoch);
    let ratio = if state.run_state() == Some(RunState::Done) {
        1.0
    } else if total_steps > 0 {
        (done_steps as f64 / total_steps as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };

    // Right side: throughput, ETA, learning rate, β (dropped from the right when narrow).
    let dim = theme.style(Role::Dim);
    let text = Style::new();
    let sps = step.map_or_else(|| "-".to_string(), |s| si(f64::from(s.samples_per_second)));
    let eta = match state.run_state() {
        Some(RunState::Done) => "done".to_string(),
        Some(RunState::Stopped) => "-".to_string(),
        _ => state
            .remaining()
            .map_or_else(|| "--".to_string(), format::duration),
    };
    let lr = step.map_or_else(|| "-".to_string(), |s| format!("{:.1e}", s.learning_rate));
    let variational = info.is_some_and(|i| i.is_variational);
    let beta = step.map_or_else(|| "-".to_string(), |s| format!("{:.2}", s.beta));
    let mut stats: Vec<Span<'_>> = vec![
        Span::styled(sps, text),
        Span::styled(if compact { "/s " } else { " samples/s  " }, dim),
        Span::styled("ETA ", dim),
        Span::styled(eta, text),
    ];
    let extra: Vec<Span<'_>> = {
        let mut extra = vec![Span::styled("  lr ", dim), Span::styled(lr, text)];
        if variational {
            extra.push(Span::styled(format!("  {} ", theme.beta()), dim));
            extra.push(Span::styled(beta, text));
        }
        extra
    };
    let base_width: usize = stats.iter().map(Span::width).sum();
    let extra_width: usize = extra.iter().map(Span::width).sum();
    let room = usize::from(area.width);
    if room >= base_width + extra_width + 40 {
        stats.extend(extra);
    }
    stats.push(Span::raw(" "));
    let stats = Line::from(stats);
    let stats_width = u16::try_from(stats.width()).unwrap_or(u16::MAX);
    let stats_width = if usize::from(area.width) >= usize::from(stats_width) + 36 {
        stats_width
    } else {
        0
    };
    let [gauge_area, stats_area] = area.layout(&Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(stats_width),
    ]));
    buf.set_line(stats_area.x, stats_area.y, &stats, stats_area.width);

    let width = total_steps.to_string().len();
    let label = Line::from(vec![
        Span::styled(if compact { " ep " } else { " epoch " }, dim),
        Span::styled(format!("{epoch}/{epochs}"), text),
        Span::styled(if compact { " " } else { "  step " }, dim),
        Span::styled(format!("{done_steps:>width$}/{total_steps}"), text),
        Span::styled(format!(" {:>3.0}%", ratio * 100.0), text),
    ]);
    let (filled, unfilled) = if theme.ascii {
        ("#", "-")
    } else {
        ("━", "─")
    };
    LineGauge::default()
        .ratio(ratio)
        .label(label)
        .filled_symbol(filled)
        .unfilled_symbol(unfilled)
        .filled_style(theme.style(Role::Gauge))
        .unfilled_style(theme.style(Role::GaugeRest))
        .render(
            Rect {
                width: gauge_area.width.saturating_sub(1),
                ..gauge_area
            },
            buf,
        );
}
