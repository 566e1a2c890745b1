//! A synthetic but realistic event stream, for tests, snapshots and measuring the bytes the
//! dashboard writes: a seeded run with decaying losses, procedurally drawn digits (a ring for
//! 0, a bar for 1, strokes for the others), reconstructions that sharpen as training goes on,
//! samples, a latent scatter whose clusters tighten, and a manifold grid. The run's facts are
//! the real ones ([`RunInfo::new`] on a trainer for a preset); only the numbers that follow
//! are made up.
//!
//! Test-only: compiled for the crate's own tests and for the `synthetic` feature, which the
//! package's dev-dependency on itself turns on for its integration tests.

use std::collections::VecDeque;
use std::sync::OnceLock;

use tinyvae_core::noise::Noise;
use tinyvae_host::data::{Dataset, Split};
use tinyvae_host::presets::{AeDigits, VaeMnist2d, find_preset};
use tinyvae_host::train::config::TrainConfig;
use tinyvae_host::train::events::{
    EpochReport, Image, LatentPoint, LossParts, RunInfo, RunState, Snapshot, StepReport,
    TrainingEvent,
};
use tinyvae_host::train::model::TrainableModel;
use tinyvae_host::train::trainer::Trainer;

/// Which kind of run to imitate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A VAE with a 2-D latent on 28×28 MNIST digits: samples, scatter, manifold
    /// ([`mnist_vae_info`]).
    VaeMnist2d,
    /// A denoising plain autoencoder on 8×8 digits ([`digits_dae_info`]).
    DenoisingDigits,
}

/// A small deterministic generator (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Roughly normal with mean 0 and deviation 1 (sum of uniforms).
    pub fn normal(&mut self) -> f32 {
        (0..4)
            .map(|_| self.uniform())
            .sum::<f32>()
            .mul_add(3f32.sqrt(), -2.0 * 3f32.sqrt())
    }
}

type Stroke = &'static [(f32, f32)];

/// Polylines of each digit in a unit box (x right, y down).
fn strokes(digit: u8) -> &'static [Stroke] {
    const ZERO: [(f32, f32); 13] = [
        (0.50, 0.12),
        (0.68, 0.18),
        (0.77, 0.35),
        (0.78, 0.50),
        (0.76, 0.66),
        (0.67, 0.82),
        (0.50, 0.88),
        (0.33, 0.82),
        (0.24, 0.66),
        (0.22, 0.50),
        (0.23, 0.35),
        (0.32, 0.18),
        (0.50, 0.12),
    ];
    const UPPER_LOOP: [(f32, f32); 9] = [
        (0.50, 0.14),
        (0.66, 0.20),
        (0.68, 0.33),
        (0.62, 0.45),
        (0.50, 0.49),
        (0.38, 0.45),
        (0.32, 0.33),
        (0.34, 0.20),
        (0.50, 0.14),
    ];
    const LOWER_LOOP: [(f32, f32); 9] = [
        (0.50, 0.49),
        (0.68, 0.56),
        (0.73, 0.70),
        (0.66, 0.83),
        (0.50, 0.87),
        (0.34, 0.83),
        (0.27, 0.70),
        (0.32, 0.56),
        (0.50, 0.49),
    ];
    match digit % 10 {
        0 => &[&ZERO],
        1 => &[&[(0.40, 0.24), (0.54, 0.12), (0.54, 0.88)]],
        2 => &[&[
            (0.26, 0.28),
            (0.36, 0.16),
            (0.54, 0.12),
            (0.70, 0.22),
            (0.70, 0.40),
            (0.26, 0.86),
            (0.76, 0.86),
        ]],
        3 => &[&[
            (0.28, 0.18),
            (0.50, 0.12),
            (0.70, 0.22),
            (0.66, 0.40),
            (0.46, 0.49),
            (0.68, 0.58),
            (0.72, 0.74),
            (0.54, 0.87),
            (0.28, 0.82),
        ]],
        4 => &[&[(0.64, 0.88), (0.64, 0.12), (0.24, 0.62), (0.80, 0.62)]],
        5 => &[&[
            (0.72, 0.14),
            (0.34, 0.14),
            (0.30, 0.46),
            (0.54, 0.42),
            (0.72, 0.56),
            (0.70, 0.78),
            (0.50, 0.88),
            (0.28, 0.80),
        ]],
        6 => &[&[
            (0.66, 0.14),
            (0.42, 0.32),
            (0.30, 0.58),
            (0.34, 0.80),
            (0.50, 0.88),
            (0.68, 0.78),
            (0.68, 0.60),
            (0.52, 0.50),
            (0.32, 0.60),
        ]],
        7 => &[
            &[(0.24, 0.14), (0.76, 0.14), (0.44, 0.88)],
            &[(0.40, 0.50), (0.66, 0.50)],
        ],
        8 => &[&UPPER_LOOP, &LOWER_LOOP],
        _ => &[&UPPER_LOOP, &[(0.68, 0.33), (0.64, 0.60), (0.56, 0.88)]],
    }
}

fn segment_distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt()
}

/// A digit drawn procedurally at `width × height`, slanted by `slant` and shifted by
/// `(dx, dy)` (unit coordinates), with anti-aliased strokes.
pub fn digit(label: u8, width: usize, height: usize, slant: f32, dx: f32, dy: f32) -> Image {
    let half_width = (0.075f32).max(0.55 / width as f32);
    let soft = 1.2 / width as f32;
    let mut pixels = Vec::with_capacity(width * height);
    for row in 0..height {
        for col in 0..width {
            let y = (row as f32 + 0.5) / height as f32 - dy;
            let x = (col as f32 + 0.5) / width as f32 - dx + slant * (y - 0.5);
            let d = strokes(label)
                .iter()
                .flat_map(|s| s.windows(2))
                .map(|w| segment_distance((x, y), w[0], w[1]))
                .fold(f32::INFINITY, f32::min);
            pixels.push((1.0 - (d - half_width) / soft).clamp(0.0, 1.0));
        }
    }
    Image {
        width,
        height,
        pixels,
    }
}

/// A 3×3 box blur mixed with the image: `amount` 0 keeps it, 1 blurs fully.
pub fn blur(image: &Image, amount: f32) -> Image {
    let (w, h) = (image.width, image.height);
    let mut pixels = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let mut sum = 0.0;
            let mut n = 0.0;
            for yy in y.saturating_sub(1)..(y + 2).min(h) {
                for xx in x.saturating_sub(1)..(x + 2).min(w) {
                    sum += image.pixels[yy * w + xx];
                    n += 1.0;
                }
            }
            let v = image.pixels[y * w + x];
            pixels.push(v + (sum / n - v) * amount);
        }
    }
    Image {
        width: w,
        height: h,
        pixels,
    }
}

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

/// A seeded synthetic run, as an iterator of the events a trainer would send: `Started`, one
/// `Step` per step, an `Epoch` at the end of each epoch, a `Snapshot` at step 1 and every
/// [`SyntheticRun::snapshot_every`] steps, and `State(Done)` at the end.
#[derive(Clone, Debug)]
pub struct SyntheticRun {
    info: RunInfo,
    rng: Rng,
    step: u64,
    steps_per_epoch: u64,
    /// Steps between snapshots.
    pub snapshot_every: u64,
    /// Steps per second reported (samples/s = this × batch size, with a little jitter).
    pub steps_per_second: f32,
    /// A `Step` event every this many steps (the real worker throttles to one per 100 ms).
    pub report_every: u64,
    first_index: usize,
    started: bool,
    finished: bool,
    queue: VecDeque<TrainingEvent>,
    templates: Vec<Image>,
}

impl SyntheticRun {
    /// A run of this kind from a seed.
    pub fn new(kind: Kind, seed: u64) -> Self {
        let info = match kind {
            Kind::VaeMnist2d => mnist_vae_info(),
            Kind::DenoisingDigits => digits_dae_info(),
        };
        let steps_per_epoch = (info.train_samples.div_ceil(info.batch_size)) as u64;
        let templates = (0..10)
            .map(|l| digit(l, info.image_width, info.image_height, 0.0, 0.0, 0.0))
            .collect();
        Self {
            info,
            rng: Rng::new(seed),
            step: 0,
            steps_per_epoch,
            snapshot_every: 1000,
            steps_per_second: 1000.0,
            report_every: 1,
            first_index: 0,
            started: false,
            finished: false,
            queue: VecDeque::new(),
            templates,
        }
    }

    /// Changes the length of the run (before it starts).
    pub fn set_epochs(&mut self, epochs: usize) {
        self.info.epochs = epochs;
        self.info.total_steps = self.steps_per_epoch * epochs as u64;
    }

    /// The facts of the run.
    pub fn info(&self) -> &RunInfo {
        &self.info
    }

    /// Steps taken so far.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// Training progress in [0, 1].
    fn progress(&self) -> f32 {
        (self.step as f32 / self.info.total_steps.max(1) as f32).min(1.0)
    }

    fn loss_at(&mut self, step: u64, noise: f32) -> LossParts {
        let t = step as f32;
        let n = self.rng.normal() * noise;
        if self.info.is_variational {
            let kl = 6.5 - 4.5 * (-t / 600.0).exp() + n * 0.1;
            let reconstruction = 138.0 + 400.0 * (-t / 250.0).exp() + 60.0 * (-t / 3000.0).exp();
            let reconstruction = reconstruction * (1.0 + 0.03 * n);
            LossParts {
                total: reconstruction + kl,
                reconstruction,
                kl,
            }
        } else {
            let total = (0.018 + 0.09 * (-t / 200.0).exp()) * (1.0 + 0.05 * n);
            LossParts {
                total,
                reconstruction: total,
                kl: 0.0,
            }
        }
    }

    /// A snapshot of the model at the current step.
    pub fn snapshot(&mut self) -> Snapshot {
        let q = self.progress();
        let (w, h) = (self.info.image_width, self.info.image_height);
        let count = 8;
        let mut originals = Vec::with_capacity(count);
        for i in 0..count {
            let index = self.first_index + i;
            // A fixed style per test index, so moving back shows the same digits.
            let mut style = Rng::new(index as u64);
            let label = (index * 7 % 10) as u8;
            let slant = (style.uniform() - 0.5) * 0.5;
            let dx = (style.uniform() - 0.5) * 0.08;
            let dy = (style.uniform() - 0.5) * 0.06;
            originals.push(digit(label, w, h, slant, dx, dy));
        }
        let corrupted: Vec<Image> = if self.info.is_denoising {
            originals
                .iter()
                .map(|o| Image {
                    pixels: o
                        .pixels
                        .iter()
                        .map(|&v| (v + self.rng.normal() * 0.3).clamp(0.0, 1.0))
                        .collect(),
                    ..o.clone()
                })
                .collect()
        } else {
            Vec::new()
        };
        let reconstructions = originals
            .iter()
            .map(|o| {
                let mut r = blur(&blur(o, 1.0 - q * 0.8), 1.0 - q);
                for v in &mut r.pixels {
                    *v = (*v * (0.7 + 0.3 * q) + self.rng.normal() * 0.04 * (1.0 - q))
                        .clamp(0.0, 1.0);
                }
                r
            })
            .collect();
        let (mut samples, mut latent, mut manifold, mut manifold_size) =
            (Vec::new(), Vec::new(), Vec::new(), 0);
        if self.info.is_variational {
            samples = (0..16)
                .map(|_| {
                    let label = (self.rng.next_u64() % 10) as u8;
                    let slant = (self.rng.uniform() - 0.5) * 0.6;
                    let d = digit(label, w, h, slant, 0.0, 0.0);
                    blur(&d, 1.0 - 0.6 * q)
                })
                .collect();
            let spread = 0.9 - 0.5 * q;
            latent = (0..500)
                .map(|i| {
                    let label = (i % 10) as u8;
                    let (cx, cy) = center(label);
                    LatentPoint {
                        x: cx + self.rng.normal() * spread * 0.5,
                        y: cy + self.rng.normal() * spread * 0.5,
                        label,
                    }
                })
                .collect();
            manifold_size = 10;
            for r in 0..10 {
                for c in 0..10 {
                    let z = (c as f32 / 9.0 * 4.0 - 2.0, 2.0 - r as f32 / 9.0 * 4.0);
                    manifold.push(self.decode(z));
                }
            }
        }
        Snapshot {
            step: self.step,
            first_index: self.first_index,
            originals,
            corrupted,
            reconstructions,
            samples,
            latent,
            latent_axes: "z1/z2".to_string(),
            manifold,
            manifold_size,
        }
    }

    /// A blend of the digit templates weighted by closeness of `z` to their cluster centres.
    fn decode(&self, z: (f32, f32)) -> Image {
        let weights: Vec<f32> = (0..10u8)
            .map(|l| {
                let (cx, cy) = center(l);
                (-((z.0 - cx).powi(2) + (z.1 - cy).powi(2)) * 3.0).exp()
            })
            .collect();
        let total: f32 = weights.iter().sum::<f32>().max(1e-12);
        let first = &self.templates[0];
        let mut pixels = vec![0.0; first.pixels.len()];
        for (template, weight) in self.templates.iter().zip(&weights) {
            for (p, v) in pixels.iter_mut().zip(&template.pixels) {
                *p += v * weight / total;
            }
        }
        Image {
            width: first.width,
            height: first.height,
            pixels,
        }
    }

    /// The snapshot as an event.
    pub fn snapshot_event(&mut self) -> TrainingEvent {
        TrainingEvent::Snapshot(Box::new(self.snapshot()))
    }

    /// Moves the digits shown by `by` test indices (as the trainer does on `MoveDigits`).
    pub fn move_digits(&mut self, by: isize) {
        self.first_index = self.first_index.saturating_add_signed(by);
    }

    fn advance(&mut self) {
        if !self.started {
            self.started = true;
            self.queue
                .push_back(TrainingEvent::Started(self.info.clone()));
            return;
        }
        if self.step >= self.info.total_steps {
            if !self.finished {
                self.finished = true;
                self.queue.push_back(TrainingEvent::state(RunState::Done));
            }
            return;
        }
        self.step += 1;
        let step = self.step;
        let epoch = ((step - 1) / self.steps_per_epoch + 1) as usize;
        let loss = self.loss_at(step, 1.0);
        let jitter = 1.0 + 0.02 * self.rng.normal();
        let beta = if self.info.is_variational {
            (step as f32 / (2 * self.steps_per_epoch) as f32).min(1.0)
        } else {
            0.0
        };
        if step.is_multiple_of(self.report_every.max(1)) || step == self.info.total_steps {
            self.queue.push_back(TrainingEvent::Step(StepReport {
                step,
                epoch,
                loss,
                samples_per_second: self.steps_per_second * self.info.batch_size as f32 * jitter,
                learning_rate: 1e-3,
                beta,
            }));
        }
        if step.is_multiple_of(self.steps_per_epoch) || step == self.info.total_steps {
            let mid = step.saturating_sub(self.steps_per_epoch / 2);
            let train = self.loss_at(mid, 0.1);
            let mut test = self.loss_at(step, 0.1);
            test.total = test.total * 1.01 + 0.1 * epoch as f32 * test.total / 140.0;
            self.queue
                .push_back(TrainingEvent::Epoch(EpochReport { epoch, train, test }));
        }
        if step == 1 || step.is_multiple_of(self.snapshot_every.max(1)) {
            let snapshot = self.snapshot_event();
            self.queue.push_back(snapshot);
        }
    }
}

/// Where digit `label`'s codes cluster in the synthetic 2-D latent.
fn center(label: u8) -> (f32, f32) {
    let angle = f32::from(label) / 10.0 * std::f32::consts::TAU;
    (1.5 * angle.cos(), 1.5 * angle.sin())
}

impl Iterator for SyntheticRun {
    type Item = TrainingEvent;

    fn next(&mut self) -> Option<TrainingEvent> {
        while self.queue.is_empty() {
            if self.finished {
                return None;
            }
            self.advance();
        }
        self.queue.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_reports_every_step_and_ends() {
        let run = SyntheticRun::new(Kind::DenoisingDigits, 3);
        let total = run.info().total_steps;
        let events: Vec<TrainingEvent> = run.collect();
        let steps = events
            .iter()
            .filter(|e| matches!(e, TrainingEvent::Step(_)))
            .count() as u64;
        assert_eq!(steps, total);
        assert!(matches!(events.first(), Some(TrainingEvent::Started(_))));
        assert_eq!(events.last(), Some(&TrainingEvent::state(RunState::Done)));
        let epochs = events
            .iter()
            .filter(|e| matches!(e, TrainingEvent::Epoch(_)))
            .count();
        assert_eq!(epochs, 50);
    }

    #[test]
    fn digits_look_like_digits() {
        let zero = digit(0, 8, 8, 0.0, 0.0, 0.0);
        // A ring: dark centre, bright edge.
        assert!(zero.pixels[3 * 8 + 3] < 0.2);
        assert!(zero.pixels[8 + 3] > 0.5 || zero.pixels[3] > 0.5);
        let one = digit(1, 28, 28, 0.0, 0.0, 0.0);
        assert!(one.pixels[14 * 28 + 15] > 0.9);
        assert!(one.pixels[14 * 28 + 5] < 0.01);
    }
}
