//! Checkpoints: `Checkpoint::from_bytes` on any bytes, with the trailing CRC repaired or not
//! (the selector byte), then what a resume does with a checkpoint that parses, for both digits
//! presets: the model alone, the trainer, its position fitted to small data, the normal
//! classes of its detector, the facts of the run, a step, an evaluation, and a checkpoint of it
//! written and read back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinyvae_fuzz::{repair_checkpoint_crc, repairs_crc};
use tinyvae_host::anomaly::OneClass;
use tinyvae_host::checkpoint::{Checkpoint, checkpoint_bytes};
use tinyvae_host::data::{Dataset, SampleShape, Split};
use tinyvae_host::presets::{AeDigits, VaeDigits};
use tinyvae_host::train::events::RunInfo;
use tinyvae_host::train::model::TrainableModel;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let mut bytes = bytes.to_vec();
    if repairs_crc(selector) {
        repair_checkpoint_crc(&mut bytes);
    }
    let Ok(checkpoint) = Checkpoint::from_bytes(&bytes) else {
        return;
    };
    let _ = (
        checkpoint.preset(),
        checkpoint.config(),
        checkpoint.tinyvae_version(),
        checkpoint.run_id(),
        checkpoint.history(),
        checkpoint.position(),
        checkpoint.in_force(),
        checkpoint.data(),
        checkpoint.step(),
        checkpoint.detector(),
    );
    resume::<VaeDigits>(checkpoint);
    if let Ok(checkpoint) = Checkpoint::from_bytes(&bytes) {
        resume::<AeDigits>(checkpoint);
    }
});

/// Resumes `checkpoint` as a run of an `M`, under the preset name it records, as far as it
/// goes.
fn resume<M: TrainableModel>(checkpoint: Checkpoint) {
    let preset = checkpoint.preset().to_owned();
    let record = checkpoint.data().clone();
    let detector = checkpoint.detector().clone();
    let _ = checkpoint.model::<M>(&preset);
    let Ok(mut trainer) = checkpoint.into_trainer::<M>(&preset) else {
        return;
    };
    let split = small_split::<M>();
    if let Some(classes) = &detector.normal_classes
        && let Ok(protocol) = OneClass::new(classes)
    {
        let _ = protocol.train_set(&split.train);
        let _ = protocol.anomalous(&split.test);
    }
    if let Some(threshold) = detector.threshold {
        let _ = threshold.rule.validate();
    }
    let _ = trainer.fit_position(&split.train);
    let _ = RunInfo::new(&trainer, &split, &preset);
    let _ = (trainer.effective_beta(), trainer.model_config());
    if !trainer.is_finished() {
        let _ = trainer.step(&split.train);
    }
    let _ = trainer.evaluate(&split.test);
    if trainer.check_finite().is_ok() {
        let bytes = checkpoint_bytes(&trainer, &preset, &record, &detector)
            .unwrap_or_else(|e| panic!("a resumed trainer does not checkpoint: {e}"));
        Checkpoint::from_bytes(&bytes)
            .unwrap_or_else(|e| panic!("a checkpoint just written does not read: {e}"))
            .into_trainer::<M>(&preset)
            .unwrap_or_else(|e| panic!("a checkpoint just written does not resume: {e}"));
    }
}

/// Three samples of `M`'s inputs to train on (labels 0, 1, 2), two to test on (0, 1).
fn small_split<M: TrainableModel>() -> Split {
    let shape = SampleShape::Vector { width: M::INPUTS };
    let values =
        |len: usize| -> Vec<f32> { (0..len * M::INPUTS).map(|i| (i % 5) as f32 / 4.0).collect() };
    let dataset = |name: &str, len: usize| {
        let labels = (0..len as u8).collect();
        Dataset::from_parts(name, shape, values(len), len, Some(labels))
            .unwrap_or_else(|e| panic!("the fuzz target's own data: {e}"))
    };
    Split {
        train: dataset("train", 3),
        test: dataset("test", 2),
    }
}
