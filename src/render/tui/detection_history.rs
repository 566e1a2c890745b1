//! What the detection view shows of a detector's run: the latest judgement of the test set,
//! each score's ROC AUC per epoch (bounded as the loss per epoch is), and the score whose
//! histogram is shown.

use tinyvae_host::anomaly::ScoreKind;
use tinyvae_host::train::detection::{DetectionReport, DetectionScore};

use super::history::bound;

/// The detection reports of a run, as the view needs them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DetectionHistory {
    last: Option<DetectionReport>,
    auc: Vec<(ScoreKind, Vec<(f64, f64)>)>,
    selected: usize,
}

impl DetectionHistory {
    /// Adds the judgement at the end of an epoch.
    pub fn push(&mut self, report: DetectionReport) {
        let epoch = report.epoch as f64;
        for score in &report.scores {
            let at = match self.auc.iter().position(|(kind, _)| *kind == score.score) {
                Some(at) => at,
                None => {
                    self.auc.push((score.score, Vec::new()));
                    self.auc.len() - 1
                }
            };
            let points = &mut self.auc[at].1;
            if score.auc.is_finite() {
                points.push((epoch, score.auc));
            }
            bound(points);
        }
        self.last = Some(report);
    }

    /// The latest report.
    pub fn last(&self) -> Option<&DetectionReport> {
        self.last.as_ref()
    }

    /// The score shown in the histogram: the one chosen with the key, the first at the start.
    pub fn selected(&self) -> Option<&DetectionScore> {
        let scores = &self.last.as_ref()?.scores;
        scores.get(self.selected.min(scores.len().checked_sub(1)?))
    }

    /// Shows the next score's histogram (round to the first after the last).
    pub fn select_next(&mut self) {
        let count = self.last.as_ref().map_or(0, |r| r.scores.len());
        self.selected = if count == 0 {
            0
        } else {
            (self.selected.min(count - 1) + 1) % count
        };
    }

    /// Chart points `(epoch, ROC AUC)` of `kind`.
    pub fn auc_of(&self, kind: ScoreKind) -> &[(f64, f64)] {
        self.auc
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(&[], |(_, points)| points)
    }

    /// Forgets every report (a new run started).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tui::history::MAX_EPOCH_POINTS;
    use tinyvae_host::anomaly::{DEFAULT_CALIBRATION, WATCHED_BINS};
    use tinyvae_host::histogram::ScoreHistogram;

    fn report(epoch: usize, aucs: &[(ScoreKind, f64)]) -> DetectionReport {
        DetectionReport {
            epoch,
            normal_classes: vec![0],
            test_samples: 10,
            anomalous: 9,
            calibration_samples: 5,
            rule: DEFAULT_CALIBRATION,
            scores: aucs
                .iter()
                .map(|&(score, auc)| DetectionScore {
                    score,
                    auc,
                    partial_auc: auc,
                    threshold: 0.5,
                    precision: 1.0,
                    recall: 1.0,
                    f1: 1.0,
                    false_positive_rate: 0.0,
                    histogram: ScoreHistogram::new(&[0.1], &[0.9], WATCHED_BINS, Some(0.5)),
                })
                .collect(),
        }
    }

    #[test]
    fn each_score_keeps_its_auc_per_epoch_within_bounds() {
        let (mse, ce) = (
            ScoreKind::ReconstructionMse,
            ScoreKind::ReconstructionCrossEntropy,
        );
        let mut history = DetectionHistory::default();
        for epoch in 1..=3 * MAX_EPOCH_POINTS {
            history.push(report(epoch, &[(mse, 0.5), (ce, epoch as f64)]));
        }
        assert!(history.auc_of(mse).len() <= MAX_EPOCH_POINTS + 1);
        assert_eq!(history.auc_of(ce).first(), Some(&(1.0, 1.0)));
        let newest = (3 * MAX_EPOCH_POINTS) as f64;
        assert_eq!(history.auc_of(ce).last(), Some(&(newest, newest)));
        assert!(history.auc_of(ScoreKind::NegativeElbo).is_empty());
        history.clear();
        assert!(history.last().is_none() && history.auc_of(mse).is_empty());
    }

    #[test]
    fn the_selected_score_goes_round_and_survives_a_shorter_report() {
        let kinds = [
            ScoreKind::ReconstructionMse,
            ScoreKind::ReconstructionRelative,
            ScoreKind::ReconstructionCrossEntropy,
        ];
        let mut history = DetectionHistory::default();
        assert!(history.selected().is_none());
        history.select_next();
        history.push(report(1, &kinds.map(|k| (k, 0.9))));
        let shown = |h: &DetectionHistory| h.selected().map(|s| s.score);
        assert_eq!(shown(&history), Some(kinds[0]));
        history.select_next();
        history.select_next();
        assert_eq!(shown(&history), Some(kinds[2]));
        history.select_next();
        assert_eq!(shown(&history), Some(kinds[0]));
        history.select_next();
        history.select_next();
        history.push(report(2, &[(kinds[0], 0.8)]));
        assert_eq!(shown(&history), Some(kinds[0]));
        // A NaN AUC (no abnormal sample) is not charted.
        history.push(report(3, &[(kinds[0], f64::NAN)]));
        assert_eq!(history.auc_of(kinds[0]).len(), 2);
    }
}
