//! The digits panel: a row of test digits, their corrupted versions when the model denoises,
//! and their reconstructions, shrunk to fit (see [`super::image`]).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::image::{cells, draw_row, max_scale};
use super::state::DashboardState;
use super::text::{note, put};
use super::theme::{Role, Theme};
use tinyvae_host::train::events::Image;

/// Digits wanted before images are shrunk further (3 in narrow panels).
pub const WANT: usize = 4;

/// Draws the panel; returns how many test digits are shown.
pub fn render(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) -> usize {
    let snapshot = state.snapshot();
    let mut rows: Vec<(String, &[Image])> = Vec::with_capacity(4);
    if let Some(s) = snapshot {
        rows.push(("input".into(), &s.originals));
        let denoising = state.info().is_some_and(|i| i.is_denoising);
        if denoising && !s.corrupted.is_empty() {
            rows.push(("corrupted input".into(), &s.corrupted));
        }
        if s.pca_reconstructions.is_empty() {
            rows.push(("reconstruction".into(), &s.reconstructions));
        } else {
            // The linear baseline with as many components as the code, and both errors.
            let k = state.info().map_or(0, |i| i.latent_size);
            let error = if theme.ascii {
                "sq. error"
            } else {
                "Σ(x̂−x)²"
            };
            rows.push((
                format!("reconstruction, {error} {:.2}", s.model_squared_error),
                &s.reconstructions,
            ));
            rows.push((
                format!("PCA, {k} components, {error} {:.2}", s.pca_squared_error),
                &s.pca_reconstructions,
            ));
        }
    }
    let inner = theme.block("").inner(area);
    let (image_width, image_height) = snapshot
        .and_then(|s| s.originals.first())
        .map_or((0, 0), |i| (i.width, i.height));
    let count = snapshot.map_or(0, |s| s.originals.len());
    let row_count = u16::try_from(rows.len()).unwrap_or(u16::MAX);
    let want = if inner.width < 60 { 3 } else { WANT };
    let fit = fit_bands(image_width, image_height, row_count, inner, count.min(want));
    let shown = (fit.per_row * fit.bands).min(count);

    let title = match snapshot {
        Some(s) if shown > 0 => {
            let last = s.first_index + shown - 1;
            format!(
                " test digits #{}-{last} · step {} · n/p ",
                s.first_index, s.step
            )
        }
        _ => " test digits ".to_string(),
    };
    let block = theme.block(title);
    block.render(area, buf);
    if inner.is_empty() {
        return 0;
    }
    if snapshot.is_none() || count == 0 {
        note(buf, inner, "waiting for a snapshot", theme.style(Role::Dim));
        return 0;
    }
    if shown == 0 {
        note(
            buf,
            inner,
            "too small for the digits",
            theme.style(Role::Dim),
        );
        return 0;
    }
    let (_, h) = cells(image_width, image_height, fit.scale);
    let label_style = theme.style(Role::Dim);
    let mut y = inner.y;
    for band in 0..fit.bands {
        let first = band * fit.per_row;
        if first >= shown {
            break;
        }
        let last = (first + fit.per_row).min(shown);
        for (label, images) in &rows {
            put(buf, inner, inner.x, y, &[(label.as_str(), label_style)]);
            let row = Rect {
                y: y + 1,
                height: h,
                ..inner
            }
            .intersection(inner);
            let images = &images[first.min(images.len())..last.min(images.len())];
            draw_row(images, fit.scale, 1, row, buf, theme);
            y = y.saturating_add(h + 1);
        }
    }
    shown
}

/// How the digits fit: a band is one row of inputs (+ corrupted) + reconstructions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BandFit {
    /// Shrink factor.
    pub scale: usize,
    /// Digits per row.
    pub per_row: usize,
    /// Bands stacked.
    pub bands: usize,
}

/// The smallest scale showing at least `want` digits in bands of `rows` labelled rows (one
/// column between images), else the scale showing the most.
pub fn fit_bands(
    image_width: usize,
    image_height: usize,
    rows: u16,
    area: Rect,
    want: usize,
) -> BandFit {
    let mut best = BandFit::default();
    if image_width == 0 || rows == 0 {
        return best;
    }
    for scale in 1..=max_scale(image_width) {
        let (w, h) = cells(image_width, image_height, scale);
        let band_height = rows.saturating_mul(h + 1).max(1);
        let fit = BandFit {
            scale,
            per_row: usize::from((area.width + 1) / (w + 1)),
            bands: usize::from(area.height / band_height),
        };
        let shown = fit.per_row * fit.bands;
        if shown >= want.max(1) {
            return fit;
        }
        if shown > best.per_row * best.bands {
            best = fit;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_use_the_height() {
        // 28×28 digits, input and reconstruction rows, in 68×43: scale 2 (14×7 cells),
        // 4 per row, 2 bands.
        let fit = fit_bands(28, 28, 2, Rect::new(0, 0, 68, 43), 4);
        assert_eq!(
            fit,
            BandFit {
                scale: 2,
                per_row: 4,
                bands: 2
            }
        );
        // 80×24: 42×19 inside the panel: scale 3, 3 per row.
        let fit = fit_bands(28, 28, 2, Rect::new(0, 0, 42, 19), 3);
        assert_eq!((fit.scale, fit.per_row, fit.bands), (3, 3, 1));
        // Too low for one band.
        assert_eq!(fit_bands(28, 28, 3, Rect::new(0, 0, 42, 3), 3).bands, 0);
    }
}
