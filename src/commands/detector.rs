//! The detector settings of a training run: the classes it learns as normal
//! (`--normal-class`), kept across resumes.

use tinyvae_host::anomaly::{DetectorRecord, EpochDetection, OneClass};
use tinyvae_host::data::Split;
use tinyvae_host::train::config::TrainConfig;
use tinyvae_host::train::model::TrainableModel;

use super::Failure;
use crate::format::classes_text;

/// The detector record of a run: from `--normal-class` for a new run; the checkpoint's for a
/// resumed one, where another `--normal-class` is refused and a calibrated threshold is
/// dropped (it was set for the weights before this training), with a note.
pub fn run_detector(
    normal_classes: &[usize],
    resumed: Option<&DetectorRecord>,
) -> Result<DetectorRecord, Failure> {
    let asked = (!normal_classes.is_empty()).then(|| {
        let mut classes: Vec<u8> = normal_classes.iter().map(|&c| c as u8).collect();
        classes.sort_unstable();
        classes.dedup();
        classes
    });
    let Some(resumed) = resumed else {
        return Ok(DetectorRecord {
            normal_classes: asked,
            threshold: None,
        });
    };
    if asked.is_some() && asked != resumed.normal_classes {
        return Err(Failure::input(format!(
            "--normal-class cannot change on resume: the run learns {}",
            classes_text(resumed.normal_classes.as_deref())
        )));
    }
    if let Some(threshold) = resumed.threshold {
        note!(
            "tinyvae: the {} threshold {} was calibrated for the weights before this training \
             and is dropped; run tinyvae calibrate again",
            threshold.score.name(),
            threshold.value
        );
    }
    Ok(DetectorRecord {
        normal_classes: resumed.normal_classes.clone(),
        threshold: None,
    })
}

/// Keeps only the normal classes in the training set of `split` (the test set stays whole:
/// detection is judged on it). Nothing changes without normal classes.
pub fn keep_normal_training_samples(
    detector: &DetectorRecord,
    split: &mut Split,
) -> Result<(), Failure> {
    let Some(classes) = &detector.normal_classes else {
        return Ok(());
    };
    let protocol = OneClass::new(classes).map_err(Failure::input)?;
    let normal = protocol
        .train_set(&split.train)
        .map_err(|e| Failure::input(format!("--normal-class: {e}")))?;
    note!(
        "training on the normal classes {}: {} of {} samples",
        classes_text(Some(classes)),
        normal.len(),
        split.train.len()
    );
    split.train = normal;
    Ok(())
}

/// The judge of a detector's run at every epoch's end, for a run with normal classes whose
/// test set has labels of both kinds; otherwise none, with a note saying why.
pub fn epoch_probe<M: TrainableModel>(
    detector: &DetectorRecord,
    train: &TrainConfig,
    split: &Split,
) -> Option<EpochDetection> {
    let classes = detector.normal_classes.as_ref()?;
    match EpochDetection::new::<M>(classes, train, split) {
        Ok(probe) => Some(probe),
        Err(e) => {
            note!("tinyvae: the detector is not judged as it trains: {e}");
            None
        }
    }
}
