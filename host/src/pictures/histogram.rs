//! Histograms of the scores of normal and of abnormal samples, overlaid, with a detector's
//! threshold as a vertical line.

use super::canvas::{Canvas, Stroke};
use super::{DIGIT_COLOURS, Picture};

/// The colour of the normal samples' bars.
pub const NORMAL_COLOUR: [u8; 3] = DIGIT_COLOURS[0];
/// The colour of the abnormal samples' bars.
pub const ANOMALOUS_COLOUR: [u8; 3] = DIGIT_COLOURS[1];
/// The colour of the threshold's line.
pub const THRESHOLD_COLOUR: [u8; 3] = DIGIT_COLOURS[3];

/// The counts of two sets of scores in the same equal-width bins.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreHistogram {
    /// The left edge of the first bin.
    pub lower: f32,
    /// The right edge of the last bin.
    pub upper: f32,
    /// Normal samples per bin.
    pub normal: Vec<usize>,
    /// Abnormal samples per bin.
    pub anomalous: Vec<usize>,
}

impl ScoreHistogram {
    /// `bins` (at least 1) equal bins from the lowest score to the highest, the threshold
    /// within them when given; NaN and infinite scores are left out.
    pub fn new(normal: &[f32], anomalous: &[f32], bins: usize, threshold: Option<f32>) -> Self {
        let finite = || {
            normal
                .iter()
                .chain(anomalous)
                .chain(threshold.as_ref())
                .copied()
                .filter(|v| v.is_finite())
        };
        let lower = finite().fold(f32::INFINITY, f32::min);
        let upper = finite().fold(f32::NEG_INFINITY, f32::max);
        let (lower, upper) = if lower <= upper {
            (lower, upper)
        } else {
            (0.0, 1.0)
        };
        let bins = bins.max(1);
        let mut histogram = Self {
            lower,
            upper,
            normal: vec![0; bins],
            anomalous: vec![0; bins],
        };
        for &value in normal.iter().filter(|v| v.is_finite()) {
            let bin = histogram.bin_of(value);
            histogram.normal[bin] += 1;
        }
        for &value in anomalous.iter().filter(|v| v.is_finite()) {
            let bin = histogram.bin_of(value);
            histogram.anomalous[bin] += 1;
        }
        histogram
    }

    /// The bin `value` falls in; the highest score is in the last bin.
    pub fn bin_of(&self, value: f32) -> usize {
        let bins = self.normal.len();
        let span = f64::from(self.upper) - f64::from(self.lower);
        if span <= 0.0 {
            return 0;
        }
        let at = (f64::from(value) - f64::from(self.lower)) / span * bins as f64;
        (at.max(0.0) as usize).min(bins - 1)
    }

    /// The left and right edges of bin `bin`.
    pub fn edges(&self, bin: usize) -> (f64, f64) {
        let width = (f64::from(self.upper) - f64::from(self.lower)) / self.normal.len() as f64;
        let left = f64::from(self.lower) + bin as f64 * width;
        (left, left + width)
    }
}

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
    let share = |counts: &[usize]| -> Vec<f64> {
        let total = counts.iter().sum::<usize>().max(1) as f64;
        counts.iter().map(|&c| c as f64 / total).collect()
    };
    let (normal, anomalous) = (share(&histogram.normal), share(&histogram.anomalous));
    let tallest = normal
        .iter()
        .chain(&anomalous)
        .copied()
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
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
    fn scores_fall_in_equal_bins_from_the_lowest_to_the_highest() {
        let histogram = ScoreHistogram::new(&[0.0, 0.1, 0.2], &[0.9, 1.0, f32::NAN], 4, Some(0.5));
        assert_eq!((histogram.lower, histogram.upper), (0.0, 1.0));
        assert_eq!(histogram.normal, [3, 0, 0, 0]);
        // The highest score is in the last bin; the NaN is left out.
        assert_eq!(histogram.anomalous, [0, 0, 0, 2]);
        assert_eq!(histogram.edges(1), (0.25, 0.5));
        // A threshold beyond the scores widens the range.
        let wide = ScoreHistogram::new(&[1.0], &[2.0], 2, Some(4.0));
        assert_eq!((wide.lower, wide.upper), (1.0, 4.0));
        assert_eq!((wide.normal, wide.anomalous), (vec![1, 0], vec![1, 0]));
        // Nothing finite at all, or every score equal: one range, no panic.
        let empty = ScoreHistogram::new(&[], &[f32::INFINITY], 0, None);
        assert_eq!((empty.normal, empty.anomalous), (vec![0], vec![0]));
        let flat = ScoreHistogram::new(&[3.0, 3.0], &[3.0], 5, None);
        assert_eq!((flat.normal[0], flat.anomalous[0]), (2, 1));
    }

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
