//! The interpolation panel: the decoded path between the codes of the first and the last test
//! digit shown (the endpoints are their reconstructions), for every model with a code. Beside
//! a VAE's smooth path, a plain autoencoder's often passes through images that are no digit.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::image::{cells, draw};
use super::latent::fit_samples;
use super::state::DashboardState;
use super::text::note;
use super::theme::{Role, Theme};

/// Draws the panel.
pub fn render(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let snapshot = state.snapshot();
    let title = match snapshot {
        Some(s) if !s.interpolation.is_empty() && !s.originals.is_empty() => format!(
            " interpolation #{} to #{} ",
            s.first_index,
            s.first_index + s.originals.len() - 1
        ),
        _ => " interpolation ".to_string(),
    };
    let block = theme.block(title);
    let inner = block.inner(area);
    block.render(area, buf);
    let path = snapshot.map_or(&[][..], |s| &s.interpolation[..]);
    let Some(first) = path.first() else {
        note(buf, inner, "waiting for a snapshot", theme.style(Role::Dim));
        return;
    };
    let (scale, columns, rows) = fit_samples(first.width, first.height, path.len(), inner);
    let (w, h) = cells(first.width, first.height, scale);
    // When not every point fits, evenly spaced ones, both endpoints among them.
    let room = (columns * rows).min(path.len());
    let shown = (0..room).map(|i| {
        let index = if room > 1 {
            (i * (path.len() - 1) + (room - 1) / 2) / (room - 1)
        } else {
            0
        };
        &path[index]
    });
    for (i, image) in shown.enumerate() {
        let (c, r) = (i % columns.max(1), i / columns.max(1));
        let x = inner.x + u16::try_from(c).unwrap_or(0) * (w + 1);
        let y = inner.y + u16::try_from(r).unwrap_or(0) * h;
        draw(image, scale, x, y, inner, buf, theme);
    }
}
