//! A seeded synthetic run: the events a trainer would send, with losses that decay,
//! reconstructions that sharpen, and latent clusters that tighten as it goes.

use std::collections::VecDeque;

use super::drawing::{Rng, blur, digit};
use super::info::{digits_dae_info, mnist_vae_info};
use tinyvae_host::train::events::{
    EpochReport, Image, LatentPoint, LossParts, RunInfo, RunState, Snapshot, StepReport,
    TrainingEvent,
};

/// Which kind of run to imitate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A VAE with a 2-D latent on 28×28 MNIST digits: samples, scatter, manifold
    /// ([`mnist_vae_info`]).
    VaeMnist2d,
    /// A denoising plain autoencoder on 8×8 digits ([`digits_dae_info`]).
    DenoisingDigits,
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
        let reconstructions: Vec<Image> = originals
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
                        label: Some(label),
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
        // The linear baseline: a blur that does not sharpen with training.
        let pca_reconstructions: Vec<Image> = originals
            .iter()
            .map(|o| blur(&blur(&blur(o, 1.0), 1.0), 1.0))
            .collect();
        let squared_error = |rebuilt: &[Image]| {
            let sum: f32 = rebuilt
                .iter()
                .zip(&originals)
                .flat_map(|(r, o)| r.pixels.iter().zip(&o.pixels))
                .map(|(a, b)| (a - b) * (a - b))
                .sum();
            sum / originals.len().max(1) as f32
        };
        let (model_squared_error, pca_squared_error) = (
            squared_error(&reconstructions),
            squared_error(&pca_reconstructions),
        );
        // The path between the first and last reconstruction, blended pixel by pixel.
        let interpolation = match (reconstructions.first(), reconstructions.last()) {
            (Some(a), Some(b)) if reconstructions.len() > 1 => (0..10)
                .map(|step| {
                    let t = step as f32 / 9.0;
                    Image {
                        pixels: a
                            .pixels
                            .iter()
                            .zip(&b.pixels)
                            .map(|(x, y)| (1.0 - t) * x + t * y)
                            .collect(),
                        ..a.clone()
                    }
                })
                .collect(),
            _ => Vec::new(),
        };
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
            interpolation,
            pca_reconstructions,
            model_squared_error,
            pca_squared_error,
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
}
