//! The counts of the scores of normal and of abnormal samples in the same equal-width bins:
//! what the histogram picture draws and what the dashboard's detection view shows.

use serde::Serialize;

/// The counts of two sets of scores in the same equal-width bins.
#[derive(Clone, Debug, PartialEq, Serialize)]
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

    /// Each set's counts as shares of its own samples (0 where a set is empty), so a small
    /// normal class shows as plainly as many abnormal samples: `(normal, anomalous)`.
    pub fn shares(&self) -> (Vec<f64>, Vec<f64>) {
        let share = |counts: &[usize]| -> Vec<f64> {
            let total = counts.iter().sum::<usize>().max(1) as f64;
            counts.iter().map(|&c| c as f64 / total).collect()
        };
        (share(&self.normal), share(&self.anomalous))
    }

    /// The height both sets' bars are scaled to: the largest of `normal` and `anomalous`
    /// (shares, or sums of them), never zero, so an empty histogram divides safely.
    pub fn tallest(normal: &[f64], anomalous: &[f64]) -> f64 {
        normal
            .iter()
            .chain(anomalous)
            .copied()
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE)
    }

    /// The left and right edges of bin `bin`.
    pub fn edges(&self, bin: usize) -> (f64, f64) {
        let width = (f64::from(self.upper) - f64::from(self.lower)) / self.normal.len() as f64;
        let left = f64::from(self.lower) + bin as f64 * width;
        (left, left + width)
    }
}

#[cfg(test)]
mod tests {
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
    fn shares_are_of_each_set_alone() {
        let histogram = ScoreHistogram::new(&[0.0, 0.0, 0.0, 1.0], &[1.0], 2, None);
        assert_eq!(histogram.shares(), (vec![0.75, 0.25], vec![0.0, 1.0]));
        let no_abnormal = ScoreHistogram::new(&[0.0], &[], 2, None);
        assert_eq!(no_abnormal.shares().1, [0.0, 0.0]);
        assert_eq!(ScoreHistogram::tallest(&[0.75, 0.25], &[0.0, 1.0]), 1.0);
        assert!(ScoreHistogram::tallest(&[0.0], &[]) > 0.0);
    }
}
