//! The hyperparameters in force (from the run's start, updated by the trainer's
//! `Hyperparameter` events) and the fixed facts of the run.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

use super::state::DashboardState;
use super::text::{note, put};
use super::theme::{Role, Theme};
use crate::format;

/// Draws `(name, value)` rows with the names padded to a common width; long values wrap onto
/// the next lines. Returns the rows used.
fn table(rows: &[(&str, String)], theme: &Theme, area: Rect, buf: &mut Buffer) -> u16 {
    let width = rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    let width = u16::try_from(width + 1)
        .unwrap_or(u16::MAX)
        .min(area.width / 2);
    let room = usize::from(area.width.saturating_sub(width)).max(1);
    let mut y = area.top();
    for (name, value) in rows {
        if y >= area.bottom() {
            break;
        }
        put(buf, area, area.x, y, &[(name, theme.style(Role::Dim))]);
        let chars: Vec<char> = value.chars().collect();
        for chunk in chars.chunks(room) {
            if y >= area.bottom() {
                break;
            }
            let piece: String = chunk.iter().collect();
            put(
                buf,
                area,
                area.x + width,
                y,
                &[(piece.as_str(), Style::new())],
            );
            y += 1;
        }
        if chars.is_empty() {
            y += 1;
        }
    }
    y - area.top()
}

/// Draws the hyperparameters panel.
pub fn render(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let block = theme.block(" hyperparameters ");
    let inner = block.inner(area);
    block.render(area, buf);
    let hp = state.hyperparameters();
    if hp.is_empty() {
        note(buf, inner, "none reported", theme.style(Role::Dim));
        return;
    }
    let rows: Vec<(&str, String)> = hp
        .iter()
        .map(|setting| {
            (
                format::hyperparameter_name(setting),
                format::hyperparameter_value(setting),
            )
        })
        .collect();
    table(&rows, theme, inner, buf);
}

/// Draws the run facts panel.
pub fn render_run(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let block = theme.block(" run ");
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(info) = state.info() else {
        note(
            buf,
            inner,
            "waiting for the trainer",
            theme.style(Role::Dim),
        );
        return;
    };
    let t = theme.times();
    let kind = match (info.is_variational, info.is_denoising) {
        (true, true) => "denoising variational autoencoder",
        (true, false) => "variational autoencoder",
        (false, true) => "denoising autoencoder",
        (false, false) => "autoencoder",
    };
    let rows = [
        ("preset", info.preset.clone()),
        ("model", kind.to_string()),
        ("architecture", info.architecture.clone()),
        ("dataset", info.dataset.clone()),
        (
            "images",
            format!("{}{t}{}", info.image_width, info.image_height),
        ),
        ("latent size", info.latent_size.to_string()),
        ("train samples", info.train_samples.to_string()),
        ("batch size", info.batch_size.to_string()),
        ("epochs", info.epochs.to_string()),
        ("steps", info.total_steps.to_string()),
        ("seed", info.seed.to_string()),
    ];
    let used = table(&rows, theme, inner, buf) + 1;
    let rest = Rect {
        y: inner.y + used,
        height: inner.height.saturating_sub(used),
        ..inner
    };
    if rest.height >= 3 {
        let hp = state.hyperparameters();
        put(
            buf,
            rest,
            rest.x,
            rest.y,
            &[("hyperparameters", theme.style(Role::Title))],
        );
        let rows: Vec<(&str, String)> = hp
            .iter()
            .map(|setting| {
                (
                    format::hyperparameter_name(setting),
                    format::hyperparameter_value(setting),
                )
            })
            .collect();
        let below = Rect {
            y: rest.y + 1,
            height: rest.height - 1,
            ..rest
        };
        table(&rows, theme, below, buf);
    }
}
