//! Typed results of the [`device`](crate::device) functions. Reports carry numbers, not
//! text: formatting them is the binary's job.

use tinyvae_core::anomaly::Detector;

use crate::agreement::Agreement;
use crate::workload::Trajectory;

/// Timing of a loop of calls, in ticks of a [`TickCounter`](crate::TickCounter).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BenchReport {
    /// Calls in the timed loop.
    pub calls: u32,
    /// Ticks for the loop of `calls` calls (including loop and timer overhead).
    pub kernel_ticks: u64,
    /// Ticks for the same loop with the call left out: the fixed overhead of the loop, of
    /// preparing its input and of reading the timer, subtracted by
    /// [`BenchReport::net_ticks`].
    pub overhead_ticks: u64,
}

impl BenchReport {
    /// Ticks spent in the calls alone: `kernel_ticks - overhead_ticks`.
    pub fn net_ticks(&self) -> u64 {
        self.kernel_ticks.saturating_sub(self.overhead_ticks)
    }

    /// Adds the calls and ticks of another loop of the same work.
    pub fn add(&mut self, other: &Self) {
        self.calls += other.calls;
        self.kernel_ticks += other.kernel_ticks;
        self.overhead_ticks += other.overhead_ticks;
    }
}

/// The VAE run on the test digits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InferenceReport {
    /// Digits run.
    pub digits: usize,
    /// Every figure of every digit against the host's.
    pub agreement: Agreement,
    /// Mean over the digits of Σ(x̂ − x)².
    pub mean_squared_error: f32,
    /// Mean over the digits of −ELBO (one ε each).
    pub mean_negative_elbo: f32,
    /// μ of the first digit.
    pub first_mean: [f32; 2],
}

/// The VAE run on the raw test digits through the blob's input transform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormalizedInferenceReport {
    /// Digits run.
    pub digits: usize,
    /// Features of the transform.
    pub features: usize,
    /// Whether the transform clamps to [0, 1].
    pub clamp: bool,
    /// Every normalized input and every figure of every digit against the host's.
    pub agreement: Agreement,
    /// Mean over the digits of Σ(x̂ − x')².
    pub mean_squared_error: f32,
    /// x'₂ and x'₃ of the first digit (pixels 0 and 1 are blank in nearly every digit).
    pub first_inputs: [f32; 2],
    /// μ of the first digit.
    pub first_mean: [f32; 2],
    /// Timing of the transform alone on one raw digit (the 64 features).
    pub transform_bench: BenchReport,
}

/// The autoencoder run on the test digits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AeInferenceReport {
    /// Digits run.
    pub digits: usize,
    /// Mean over the digits of Σ(x̂ − x)².
    pub mean_squared_error: f32,
}

/// The convolutional autoencoder run on the test digits, every value compared with the host's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConvInferenceReport {
    /// Digits run.
    pub digits: usize,
    /// Agreement with the host's figures.
    pub agreement: Agreement,
    /// Mean over the digits of Σ(x̂ − x)².
    pub mean_squared_error: f32,
    /// Mean over the digits of the cross-entropy loss.
    pub mean_loss: f32,
}

/// Timing of the convolutional autoencoder's inference, whole and layer by layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConvBench {
    /// The whole inference (encode and decode), without a stage breakdown.
    pub inference: InferenceBench,
    /// Each layer with its activation, in order: two convolutions, two dense layers, two
    /// transposed convolutions.
    pub layers: [LayerBench; 6],
    /// The 64 output sigmoids.
    pub sigmoids: BenchReport,
}

/// One layer of an inference timed on its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerBench {
    /// Its name in the report.
    pub name: &'static str,
    /// Its timing.
    pub bench: BenchReport,
    /// Its multiply-accumulates per pass.
    pub macs: u32,
}

/// Timing of an inference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InferenceBench {
    /// Timing of whole inferences.
    pub bench: BenchReport,
    /// Multiply-accumulates per inference.
    pub macs: u32,
    /// Timing of its stages one by one (the VAE's).
    pub breakdown: Option<InferenceBreakdown>,
}

/// The stages of a VAE inference timed separately (same number of calls as the whole).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InferenceBreakdown {
    /// Encoder body, 64 → 32 with ReLU (2 048 MACs).
    pub encoder_body: BenchReport,
    /// Mean and log-variance heads, 32 → 2 each (128 MACs).
    pub heads: BenchReport,
    /// Decoder layers, 2 → 32 (ReLU) → 64 logits (2 112 MACs).
    pub decoder: BenchReport,
    /// The 64 output sigmoids.
    pub sigmoids: BenchReport,
}

/// A fine-tuning run on the device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainReport {
    /// The evaluated losses, step losses and final weights' fingerprint.
    pub trajectory: Trajectory,
    /// The run against the host's.
    pub agreement: Agreement,
    /// Bytes of RAM buffers: weights copy, gradients, optimizer state, workspace, batch.
    pub buffer_bytes: usize,
    /// Of which the optimizer's state.
    pub state_bytes: usize,
    /// Timing of further steps.
    pub bench: BenchReport,
    /// Samples per step.
    pub batch: usize,
}

/// The detector run on the test digits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectReport {
    /// Digits scored.
    pub digits: usize,
    /// Every score against the host's.
    pub agreement: Agreement,
    /// Bit i set: test digit i scored above the threshold (abnormal).
    pub decisions: u32,
    /// Bit i set: test digit i is not of the normal class.
    pub abnormal_labels: u32,
    /// Timing of the scoring of one sample.
    pub bench: BenchReport,
    /// Multiply-accumulates of the reconstruction a score needs.
    pub macs: u32,
}

/// A re-calibration after fine-tuning on the device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecalibrationReport {
    /// The fine-tuning run.
    pub trajectory: Trajectory,
    /// The run, the normal scores and the threshold against the host's.
    pub agreement: Agreement,
    /// The detector with its new threshold.
    pub detector: Detector,
    /// Normal scores the threshold was set from.
    pub window: usize,
    /// Bit i set: test digit i is abnormal under the new threshold and weights.
    pub decisions: u32,
    /// Test digits decided.
    pub digits: usize,
    /// Bytes of RAM buffers.
    pub buffer_bytes: usize,
}
