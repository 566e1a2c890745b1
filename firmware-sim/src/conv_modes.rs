//! Device entry points of the convolutional autoencoder (`conv-ae-digits`): take the blob,
//! viewed in place in flash, return a typed report. Heap-free, no printing; each mode owns its
//! buffers as locals and is never inlined, so its stack high-water mark is all the RAM it needs
//! (see [`crate::device`]).

use core::hint::black_box;

use tinyvae_core::activation::sigmoid;
use tinyvae_core::optim::Sgd;
use tinyvae_core::{Error, Model, Network};

use crate::agreement::Agreement;
use crate::bench::TickCounter;
use crate::conv_workload::{self, CONV_CODE, CONV_INFERENCE_MACS, ConvAeDigits, ConvFigures};
use crate::data::TEST_DIGITS;
use crate::device::{self, INFERENCE_REPEATS, bench, digit};
use crate::error::DeviceError;
use crate::reference;
use crate::report::{
    BenchReport, ConvBench, ConvInferenceReport, InferenceBench, LayerBench, TrainReport,
};
use crate::workload::{self, FINETUNE_BATCH, PIXELS};

const PRESET: &str = "conv-ae-digits";

/// Floats of the largest layer input or output of the model (the 8×4×4 activations between
/// a convolution and a transposed convolution).
const LARGEST_LAYER: usize = 128;

/// Validates the `conv-ae-digits` blob with `weights::view` (which also checks the
/// convolutions' geometry against the model type) and returns the model in place. A blob with
/// an input transform is refused ([`DeviceError::UnexpectedTransform`]): the modes take
/// pixels / 16.
pub fn view_conv(blob: &[u8]) -> Result<&ConvAeDigits, DeviceError> {
    device::view_plain(blob, PRESET)
}

/// Mode `conv-ae-digits.inference`: for each test digit, the code, the reconstruction, Σ(x̂ −
/// x)² and the loss ([`conv_workload::conv_figures`], batch 1), every value compared with the
/// host's.
#[inline(never)]
pub fn conv_inference(model: &ConvAeDigits) -> Result<ConvInferenceReport, DeviceError> {
    const WHAT: &str = "conv-ae-digits inference";
    let mut workspace = [0.0f32; <ConvAeDigits as Model>::WORKSPACE];
    let mut agreement = Agreement::default();
    let (mut squared_error, mut loss) = (0.0f32, 0.0f32);
    for (i, raw) in TEST_DIGITS.iter().enumerate() {
        let x = workload::pixels(raw);
        let figures = conv_workload::conv_figures(model, &x, &mut workspace)
            .map_err(DeviceError::model(WHAT))?;
        let n = ConvFigures::VALUES;
        agreement.compare_all(
            i * n,
            figures.values(),
            &reference::CONV_INFERENCE[i * n..(i + 1) * n],
        );
        squared_error += figures.squared_error;
        loss += figures.loss;
    }
    agreement.check(WHAT)?;
    let digits = TEST_DIGITS.len();
    Ok(ConvInferenceReport {
        digits,
        agreement,
        mean_squared_error: squared_error / digits as f32,
        mean_loss: loss / digits as f32,
    })
}

/// Times the inference ([`conv_workload::conv_infer`], in `INFERENCE_WORKSPACE`) over the test
/// digits, [`INFERENCE_REPEATS`] times, then each of its layers ([`LAYERS`]) and its sigmoids
/// on their own, each on the inputs it sees in the inference of the same digit.
#[inline(never)]
pub fn conv_inference_bench(
    model: &ConvAeDigits,
    counter: &mut impl TickCounter,
) -> Result<ConvBench, DeviceError> {
    let calls = INFERENCE_REPEATS * TEST_DIGITS.len() as u32;
    let mut workspace = [0.0f32; ConvAeDigits::INFERENCE_WORKSPACE];
    let mut code = [0.0f32; CONV_CODE];
    let mut reconstruction = [0.0f32; PIXELS];
    let mut result = Ok(());
    let whole = bench(counter, calls, digit, |x| {
        let r = conv_workload::conv_infer(model, x, &mut workspace, &mut code, &mut reconstruction);
        if let Err(e) = r {
            result = Err(e);
        }
        black_box(&reconstruction);
    });

    // Each layer on each digit's own activations, traced once per digit: the timed loops
    // then copy nothing.
    let (encoder, decoder) = (&model.encoder, &model.decoder);
    let mut layers = [BenchReport::default(); LAYERS.len()];
    let mut sigmoids = BenchReport::default();
    let mut t = Trace::ZERO;
    for i in 0..TEST_DIGITS.len() as u32 {
        trace(model, &digit(i), &mut workspace, &mut t)
            .map_err(DeviceError::model("conv-ae-digits inference"))?;
        let ws = &mut workspace;
        let parts = [
            time_layer(counter, &encoder.first, &t.conv1, ws, &mut result),
            time_layer(counter, &encoder.second.first, &t.conv2, ws, &mut result),
            time_layer(counter, &encoder.second.second, &t.dense1, ws, &mut result),
            time_layer(counter, &decoder.first, &t.dense2, ws, &mut result),
            time_layer(counter, &decoder.second.first, &t.tconv1, ws, &mut result),
            time_layer(counter, &decoder.second.second, &t.tconv2, ws, &mut result),
        ];
        for (total, part) in layers.iter_mut().zip(&parts) {
            total.add(part);
        }
        let part = bench(
            counter,
            INFERENCE_REPEATS,
            |_| (),
            |()| {
                for (p, &l) in reconstruction.iter_mut().zip(&t.logits) {
                    *p = sigmoid(l);
                }
                black_box(&reconstruction);
            },
        );
        sigmoids.add(&part);
    }
    result.map_err(DeviceError::model("conv-ae-digits inference"))?;
    let macs = [
        macs_of(&encoder.first),
        macs_of(&encoder.second.first),
        macs_of(&encoder.second.second),
        macs_of(&decoder.first),
        macs_of(&decoder.second.first),
        macs_of(&decoder.second.second),
    ];
    Ok(ConvBench {
        inference: InferenceBench {
            bench: whole,
            macs: CONV_INFERENCE_MACS as u32,
            breakdown: None,
        },
        layers: core::array::from_fn(|l| LayerBench {
            name: LAYERS[l],
            bench: layers[l],
            macs: macs[l] as u32,
        }),
        sigmoids,
    })
}

/// The layers of `conv-ae-digits` in order, as the bench names them.
pub const LAYERS: [&str; 6] = ["conv1", "conv2", "dense1", "dense2", "tconv1", "tconv2"];

/// Times [`INFERENCE_REPEATS`] forward passes of `net` on `input` (batch 1, its activation
/// included); an error goes to `result`.
fn time_layer<N: Network>(
    counter: &mut impl TickCounter,
    net: &N,
    input: &[f32],
    workspace: &mut [f32],
    result: &mut Result<(), Error>,
) -> BenchReport {
    bench(
        counter,
        INFERENCE_REPEATS,
        |_| (),
        |()| {
            if let Err(e) = net.forward(input, workspace, 1) {
                *result = Err(e);
            }
            black_box(&workspace);
        },
    )
}

/// [`Network::MACS`] of `net`'s type.
const fn macs_of<N: Network>(_: &N) -> usize {
    N::MACS
}

/// The input of every layer of one inference, and the output logits.
struct Trace {
    conv1: [f32; PIXELS],
    conv2: [f32; LARGEST_LAYER],
    dense1: [f32; 64],
    dense2: [f32; CONV_CODE],
    tconv1: [f32; 64],
    tconv2: [f32; LARGEST_LAYER],
    logits: [f32; PIXELS],
}

impl Trace {
    /// All zeros.
    const ZERO: Self = Self {
        conv1: [0.0; PIXELS],
        conv2: [0.0; LARGEST_LAYER],
        dense1: [0.0; 64],
        dense2: [0.0; CONV_CODE],
        tconv1: [0.0; 64],
        tconv2: [0.0; LARGEST_LAYER],
        logits: [0.0; PIXELS],
    };
}

/// Runs `x` through the layers one by one, keeping each one's input in `t`; `activations`
/// holds `ConvAeDigits::INFERENCE_WORKSPACE` floats.
fn trace(
    model: &ConvAeDigits,
    x: &[f32; PIXELS],
    activations: &mut [f32],
    t: &mut Trace,
) -> Result<(), Error> {
    t.conv1 = *x;
    layer(&model.encoder.first, &t.conv1, activations, &mut t.conv2)?;
    let conv2 = &model.encoder.second.first;
    layer(conv2, &t.conv2, activations, &mut t.dense1)?;
    let dense1 = &model.encoder.second.second;
    layer(dense1, &t.dense1, activations, &mut t.dense2)?;
    layer(&model.decoder.first, &t.dense2, activations, &mut t.tconv1)?;
    let tconv1 = &model.decoder.second.first;
    layer(tconv1, &t.tconv1, activations, &mut t.tconv2)?;
    let tconv2 = &model.decoder.second.second;
    layer(tconv2, &t.tconv2, activations, &mut t.logits)?;
    Ok(())
}

/// One layer at batch 1: its output, out of `activations`, into `out`.
fn layer<N: Network>(
    net: &N,
    input: &[f32],
    activations: &mut [f32],
    out: &mut [f32],
) -> Result<(), Error> {
    net.forward(input, activations, 1)?;
    out.copy_from_slice(N::output(activations, 1)?);
    Ok(())
}

/// Buffers of [`conv_sgd`]: the weights copy, the gradients, the workspace and the batch.
pub const SGD_BUFFER_BYTES: usize = device::train_buffer_bytes::<ConvAeDigits, Sgd>();

/// Mode `conv-ae-digits.sgd`: plain SGD fine-tuning of `conv-ae-digits` in RAM, through the
/// convolutions' backward passes.
#[inline(never)]
pub fn conv_sgd(
    model: &ConvAeDigits,
    counter: &mut impl TickCounter,
) -> Result<TrainReport, DeviceError> {
    let mut workspace = [0.0f32; <ConvAeDigits as Model>::WORKSPACE * FINETUNE_BATCH];
    device::finetune(
        "conv-ae-digits sgd",
        model,
        conv_workload::CONV_SGD,
        &mut workspace,
        &reference::CONV_SGD,
        counter,
    )
}
