//! The whole of tinyvae — dashboard, headless training, eval, export, pictures, bench — for a
//! model of your own sizes: a VAE on windows of a 3-axis accelerometer, `WIDTH` floats each.
//!
//! ```sh
//! cargo run --release -p custom-model                        # the dashboard
//! cargo run --release -p custom-model -- train --headless    # scripts
//! cargo run --release -p custom-model -- eval --checkpoint checkpoints/vae-sensor.ckpt
//! ```
//!
//! Changing the width is changing `WIDTH`. The data is `sensor-WIDTH.csv` in the working
//! directory, written on first use by [`sensor`] when absent (or give your own with `--data`).

mod sensor;

use std::process::ExitCode;

use tinyvae::host::data::Normalization;
use tinyvae::host::presets::DefaultData;
use tinyvae::host::train::config::TrainConfig;
use tinyvae_core::vae::MlpVae;

/// Floats per sample: 32 readings of 3 axes.
const WIDTH: usize = 96;

/// The model: WIDTH inputs, 48 hidden ReLU units, a 4-dimensional latent.
type SensorVae = MlpVae<WIDTH, 48, 4>;

fn main() -> ExitCode {
    let data = match sensor::ensure_csv(WIDTH) {
        Ok(path) => path,
        Err(error) => {
            eprintln!("custom-model: {error}");
            return ExitCode::from(1);
        }
    };
    tinyvae::run_model::<SensorVae>(
        "vae-sensor",
        "VAE 96-48-4 on 3-axis sensor windows",
        DefaultData::File {
            path: data,
            label_column: Some("activity"),
            normalization: Normalization::MeasuredRange,
        },
        TrainConfig {
            epochs: 30,
            batch_size: 32,
            ..TrainConfig::default()
        },
    )
}
