//! One run of the one-class protocol: train a model on the normal classes of a labelled
//! training set, score the whole test set, and judge every score by its ROC, beside PCA's
//! reconstruction error at as many components as the model's code.

use tinyvae_core::anomaly::{ScoreKind, reconstruction_mse};

use super::scores::{ScoreOptions, score_samples};
use super::{AnomalyError, OneClass, Roc};
use crate::data::Split;
use crate::eval::Pca;
use crate::train::config::TrainConfig;
use crate::train::model::TrainableModel;
use crate::train::trainer::Trainer;

/// The false-positive limit of the partial AUC reported, MLPerf Tiny's.
pub const PARTIAL_AUC_MAX_FPR: f64 = 0.1;

/// How one score did.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct ScoreResult {
    /// Area under the ROC curve.
    pub auc: f64,
    /// The standardized partial AUC up to [`PARTIAL_AUC_MAX_FPR`].
    pub partial_auc: f64,
}

/// What one run of the protocol found.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ProtocolResult {
    /// The normal classes.
    pub normal: Vec<u8>,
    /// Training samples (of the normal classes) and test samples (all), normal and abnormal.
    pub train_samples: usize,
    /// Normal test samples.
    pub test_normal: usize,
    /// Abnormal test samples.
    pub test_anomalous: usize,
    /// Each of the model's scores, in the order asked.
    pub scores: Vec<(ScoreKind, ScoreResult)>,
    /// PCA's squared reconstruction error at as many components as the model's code.
    pub pca: ScoreResult,
    /// The model's last training loss (the mean over the last epoch's steps).
    pub final_train_loss: f32,
}

impl ProtocolResult {
    /// The result of the score the model did best with, by AUC.
    pub fn best(&self) -> Option<(ScoreKind, ScoreResult)> {
        self.scores
            .iter()
            .copied()
            .max_by(|a, b| a.1.auc.total_cmp(&b.1.auc))
    }
}

/// Trains `M` with `train` on the normal classes of `split.train` and judges `options`'
/// scores on `split.test`.
pub fn one_class_run<M: TrainableModel>(
    train: &TrainConfig,
    split: &Split,
    protocol: &OneClass,
    options: &ScoreOptions,
) -> Result<ProtocolResult, AnomalyError> {
    let normal_train = protocol.train_set(&split.train)?;
    let anomalous = protocol.anomalous(&split.test)?;
    let failed = |e: &dyn std::fmt::Display| AnomalyError::Data(format!("training failed: {e}"));
    let mut trainer = Trainer::<M>::new(*train).map_err(|e| failed(&e))?;
    let mut last_epoch = (0.0f64, 0usize, 0usize);
    while !trainer.is_finished() {
        let epoch = trainer.position().epoch;
        let outcome = trainer.step(&normal_train).map_err(|e| failed(&e))?;
        if epoch != last_epoch.1 {
            last_epoch = (0.0, epoch, 0);
        }
        last_epoch.0 += f64::from(outcome.loss.total);
        last_epoch.2 += 1;
    }
    trainer.check_finite().map_err(|e| failed(&e))?;
    let scores = score_samples(trainer.model(), train, &split.test, options)?;
    let mut results = Vec::with_capacity(options.kinds.len());
    for &kind in &options.kinds {
        let column = scores.column(kind).unwrap_or_default();
        results.push((kind, judge(&column, &anomalous)?));
    }
    let pca = pca_scores(&normal_train, &split.test, M::LATENT)?;
    let test_anomalous = anomalous.iter().filter(|&&a| a).count();
    Ok(ProtocolResult {
        normal: protocol.normal_classes().to_vec(),
        train_samples: normal_train.len(),
        test_normal: anomalous.len() - test_anomalous,
        test_anomalous,
        scores: results,
        pca: judge(&pca, &anomalous)?,
        final_train_loss: (last_epoch.0 / last_epoch.2.max(1) as f64) as f32,
    })
}

/// AUC and partial AUC of `scores` against `anomalous`.
fn judge(scores: &[f32], anomalous: &[bool]) -> Result<ScoreResult, AnomalyError> {
    let roc = Roc::new(scores, anomalous)?;
    Ok(ScoreResult {
        auc: roc.auc(),
        partial_auc: roc.partial_auc(PARTIAL_AUC_MAX_FPR)?,
    })
}

/// Each test sample's mean squared error under PCA with `components`, fitted on `normal`.
fn pca_scores(
    normal: &crate::data::Dataset,
    test: &crate::data::Dataset,
    components: usize,
) -> Result<Vec<f32>, AnomalyError> {
    let features = normal.pixels_per_image();
    let pca = Pca::fit(normal.images(), features, components)
        .map_err(|e| AnomalyError::Data(format!("PCA baseline: {e}")))?;
    let mut rebuilt = vec![0.0f32; test.images().len()];
    pca.reconstruct(test.images(), &mut rebuilt)
        .map_err(|e| AnomalyError::Data(format!("PCA baseline: {e}")))?;
    test.images()
        .chunks_exact(features)
        .zip(rebuilt.chunks_exact(features))
        .map(|(x, x_hat)| Ok(reconstruction_mse(x, x_hat)?))
        .collect()
}
