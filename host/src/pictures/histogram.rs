//! Histograms of the scores of normal and of abnormal samples, overlaid, with a detector's
//! threshold as a vertical line.

use super::canvas::{Canvas, Stroke};
use super::{DIGIT_COLOURS, Picture};
use crate::histogram::ScoreHistogram;

/// The colour of the normal samples' bars.
pub const NORMAL_COLOUR: [u8; 3] = DIGIT_COLOURS[0];
/// The colour of the abnormal samples' bars.
pub const ANOMALOUS_COLOUR: [u8; 3] = DIGIT_COLOURS[1];
/// The colour of the threshold's line.
pub const THRESHOLD_COLOUR: [u8; 3] = DIGIT_COLOURS[3];

/// A `width`×`height` RGB picture of `histogram`: each set's bars as its share of its own
/// samples (so a small normal class is as visible as many abnormal ones), normal blue and
/// abnormal orange mixed where they overlap, and `threshold` as a red vertical line.
pub fn histogram_picture(
    histogram: &ScoreHistogram,
    threshold: Option<f32>,
    width: usize,
    height: usize,
) -> Picture {
    histogram_canvas(histogram, threshold, width, height).into_picture()
}

fn histogram_canvas(
    histogram: &ScoreHistogram,
    threshold: Option<f32>,
    width: usize,
    height: usize,
) -> Canvas {
    let (normal, anomalous) = histogram.shares();
    let tallest = ScoreHistogram::tallest(&normal, &anomalous);
    let x_range = (f64::from(histogram.lower), f64::from(histogram.upper));
    let margin = (width.min(height) / 20).max(4);
    let mut canvas = Canvas::new(width, height, margin, x_range, (0.0, tallest * 1.05));
    for (shares, colour) in [(&normal, NORMAL_COLOUR), (&anomalous, ANOMALOUS_COLOUR)] {
        for (bin, &value) in shares.iter().enumerate() {
            if value > 0.0 {
                let (left, right) = histogram.edges(bin);
                canvas.bar(left, right, value, colour);
            }
        }
    }
    canvas.frame();
    if let Some(threshold) = threshold.filter(|t| t.is_finite()) {
        let at = f64::from(threshold);
        canvas.line(
            (at, 0.0),
            (at, tallest * 1.05),
            THRESHOLD_COLOUR,
            Stroke {
                thickness: 2,
                dash: 0,
            },
        );
    }
    canvas
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::canvas::WHITE;
    use super::*;

    #[test]
    fn bars_sit_at_their_scores_and_the_threshold_is_a_vertical_line() {
        let normal = [0.0, 0.05, 0.1];
        let anomalous = [0.9, 0.95, 1.0];
        let histogram = ScoreHistogram::new(&normal, &anomalous, 10, Some(0.5));
        let canvas = histogram_canvas(&histogram, Some(0.5), 300, 200);
        let at = |x: f64, y: f64| {
            let (column, row) = canvas.pixel_of(x, y);
            canvas.colour_at(column, row).unwrap()
        };
        let mixed = |colour: [u8; 3]| colour.map(|c| ((255 + u16::from(c)) / 2) as u8);
        // Each set fills the bottom of its bins, and nothing is above or between them.
        assert_eq!(at(0.05, 0.1), mixed(NORMAL_COLOUR));
        assert_eq!(at(0.95, 0.1), mixed(ANOMALOUS_COLOUR));
        assert_eq!(at(0.3, 0.1), WHITE);
        // The threshold line runs from the bottom of the plot to the top.
        for y in [0.05, 0.3, 0.6] {
            assert_eq!(at(0.5, y), THRESHOLD_COLOUR, "at height {y}");
        }
        // Without a threshold, no line.
        let plain = histogram_canvas(&histogram, None, 300, 200);
        let (column, row) = plain.pixel_of(0.5, 0.3);
        assert_eq!(plain.colour_at(column, row), Some(WHITE));
    }

    #[test]
    fn the_picture_has_the_size_asked() {
        let histogram = ScoreHistogram::new(&[0.0], &[1.0], 8, None);
        let picture = histogram_picture(&histogram, None, 120, 90);
        assert_eq!(
            (picture.width, picture.height, picture.channels),
            (120, 90, 3)
        );
    }
}
