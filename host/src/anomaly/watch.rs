//! A detector judged as it trains: at the end of each epoch, the reconstruction scores of a
//! fixed part of the test set give the ROC AUC of each score, and those of the normal
//! training samples the threshold calibration would set now.

use tinyvae_core::anomaly::{ScoreKind, calibrate};

use super::record::DEFAULT_CALIBRATION;
use super::roc::{Confusion, Roc};
use super::scores::{SampleScores, ScoreOptions, available_scores, score_samples};
use super::{AnomalyError, OneClass, PARTIAL_AUC_MAX_FPR};
use crate::data::{Dataset, Split};
use crate::histogram::ScoreHistogram;
use crate::train::config::TrainConfig;
use crate::train::detection::{DetectionProbe, DetectionReport, DetectionScore};
use crate::train::model::TrainableModel;

/// At most this many test samples are scored at each epoch's end, evenly spread.
pub const WATCHED_TEST_SAMPLES: usize = 1000;
/// At most this many normal training samples set the thresholds, evenly spread.
pub const WATCHED_NORMAL_SAMPLES: usize = 500;
/// Bins of the score histograms.
pub const WATCHED_BINS: usize = 40;

/// The probe of a detector's run: the samples it scores, chosen once when the run starts.
#[derive(Clone, Debug)]
pub struct EpochDetection {
    normal_classes: Vec<u8>,
    kinds: Vec<ScoreKind>,
    test: Dataset,
    anomalous: Vec<bool>,
    normal: Dataset,
}

impl EpochDetection {
    /// The probe for a run of `M` under `train` that learns `classes` as normal, on `split`
    /// whose training set holds the normal samples alone. It scores the reconstruction scores
    /// (−ELBO and −log p(x) cost K passes each: `tinyvae eval --anomaly` gives them).
    ///
    /// Errors: no class, a test set without labels, or one without both normal and abnormal
    /// samples.
    pub fn new<M: TrainableModel>(
        classes: &[u8],
        train: &TrainConfig,
        split: &Split,
    ) -> Result<Self, AnomalyError> {
        let protocol = OneClass::new(classes)?;
        let test = split
            .test
            .select(&spread(split.test.len(), WATCHED_TEST_SAMPLES));
        let anomalous = protocol.anomalous(&test)?;
        let abnormal = anomalous.iter().filter(|&&a| a).count();
        if abnormal == 0 || abnormal == anomalous.len() {
            return Err(AnomalyError::OneClass {
                normal: anomalous.len() - abnormal,
                anomalous: abnormal,
            });
        }
        let normal = split
            .train
            .select(&spread(split.train.len(), WATCHED_NORMAL_SAMPLES));
        let kinds = available_scores::<M>(train)
            .into_iter()
            .filter(|kind| !kind.needs_draws())
            .collect();
        Ok(Self {
            normal_classes: protocol.normal_classes().to_vec(),
            kinds,
            test,
            anomalous,
            normal,
        })
    }

    /// Test samples scored at each epoch's end.
    pub fn test_samples(&self) -> usize {
        self.test.len()
    }

    fn scores<M: TrainableModel>(
        &self,
        model: &M,
        train: &TrainConfig,
        data: &Dataset,
    ) -> Result<SampleScores, AnomalyError> {
        let options = ScoreOptions {
            kinds: self.kinds.clone(),
            importance_samples: 1,
            seed: 0,
            // The training thread: the run's other work waits for it.
            threads: 1,
            batched: true,
        };
        score_samples(model, train, data, &options)
    }
}

impl<M: TrainableModel> DetectionProbe<M> for EpochDetection {
    fn probe(
        &self,
        model: &M,
        train: &TrainConfig,
        epoch: usize,
    ) -> Result<DetectionReport, String> {
        let scored = || -> Result<DetectionReport, AnomalyError> {
            let test = self.scores(model, train, &self.test)?;
            let normal = self.scores(model, train, &self.normal)?;
            let scores = self
                .kinds
                .iter()
                .map(|&kind| {
                    let column = |scores: &SampleScores| scores.column(kind).unwrap_or_default();
                    judge(kind, &column(&test), &self.anomalous, column(&normal))
                })
                .collect::<Result<_, _>>()?;
            Ok(DetectionReport {
                epoch,
                normal_classes: self.normal_classes.clone(),
                test_samples: self.test.len(),
                anomalous: self.anomalous.iter().filter(|&&a| a).count(),
                calibration_samples: self.normal.len(),
                rule: DEFAULT_CALIBRATION,
                scores,
            })
        };
        scored().map_err(|e| e.to_string())
    }
}

/// How `scores` of the test samples separate the `anomalous` ones, at the threshold that
/// [`DEFAULT_CALIBRATION`] sets from the `normal` training scores.
pub fn judge(
    kind: ScoreKind,
    scores: &[f32],
    anomalous: &[bool],
    mut normal: Vec<f32>,
) -> Result<DetectionScore, AnomalyError> {
    let roc = Roc::new(scores, anomalous)?;
    let threshold = calibrate(&mut normal, DEFAULT_CALIBRATION)?;
    let confusion = Confusion::at(scores, anomalous, threshold)?;
    let part = |abnormal: bool| -> Vec<f32> {
        scores
            .iter()
            .zip(anomalous)
            .filter(|&(_, &a)| a == abnormal)
            .map(|(&s, _)| s)
            .collect()
    };
    Ok(DetectionScore {
        score: kind,
        auc: roc.auc(),
        partial_auc: roc.partial_auc(PARTIAL_AUC_MAX_FPR)?,
        threshold,
        precision: confusion.precision(),
        recall: confusion.recall(),
        f1: confusion.f1(),
        false_positive_rate: confusion.false_positive_rate(),
        histogram: ScoreHistogram::new(&part(false), &part(true), WATCHED_BINS, Some(threshold)),
    })
}

/// `count` indices spread evenly over `0..len` (all of them when `len <= count`).
fn spread(len: usize, count: usize) -> Vec<usize> {
    if len <= count {
        return (0..len).collect();
    }
    (0..count).map(|i| i * len / count).collect()
}

#[cfg(test)]
mod tests;
