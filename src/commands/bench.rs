//! `tinyvae bench`: training throughput of presets on the shipped data, on one and two threads,
//! measured side by side in one run, with the peak memory of each run; then the scoring
//! throughput of each anomaly score and the latency of one sample's reconstruction, on one
//! thread.
//!
//! Each measurement runs in a child process, because the GEMM's thread count is read once per
//! process (`MATMUL_NUM_THREADS`) and peak memory is per process.

use std::process::Command;
use std::time::Instant;

use super::bench_scores::{reconstruction_latency, scoring_rates};
use super::detect::ANOMALY_IW_SAMPLES;
use super::{Failure, ModelSizes, default_spec, dispatch, load_data, print_line};
use crate::cli::BenchArgs;
use tinyvae_host::catalog::Catalog;
use tinyvae_host::presets::{Preset, PresetVisitor};
use tinyvae_host::train::model::TrainableModel;
use tinyvae_host::train::trainer::Trainer;

/// What `tinyvae bench` measures when no `--preset` is given and the catalog has them all: the
/// PyTorch examples' VAE, the device-size VAE and Keras's convolutional VAE, the three that
/// `scripts/pytorch-vae-bench.py` measures too.
const DEFAULT_PRESETS: [&str; 3] = ["vae-mnist", "vae-digits", "conv-vae-mnist"];

/// Environment variable that turns the process into one measurement.
const CHILD_VARIABLE: &str = "TINYVAE_BENCH_CHILD";

/// One measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    /// Training samples per second.
    pub samples_per_second: f64,
    /// Steps measured.
    pub steps: u64,
    /// Peak resident memory of the process, in MB.
    pub peak_memory_mb: f64,
}

/// Runs `tinyvae bench`.
pub fn bench<C: Catalog>(catalog: &C, args: BenchArgs) -> Result<(), Failure> {
    if let Ok(spec) = std::env::var(CHILD_VARIABLE) {
        return child(catalog, &spec, &args);
    }
    let presets = if !args.preset.is_empty() {
        args.preset.clone()
    } else if DEFAULT_PRESETS
        .iter()
        .all(|name| catalog.find(name).is_ok())
    {
        DEFAULT_PRESETS
            .iter()
            .map(|name| name.to_string())
            .collect()
    } else {
        vec![catalog.default_preset().name.to_string()]
    };
    let exe = std::env::current_exe()
        .map_err(|e| Failure::input(format!("cannot find own binary: {e}")))?;
    print_line(&format!(
        "{:<14} {:>7} {:>9} {:>14} {:>10} {:>9}",
        "preset", "threads", "batch", "samples/s", "vs 1 thr", "peak MB"
    ))?;
    for name in &presets {
        let preset = catalog.find(name).map_err(Failure::input)?;
        let batch = args.batch_size.unwrap_or(preset.config.batch_size);
        let mut single = None;
        for threads in [1, 2] {
            let mut command = Command::new(&exe);
            command
                .env(CHILD_VARIABLE, name)
                .env("MATMUL_NUM_THREADS", threads.to_string())
                .args([
                    "bench",
                    "--seconds",
                    &args.seconds.to_string(),
                    "--batch-size",
                    &batch.to_string(),
                ]);
            let output = command
                .output()
                .map_err(|e| Failure::input(format!("cannot run the benchmark: {e}")))?;
            if !output.status.success() {
                return Err(Failure::input(
                    String::from_utf8_lossy(&output.stderr)
                        .trim()
                        .trim_start_matches("tinyvae: ")
                        .to_string(),
                ));
            }
            let m = parse_measurement(&String::from_utf8_lossy(&output.stdout))
                .ok_or_else(|| Failure::input("the benchmark printed no measurement"))?;
            let base = *single.get_or_insert(m.samples_per_second);
            print_line(&format!(
                "{:<14} {:>7} {:>9} {:>14.0} {:>9.2}× {:>9.1}",
                name,
                threads,
                batch,
                m.samples_per_second,
                m.samples_per_second / base,
                m.peak_memory_mb
            ))?;
        }
    }
    // Scoring with one scoring thread, in this process.
    print_line(&format!(
        "\n{:<14} {:>7} {:>14}   (one thread, K = {ANOMALY_IW_SAMPLES} for elbo and iw)",
        "preset", "score", "samples/s"
    ))?;
    for name in &presets {
        let preset = catalog.find(name).map_err(Failure::input)?;
        for rate in scoring_rates(catalog, preset, args.seconds)? {
            print_line(&format!(
                "{:<14} {:>7} {:>14.0}",
                name,
                rate.kind.name(),
                rate.samples_per_second
            ))?;
        }
    }
    println!(
        "\n{:<14} {:>10} {:>10} {:>9}   (batch 1: encode to the mean code, decode; one thread)",
        "preset", "median µs", "mean µs", "samples"
    );
    for name in &presets {
        let preset = catalog.find(name).map_err(Failure::input)?;
        let latency = reconstruction_latency(catalog, preset, args.seconds)?;
        println!(
            "{:<14} {:>10.2} {:>10.2} {:>9}",
            name, latency.median_us, latency.mean_us, latency.samples
        );
    }
    Ok(())
}

fn parse_measurement(text: &str) -> Option<Measurement> {
    let value: serde_json::Value = serde_json::from_str(text.lines().last()?).ok()?;
    Some(Measurement {
        samples_per_second: value["samples_per_second"].as_f64()?,
        steps: value["steps"].as_u64()?,
        peak_memory_mb: value["peak_memory_mb"].as_f64()?,
    })
}

/// The child: trains `preset` for the given seconds after a warm-up, prints one JSON line.
fn child<C: Catalog>(catalog: &C, preset: &str, args: &BenchArgs) -> Result<(), Failure> {
    let preset = catalog.find(preset).map_err(Failure::input)?;
    let measurement = dispatch(
        catalog,
        preset,
        &preset.config,
        ChildVisitor {
            seconds: args.seconds,
            batch_size: args.batch_size,
        },
    )?;
    print_line(&format!(
        "{}",
        serde_json::json!({
            "samples_per_second": measurement.samples_per_second,
            "steps": measurement.steps,
            "peak_memory_mb": measurement.peak_memory_mb,
        })
    ))?;
    Ok(())
}

struct ChildVisitor {
    seconds: f64,
    batch_size: Option<usize>,
}

impl PresetVisitor for ChildVisitor {
    type Output = Result<Measurement, Failure>;

    fn visit<M: TrainableModel>(self, preset: &'static Preset) -> Self::Output {
        let data = load_data(&default_spec(preset)?, M::INPUTS, &ModelSizes::default())?.split;
        let mut config = preset.config;
        config.epochs = usize::MAX / 2;
        if let Some(batch) = self.batch_size {
            config.batch_size = batch;
        }
        let mut trainer =
            Trainer::<M>::initialized(config, preset.initialization).map_err(Failure::input)?;
        let step = |trainer: &mut Trainer<M>| trainer.step(&data.train).map_err(Failure::input);
        // Warm-up: caches, page faults, the GEMM's thread pool.
        for _ in 0..20 {
            step(&mut trainer)?;
        }
        let started = Instant::now();
        let (mut samples, mut steps) = (0usize, 0u64);
        while started.elapsed().as_secs_f64() < self.seconds {
            samples += step(&mut trainer)?.samples;
            steps += 1;
        }
        Ok(Measurement {
            samples_per_second: samples as f64 / started.elapsed().as_secs_f64(),
            steps,
            peak_memory_mb: peak_memory_mb().unwrap_or(f64::NAN),
        })
    }
}

/// Peak resident set size of this process (Linux `VmHWM`), in MB.
fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1000.0)
}
