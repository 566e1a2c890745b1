//! Panels of variational models: samples from the prior, the scatter of test codes coloured by
//! digit (drawn as the digit characters, so it reads without colours too), and the manifold
//! grid of a 2-D latent packed into the room available.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::image::{cells, draw, fit_grid, max_scale, spread};
use super::state::DashboardState;
use super::text::note;
use super::theme::{Role, Theme};
use tinyvae_host::train::events::Image;

/// The layout of `count` images in rows with one column between them: the scale showing the
/// most (ties: the larger images). Returns `(scale, columns, rows)`.
pub fn fit_samples(
    image_width: usize,
    image_height: usize,
    count: usize,
    area: Rect,
) -> (usize, usize, usize) {
    let mut best = (1, 0, 0);
    for scale in 1..=max_scale(image_width) {
        let (w, h) = cells(image_width, image_height, scale);
        let columns = usize::from((area.width + 1) / (w + 1).max(1));
        let rows = usize::from(area.height / h.max(1));
        let shown = (columns * rows).min(count);
        if shown > (best.1 * best.2).min(count) {
            let columns = columns.min(count);
            best = (scale, columns, rows.min(count.div_ceil(columns.max(1))));
        }
    }
    best
}

/// Draws the samples panel.
pub fn render_samples(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let block = theme.block(" samples from the prior · r resamples ");
    let inner = block.inner(area);
    block.render(area, buf);
    let dim = theme.style(Role::Dim);
    let samples: &[Image] = state.snapshot().map_or(&[], |s| &s.samples);
    let Some(first) = samples.first() else {
        let text = if state.info().is_some_and(|i| !i.is_variational) {
            "no samples: not a variational model"
        } else {
            "waiting for a snapshot"
        };
        note(buf, inner, text, dim);
        return;
    };
    let (scale, columns, rows) = fit_samples(first.width, first.height, samples.len(), inner);
    let (w, h) = cells(first.width, first.height, scale);
    for (i, image) in samples.iter().take(columns * rows).enumerate() {
        let (c, r) = (i % columns.max(1), i / columns.max(1));
        let x = inner.x + u16::try_from(c).unwrap_or(0) * (w + 1);
        let y = inner.y + u16::try_from(r).unwrap_or(0) * h;
        draw(image, scale, x, y, inner, buf, theme);
    }
}

/// Draws the latent scatter.
pub fn render_scatter(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let snapshot = state.snapshot();
    let points = snapshot.map_or(&[][..], |s| &s.latent);
    let axes = snapshot.map_or("", |s| s.latent_axes.as_str());
    let title = if points.is_empty() {
        " latent ".to_string()
    } else {
        format!(" latent {axes} · {} test codes ", points.len())
    };
    let block = theme.block(title);
    let inner = block.inner(area);
    block.render(area, buf);
    let dim = theme.style(Role::Dim);
    if points.is_empty() {
        let text = if snapshot.is_some() {
            "no latent codes in the snapshots"
        } else {
            "waiting for a snapshot"
        };
        note(buf, inner, text, dim);
        return;
    }
    if inner.width < 2 || inner.height < 2 {
        return;
    }
    let finite = points.iter().filter(|p| p.x.is_finite() && p.y.is_finite());
    let (x0, x1, y0, y1) = finite.fold(
        (
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ),
        |(x0, x1, y0, y1), p| (x0.min(p.x), x1.max(p.x), y0.min(p.y), y1.max(p.y)),
    );
    if !(x0.is_finite() && y0.is_finite()) {
        return;
    }
    let pad = |lo: f32, hi: f32| {
        let span = (hi - lo).max(1e-6);
        (lo - span * 0.03, hi + span * 0.03)
    };
    let ((x0, x1), (y0, y1)) = (pad(x0, x1), pad(y0, y1));
    let cols = f32::from(inner.width - 1);
    let rows = f32::from(inner.height - 1);
    let column = |x: f32| inner.x + ((x - x0) / (x1 - x0) * cols).round() as u16;
    let row = |y: f32| inner.y + ((y1 - y) / (y1 - y0) * rows).round() as u16;

    // Axes through the origin, when it is in view.
    let (horizontal, vertical, cross) = if theme.ascii {
        ("-", "|", "+")
    } else {
        ("─", "│", "┼")
    };
    let origin_x = (x0 < 0.0 && x1 > 0.0).then(|| column(0.0));
    let origin_y = (y0 < 0.0 && y1 > 0.0).then(|| row(0.0));
    if let Some(oy) = origin_y {
        for x in inner.left()..inner.right() {
            if let Some(cell) = buf.cell_mut((x, oy)) {
                cell.set_symbol(horizontal).set_style(dim);
            }
        }
    }
    if let Some(ox) = origin_x {
        for y in inner.top()..inner.bottom() {
            let symbol = if Some(y) == origin_y { cross } else { vertical };
            if let Some(cell) = buf.cell_mut((ox, y)) {
                cell.set_symbol(symbol).set_style(dim);
            }
        }
    }
    const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    for p in points {
        if !(p.x.is_finite() && p.y.is_finite()) {
            continue;
        }
        let (x, y) = (column(p.x), row(p.y));
        if let Some(cell) = buf.cell_mut((x, y)) {
            match p.label {
                Some(label) => cell
                    .set_symbol(DIGITS[usize::from(label % 10)])
                    .set_style(theme.digit(label)),
                None => cell.set_symbol("*"),
            };
        }
    }
}

/// Draws the manifold grid.
pub fn render_manifold(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let snapshot = state.snapshot();
    let size = snapshot.map_or(0, |s| s.manifold_size);
    let images = snapshot.map_or(&[][..], |s| &s.manifold);
    let dim = theme.style(Role::Dim);
    let usable = size > 0 && images.len() >= size * size;
    let first = images.first().filter(|_| usable);
    let fit = first.map(|f| fit_grid(f.width, f.height, size, theme.block("").inner(area)));
    let title = match (fit, snapshot) {
        (Some(fit), Some(s)) if fit.columns > 0 && fit.rows > 0 => {
            let t = theme.times();
            let shown = if fit.columns == size && fit.rows == size {
                format!("{size}{t}{size}")
            } else {
                format!("{}{t}{} of {size}{t}{size}", fit.columns, fit.rows)
            };
            format!(" manifold {} · {shown} ", s.latent_axes)
        }
        _ => " manifold ".to_string(),
    };
    let block = theme.block(title);
    let inner = block.inner(area);
    block.render(area, buf);
    let (Some(first), Some(fit)) = (first, fit) else {
        let text = match (snapshot, state.info()) {
            (None, _) => "waiting for a snapshot",
            (_, Some(info)) if info.latent_size != 2 || !info.is_variational => {
                "no manifold: needs a 2-D latent"
            }
            _ => "no manifold in the snapshots",
        };
        note(buf, inner, text, dim);
        return;
    };
    if fit.columns == 0 || fit.rows == 0 {
        note(buf, inner, "too small for the manifold", dim);
        return;
    }
    let (w, h) = cells(first.width, first.height, fit.scale);
    let columns = u16::try_from(fit.columns).unwrap_or(0);
    let rows = u16::try_from(fit.rows).unwrap_or(0);
    // Centre the grid.
    let x0 = inner.x + inner.width.saturating_sub(columns * w) / 2;
    let y0 = inner.y + inner.height.saturating_sub(rows * h) / 2;
    for r in 0..fit.rows {
        for c in 0..fit.columns {
            let index = spread(r, fit.rows, size) * size + spread(c, fit.columns, size);
            let Some(image) = images.get(index) else {
                continue;
            };
            let x = x0 + u16::try_from(c).unwrap_or(0) * w;
            let y = y0 + u16::try_from(r).unwrap_or(0) * h;
            draw(image, fit.scale, x, y, inner, buf, theme);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_fit() {
        // 16 samples of 28×28 in 76×6: scale 4 (7×4 cells) gives 9 columns, 1 row.
        assert_eq!(fit_samples(28, 28, 16, Rect::new(0, 0, 76, 6)), (4, 9, 1));
        // Plenty of room: full size, all 16.
        assert_eq!(
            fit_samples(28, 28, 16, Rect::new(0, 0, 300, 60)),
            (1, 10, 2)
        );
        assert_eq!(fit_samples(8, 8, 16, Rect::new(0, 0, 200, 8)), (1, 16, 1));
    }
}
