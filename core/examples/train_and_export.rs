//! Host side: train a VAE of your own sizes for a few hundred steps and write its weight blob.
//!
//! ```sh
//! cargo run --release -p tinyvae-core --features std --example train_and_export -- sensor-vae.tvw
//! ```
//!
//! The data is generated here: windows of 16 readings of a sine wave of random phase and
//! amplitude, in [0, 1], fitted with a Gaussian decoder of fixed variance. A real project reads
//! its own (or trains with the `tinyvae` binary, which exports the same blob with
//! `tinyvae export`). The loss printed is that of one fixed batch, with fixed ε.

use std::error::Error;
use std::f32::consts::TAU;

use tinyvae_core::optim::{Adam, AdamState, Optimizer};
use tinyvae_core::rng::uniform;
use tinyvae_core::vae::{Likelihood, MlpVae, VaeConfig};
use tinyvae_core::weights::{self, WeightBlob};
use tinyvae_core::{Footprint, Model, Parameters, SeededRng, seeded_rng};

/// Readings per window.
const WINDOW: usize = 16;

/// The model: 16 readings, 12 hidden ReLU units, a 2-dimensional latent.
type SensorVae = MlpVae<WINDOW, 12, 2>;

/// Samples per step.
const BATCH: usize = 32;
/// Optimizer steps.
const STEPS: usize = 1000;

/// `BATCH` windows, one column each: 0.5 + a·sin(2π(i/16 + φ)) with a ∈ [0.1, 0.45].
fn fill_windows(rng: &mut SeededRng, data: &mut [f32]) {
    for window in data.chunks_exact_mut(WINDOW) {
        let (phase, amplitude) = (uniform(rng), 0.1 + 0.35 * uniform(rng));
        for (i, x) in window.iter_mut().enumerate() {
            *x = 0.5 + amplitude * (TAU * (i as f32 / WINDOW as f32 + phase)).sin();
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("sensor-vae.tvw"));

    let mut rng = seeded_rng(2024);
    // Models and optimizer states are plain f32 data: zeroed straight on the heap.
    let mut model: Box<SensorVae> = bytemuck::zeroed_box();
    model.initialize(&mut rng);
    let mut grads: Box<SensorVae> = bytemuck::zeroed_box();
    let mut state: Box<AdamState<SensorVae>> = bytemuck::zeroed_box();
    let adam = Adam::with_learning_rate(1e-2);
    let config = VaeConfig {
        likelihood: Likelihood::Gaussian { variance: 0.01 },
        beta: 1.0,
    };
    let mut held_out = vec![0.0f32; WINDOW * BATCH];
    fill_windows(&mut seeded_rng(7), &mut held_out);
    let mut data = vec![0.0f32; WINDOW * BATCH];
    let mut workspace = vec![0.0f32; SensorVae::WORKSPACE * BATCH];

    for step in 0..STEPS {
        fill_windows(&mut rng, &mut data);
        grads.fill(0.0);
        model.loss_and_gradients(&config, &data, BATCH, &mut rng, &mut workspace, &mut grads)?;
        adam.step(&mut *model, &*grads, &mut *state)?;
        if step % 250 == 0 || step + 1 == STEPS {
            let loss = model.loss(
                &config,
                &held_out,
                BATCH,
                &mut seeded_rng(8),
                &mut workspace,
            )?;
            println!(
                "step {step:>4}: −ELBO {:.2} (reconstruction {:.2}, KL {:.2})",
                loss.total, loss.reconstruction, loss.kl
            );
        }
    }

    let mut blob = vec![0u8; SensorVae::BLOB_LEN];
    let written = weights::save(&*model, &mut blob)?;
    std::fs::write(&path, &blob[..written])?;
    println!(
        "wrote {} ({written} bytes: {} weights); a device needs {} bytes of workspace per inference",
        path.display(),
        SensorVae::SCALARS,
        SensorVae::INFERENCE_WORKSPACE_BYTES_PER_SAMPLE,
    );
    Ok(())
}
