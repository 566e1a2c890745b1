//! The facts of the imitated runs, built by the real code.

use std::sync::OnceLock;

use tinyvae_core::noise::Noise;
use tinyvae_host::data::{Dataset, Split};
use tinyvae_host::presets::{AeDigits, VaeMnist2d, find_preset};
use tinyvae_host::train::config::TrainConfig;
use tinyvae_host::train::events::RunInfo;
use tinyvae_host::train::model::TrainableModel;
use tinyvae_host::train::trainer::Trainer;

/// The facts of a run as the trainer reports them: [`RunInfo::new`] on a real `M` trainer
/// built from `config`, over blank `side`×`side` images (`train` of them to train on, `test`
/// held out) named as the loaders name them.
fn real_run_info<M: TrainableModel>(
    preset: &str,
    config: TrainConfig,
    dataset: &str,
    side: usize,
    (train, test): (usize, usize),
) -> RunInfo {
    let trainer = match Trainer::<M>::new(config) {
        Ok(trainer) => trainer,
        Err(e) => panic!("the {preset} fixture's settings: {e}"),
    };
    let blank = |part: &str, count: usize| {
        let labels = (0..count).map(|i| (i % 10) as u8).collect();
        match Dataset::new(
            format!("{dataset} {part}"),
            side,
            side,
            vec![0.0; count * side * side],
            labels,
        ) {
            Ok(images) => images,
            Err(e) => panic!("the {preset} fixture's data: {e}"),
        }
    };
    let data = Split {
        train: blank("train", train),
        test: blank("test", test),
    };
    RunInfo::new(&trainer, &data, preset)
}

/// The settings of `preset`.
fn preset_config(preset: &str) -> TrainConfig {
    match find_preset(preset) {
        Ok(preset) => preset.config,
        Err(e) => panic!("{e}"),
    }
}

/// The facts of a 20-epoch `vae-mnist-2d` run (`--batch-size 10 --kl-warmup 1200 --seed 42`)
/// on 6000 MNIST-sized images: 600 steps per epoch, 12000 in all.
pub fn mnist_vae_info() -> RunInfo {
    static INFO: OnceLock<RunInfo> = OnceLock::new();
    INFO.get_or_init(|| {
        let config = TrainConfig {
            epochs: 20,
            batch_size: 10,
            kl_warmup_steps: 1200,
            seed: 42,
            ..preset_config("vae-mnist-2d")
        };
        real_run_info::<VaeMnist2d>("vae-mnist-2d", config, "mnist", 28, (6000, 1000))
    })
    .clone()
}

/// The facts of a denoising `ae-digits` run (`--epochs 50 --lr 3e-3 --noise gaussian:0.3
/// --seed 7`) on the 8×8 digits' split, 1437 to train and 360 to test: 2250 steps.
pub fn digits_dae_info() -> RunInfo {
    static INFO: OnceLock<RunInfo> = OnceLock::new();
    INFO.get_or_init(|| {
        let config = TrainConfig {
            epochs: 50,
            learning_rate: 3e-3,
            noise: Noise::Gaussian { std_dev: 0.3 },
            seed: 7,
            ..preset_config("ae-digits")
        };
        real_run_info::<AeDigits>("ae-digits", config, "digits.csv.gz", 8, (1437, 360))
    })
    .clone()
}
