//! The receiver operating characteristic of a score: how well it ranks abnormal samples above
//! normal ones, at every threshold, and at one.

use super::AnomalyError;

/// The ROC curve of a score over labelled samples (higher score: more abnormal).
#[derive(Clone, Debug, PartialEq)]
pub struct Roc {
    /// The curve's corners, from (0, 0) to (1, 1): one per distinct score, from the highest
    /// down, each the rates of calling every sample at or above that score abnormal.
    points: Vec<RocPoint>,
    normal: usize,
    anomalous: usize,
}

/// One threshold's rates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RocPoint {
    /// The lowest score called abnormal (+∞ for the first corner, where none is).
    pub threshold: f32,
    /// False-positive rate: normal samples called abnormal, of all normal ones.
    pub false_positive_rate: f64,
    /// True-positive rate (recall): abnormal samples called abnormal, of all abnormal ones.
    pub true_positive_rate: f64,
}

/// The counts of one threshold's decisions, and what follows from them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Confusion {
    /// Abnormal samples called abnormal.
    pub true_positives: usize,
    /// Normal samples called abnormal.
    pub false_positives: usize,
    /// Normal samples called normal.
    pub true_negatives: usize,
    /// Abnormal samples called normal.
    pub false_negatives: usize,
}

impl Confusion {
    /// The decisions "abnormal if the score is above `threshold`" over `scores`, whose
    /// samples are abnormal where `anomalous` says so.
    pub fn at(scores: &[f32], anomalous: &[bool], threshold: f32) -> Result<Self, AnomalyError> {
        check(scores, anomalous)?;
        let mut counts = Self {
            true_positives: 0,
            false_positives: 0,
            true_negatives: 0,
            false_negatives: 0,
        };
        for (&score, &abnormal) in scores.iter().zip(anomalous) {
            let flagged = score > threshold;
            match (flagged, abnormal) {
                (true, true) => counts.true_positives += 1,
                (true, false) => counts.false_positives += 1,
                (false, false) => counts.true_negatives += 1,
                (false, true) => counts.false_negatives += 1,
            }
        }
        Ok(counts)
    }

    /// Of the samples called abnormal, the share that are (0 when none is called abnormal).
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// Of the abnormal samples, the share called abnormal.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// Of the normal samples, the share called abnormal.
    pub fn false_positive_rate(&self) -> f64 {
        ratio(
            self.false_positives,
            self.false_positives + self.true_negatives,
        )
    }

    /// The harmonic mean of precision and recall (0 when both are).
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Checks that scores and labels pair up, that every score is finite, and that both classes
/// are present.
fn check(scores: &[f32], anomalous: &[bool]) -> Result<(), AnomalyError> {
    if scores.len() != anomalous.len() {
        return Err(AnomalyError::Mismatch {
            scores: scores.len(),
            labels: anomalous.len(),
        });
    }
    if let Some(index) = scores.iter().position(|s| !s.is_finite()) {
        return Err(AnomalyError::NonFinite {
            index,
            value: scores[index],
        });
    }
    Ok(())
}

impl Roc {
    /// The curve of `scores` against `anomalous`.
    ///
    /// Errors: lengths that differ, a non-finite score, or a set without both normal and
    /// abnormal samples (the rates are undefined).
    pub fn new(scores: &[f32], anomalous: &[bool]) -> Result<Self, AnomalyError> {
        check(scores, anomalous)?;
        let anomalous_count = anomalous.iter().filter(|&&a| a).count();
        let normal = scores.len() - anomalous_count;
        if normal == 0 || anomalous_count == 0 {
            return Err(AnomalyError::OneClass {
                normal,
                anomalous: anomalous_count,
            });
        }
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let mut points = vec![RocPoint {
            threshold: f32::INFINITY,
            false_positive_rate: 0.0,
            true_positive_rate: 0.0,
        }];
        let (mut true_positives, mut false_positives) = (0usize, 0usize);
        let mut index = 0;
        while index < order.len() {
            // Samples of equal score are one step: a threshold cannot split them.
            let score = scores[order[index]];
            while index < order.len() && scores[order[index]] == score {
                if anomalous[order[index]] {
                    true_positives += 1;
                } else {
                    false_positives += 1;
                }
                index += 1;
            }
            points.push(RocPoint {
                threshold: score,
                false_positive_rate: false_positives as f64 / normal as f64,
                true_positive_rate: true_positives as f64 / anomalous_count as f64,
            });
        }
        Ok(Self {
            points,
            normal,
            anomalous: anomalous_count,
        })
    }

    /// The corners of the curve, from (0, 0) to (1, 1).
    pub fn points(&self) -> &[RocPoint] {
        &self.points
    }

    /// How many normal and how many abnormal samples the curve is of.
    pub fn counts(&self) -> (usize, usize) {
        (self.normal, self.anomalous)
    }

    /// The area under the curve: the probability that a random abnormal sample scores above
    /// a random normal one, ties counting one half (the trapezoids under a tied step).
    pub fn auc(&self) -> f64 {
        self.area_to(1.0)
    }

    /// The area under the curve for false-positive rates up to `max_fpr` (in (0, 1]),
    /// standardized as McClish (1989) and scikit-learn's `roc_auc_score(max_fpr=…)`, which
    /// MLPerf Tiny's anomaly benchmark reports at 0.1: 0.5 for a score no better than chance,
    /// 1 for a perfect one, `auc()` at `max_fpr` = 1.
    pub fn partial_auc(&self, max_fpr: f64) -> Result<f64, AnomalyError> {
        if !(max_fpr > 0.0 && max_fpr <= 1.0) {
            return Err(AnomalyError::MaxFpr(max_fpr));
        }
        let area = self.area_to(max_fpr);
        let chance = 0.5 * max_fpr * max_fpr;
        Ok(0.5 * (1.0 + (area - chance) / (max_fpr - chance)))
    }

    /// The area under the curve from false-positive rate 0 to `limit`, the last segment cut
    /// where it crosses `limit` (linear interpolation, as scikit-learn).
    fn area_to(&self, limit: f64) -> f64 {
        let mut area = 0.0;
        for pair in self.points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if a.false_positive_rate >= limit {
                break;
            }
            let (mut x1, mut y1) = (b.false_positive_rate, b.true_positive_rate);
            if x1 > limit {
                let t = (limit - a.false_positive_rate) / (x1 - a.false_positive_rate);
                y1 = a.true_positive_rate + t * (y1 - a.true_positive_rate);
                x1 = limit;
            }
            area += (x1 - a.false_positive_rate) * (y1 + a.true_positive_rate) / 2.0;
        }
        area
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn auc_of_a_hand_computed_case_with_ties() {
        // Abnormal: 0.9, 0.5, 0.5; normal: 0.5, 0.3, 0.1. Pairs (abnormal, normal): 0.9 beats
        // all three; each 0.5 ties the normal 0.5 (½) and beats 0.3 and 0.1: 3 + 2·2.5 = 8 of 9.
        let scores = [0.9, 0.5, 0.5, 0.5, 0.3, 0.1];
        let anomalous = [true, true, true, false, false, false];
        let roc = Roc::new(&scores, &anomalous).unwrap();
        assert!((roc.auc() - 8.0 / 9.0).abs() < 1e-12, "{}", roc.auc());
        // The tied step is one corner: (0, 1/3) → (1/3, 1).
        let corners: Vec<_> = roc
            .points()
            .iter()
            .map(|p| (p.false_positive_rate, p.true_positive_rate))
            .collect();
        assert_eq!(
            corners,
            [
                (0.0, 0.0),
                (0.0, 1.0 / 3.0),
                (1.0 / 3.0, 1.0),
                (2.0 / 3.0, 1.0),
                (1.0, 1.0)
            ]
        );
        assert_eq!(roc.counts(), (3, 3));
        // roc_auc_score(..., max_fpr=0.1) = 0.7017543859649122: the tied step cut at 0.1.
        let partial = roc.partial_auc(0.1).unwrap();
        assert!(
            (partial - 0.701_754_385_964_912_2).abs() < 1e-12,
            "{partial}"
        );
    }

    #[test]
    fn perfect_inverted_and_constant_scores() {
        let anomalous = [false, false, true, true];
        let perfect = Roc::new(&[0.0, 1.0, 2.0, 3.0], &anomalous).unwrap();
        assert_eq!(perfect.auc(), 1.0);
        assert_eq!(perfect.partial_auc(0.1).unwrap(), 1.0);
        let inverted = Roc::new(&[3.0, 2.0, 1.0, 0.0], &anomalous).unwrap();
        assert_eq!(inverted.auc(), 0.0);
        let constant = Roc::new(&[1.0; 4], &anomalous).unwrap();
        assert_eq!(constant.auc(), 0.5);
        assert!((constant.partial_auc(0.1).unwrap() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn partial_auc_matches_scikit_learn() {
        // sklearn.metrics.roc_auc_score([0,0,1,1,0,1], [0.1,0.4,0.35,0.8,0.7,0.2], max_fpr=0.5)
        // = 0.5555555555555556: an area of 1/6 up to 0.5, standardized; the full AUC is 5/9.
        let scores = [0.1, 0.4, 0.35, 0.8, 0.7, 0.2];
        let anomalous = [false, false, true, true, false, true];
        let roc = Roc::new(&scores, &anomalous).unwrap();
        assert!((roc.auc() - 5.0 / 9.0).abs() < 1e-12);
        let partial = roc.partial_auc(0.5).unwrap();
        assert!(
            (partial - 0.555_555_555_555_555_6).abs() < 1e-12,
            "{partial}"
        );
        assert!((roc.partial_auc(1.0).unwrap() - roc.auc()).abs() < 1e-12);
        assert!(roc.partial_auc(0.0).is_err());
        assert!(roc.partial_auc(f64::NAN).is_err());
    }

    #[test]
    fn decisions_at_a_threshold() {
        let scores = [0.9, 0.5, 0.5, 0.5, 0.3, 0.1];
        let anomalous = [true, true, true, false, false, false];
        let at = Confusion::at(&scores, &anomalous, 0.4).unwrap();
        assert_eq!(
            (
                at.true_positives,
                at.false_positives,
                at.true_negatives,
                at.false_negatives
            ),
            (3, 1, 2, 0)
        );
        assert_eq!(at.precision(), 0.75);
        assert_eq!(at.recall(), 1.0);
        assert!((at.f1() - 6.0 / 7.0).abs() < 1e-12);
        assert!((at.false_positive_rate() - 1.0 / 3.0).abs() < 1e-12);
        // Nothing flagged: precision and F1 are 0, not NaN.
        let none = Confusion::at(&scores, &anomalous, 1.0).unwrap();
        assert_eq!((none.precision(), none.f1()), (0.0, 0.0));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            Roc::new(&[1.0], &[true, false]),
            Err(AnomalyError::Mismatch { .. })
        ));
        assert!(matches!(
            Roc::new(&[1.0, f32::NAN], &[true, false]),
            Err(AnomalyError::NonFinite { index: 1, .. })
        ));
        assert!(matches!(
            Roc::new(&[1.0, 2.0], &[false, false]),
            Err(AnomalyError::OneClass {
                normal: 2,
                anomalous: 0
            })
        ));
    }
}
