//! The detector view's histogram panel: the selected score over the normal test samples
//! above and over the abnormal ones below, on one axis, with the threshold as a vertical line.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;
use tinyvae_host::histogram::ScoreHistogram;
use tinyvae_host::train::detection::DetectionScore;

use super::text::{note, put, sig};
use super::theme::{Role, Theme};

/// Rows of the histogram's bars per class at most (eighths of a row make the heights).
const MAX_BAR_ROWS: u16 = 8;

/// Draws the panel of `score` into `area`.
pub fn render(score: &DetectionScore, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let title = format!(
        " {} scores of the test samples {} a next ",
        score.score.name(),
        theme.separator()
    );
    let block = theme.block(title);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 5 || inner.width < 16 {
        note(buf, inner, "too small", theme.style(Role::Dim));
        return;
    }
    let histogram = &score.histogram;
    let bars = ((inner.height - 3) / 2).min(MAX_BAR_ROWS);
    let width = usize::from(inner.width);
    let (normal, anomalous) = histogram.shares();
    let (normal, anomalous) = (columns(&normal, width), columns(&anomalous, width));
    let tallest = ScoreHistogram::tallest(&normal, &anomalous);
    let line = threshold_column(histogram, score.threshold, width);
    let dim = theme.style(Role::Dim);
    let total = |counts: &[usize]| counts.iter().sum::<usize>();
    let mut y = inner.y;
    for (name, shares, count, role) in [
        ("normal", &normal, total(&histogram.normal), Role::Test),
        (
            "abnormal",
            &anomalous,
            total(&histogram.anomalous),
            Role::Train,
        ),
    ] {
        let label = format!("{name} ({count})");
        put(
            buf,
            inner,
            inner.x,
            y,
            &[(label.as_str(), theme.style(role))],
        );
        let plot = Rect {
            y: y + 1,
            height: bars,
            ..inner
        };
        draw_bars(shares, tallest, theme, theme.style(role), plot, buf);
        if let Some(x) = line {
            draw_line(theme, inner.x + x, y, bars + 1, buf);
        }
        y += bars + 1;
    }
    let (low, high) = (
        sig(f64::from(histogram.lower)),
        sig(f64::from(histogram.upper)),
    );
    put(buf, inner, inner.x, y, &[(low.as_str(), dim)]);
    let high_x = inner.right().saturating_sub(high.len() as u16);
    put(buf, inner, high_x, y, &[(high.as_str(), dim)]);
    if let Some(x) = line {
        let label = format!("threshold {}", sig(f64::from(score.threshold)));
        let width = label.len() as u16;
        let at = (inner.x + x)
            .saturating_sub(width / 2)
            .clamp(inner.x, inner.right().saturating_sub(width));
        put(
            buf,
            inner,
            at,
            y,
            &[(label.as_str(), theme.style(Role::Error))],
        );
    }
}

/// Each column's share, summing the bins that fall in it (a bin spans several columns on a
/// wide panel).
fn columns(shares: &[f64], width: usize) -> Vec<f64> {
    let bins = shares.len();
    (0..width)
        .map(|c| {
            let first = c * bins / width;
            let last = ((c + 1) * bins / width).max(first + 1).min(bins);
            shares[first.min(bins.saturating_sub(1))..last].iter().sum()
        })
        .collect()
}

/// The column the threshold falls in, if it is within the histogram's range.
fn threshold_column(histogram: &ScoreHistogram, threshold: f32, width: usize) -> Option<u16> {
    let span = f64::from(histogram.upper) - f64::from(histogram.lower);
    if !threshold.is_finite() || span <= 0.0 {
        return None;
    }
    let at = (f64::from(threshold) - f64::from(histogram.lower)) / span * width as f64;
    u16::try_from((at.max(0.0) as usize).min(width - 1)).ok()
}

/// Vertical bars of `shares` (one per column) scaled so that `tallest` fills `area`, in
/// eighths of a row.
fn draw_bars(
    shares: &[f64],
    tallest: f64,
    theme: &Theme,
    style: Style,
    area: Rect,
    buf: &mut Buffer,
) {
    let set = theme.bar_set();
    let eighths = [
        set.empty,
        set.one_eighth,
        set.one_quarter,
        set.three_eighths,
        set.half,
        set.five_eighths,
        set.three_quarters,
        set.seven_eighths,
        set.full,
    ];
    let rows = usize::from(area.height);
    for (x, &share) in (area.x..area.right()).zip(shares) {
        // A non-empty bin shows at least an eighth.
        let mut height = (share / tallest * (rows * 8) as f64).round() as usize;
        if share > 0.0 {
            height = height.max(1);
        }
        for row in 0..rows {
            let filled = height.saturating_sub(row * 8).min(8);
            if filled == 0 {
                break;
            }
            let y = area.bottom() - 1 - row as u16;
            buf[(x, y)].set_symbol(eighths[filled]).set_style(style);
        }
    }
}

/// The threshold as a vertical line over `rows` rows from `top`, in front of empty cells and
/// colouring the bars it crosses.
fn draw_line(theme: &Theme, x: u16, top: u16, rows: u16, buf: &mut Buffer) {
    let style = theme.style(Role::Error);
    let glyph = if theme.ascii { "|" } else { "│" };
    for y in top..top + rows {
        let cell = &mut buf[(x, y)];
        if cell.symbol() == " " {
            cell.set_symbol(glyph);
        }
        cell.set_style(style);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_merge_or_stretch_the_bins() {
        let shares = [0.5, 0.25, 0.25, 0.0];
        assert_eq!(columns(&shares, 2), [0.75, 0.25]);
        assert_eq!(
            columns(&shares, 8),
            [0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.0, 0.0]
        );
        assert_eq!(columns(&shares, 4), shares);
    }

    #[test]
    fn the_threshold_falls_in_its_column_or_nowhere() {
        let histogram = ScoreHistogram::new(&[0.0], &[1.0], 4, None);
        assert_eq!(threshold_column(&histogram, 0.0, 10), Some(0));
        assert_eq!(threshold_column(&histogram, 0.55, 10), Some(5));
        assert_eq!(threshold_column(&histogram, 1.0, 10), Some(9));
        assert_eq!(threshold_column(&histogram, f32::NAN, 10), None);
        let flat = ScoreHistogram::new(&[2.0], &[2.0], 4, None);
        assert_eq!(threshold_column(&flat, 2.0, 10), None);
    }
}
