//! Device entry points: take the weights (viewed in place in flash), return a typed report.
//! Heap-free, no printing.
//!
//! Each `*_inference` / `*_sgd` / `*_adam` function is one *mode* of the memory matrix: it
//! owns every buffer it needs as a local, so the stack high-water mark measured around it is
//! all the RAM the mode needs. They are never inlined, so their frames stay their own.

use core::hint::black_box;
use core::mem::size_of;

use bytemuck::Zeroable;
use tinyvae_core::optim::{Adam, Sgd};
use tinyvae_core::weights::{self, InputTransformView, WeightsView};
use tinyvae_core::{Model, Network, seeded_rng};

use crate::agreement::Agreement;
use crate::bench::TickCounter;
use crate::data::TEST_DIGITS;
use crate::error::DeviceError;
use crate::reference::{self, TrajectoryBits};
use crate::report::{
    AeInferenceReport, BenchReport, InferenceBench, InferenceBreakdown, InferenceReport,
    NormalizedInferenceReport, TrainReport,
};
use crate::workload::{
    self, AE_CODE, AE_INFERENCE_MACS, AeDigits, FINETUNE_BATCH, NormalizedFigures, PIXELS,
    Trainable, Training, Update, VAE_INFERENCE_MACS, VaeDigits, VaeFigures,
};

/// Passes over the test digits in the inference timing loops.
pub const INFERENCE_REPEATS: u32 = 4;
/// Extra steps timed after a fine-tuning run.
pub const TIMED_STEPS: u32 = 4;

/// Validates a `vae-digits` blob with `weights::view` and returns the model in place, with the
/// blob's input transform if it carries one: then [`vae_normalized_inference`] is how the
/// model sees the digits.
pub fn view_vae(blob: &[u8]) -> Result<WeightsView<'_, VaeDigits>, DeviceError> {
    weights::view(blob).map_err(|error| DeviceError::Blob {
        preset: "vae-digits",
        error,
    })
}

/// Validates an `ae-digits` blob with `weights::view` and returns the model in place. Its modes
/// take pixels / 16, so a blob with an input transform is refused
/// ([`DeviceError::UnexpectedTransform`]) rather than run on inputs it was not trained on.
pub fn view_ae(blob: &[u8]) -> Result<&AeDigits, DeviceError> {
    view_plain(blob, "ae-digits")
}

/// Validates a blob of `preset` with `weights::view` and returns the model in place, refusing
/// a blob with an input transform ([`DeviceError::UnexpectedTransform`]): the modes of every
/// preset but `vae-digits` take pixels / 16.
pub(crate) fn view_plain<'a, M: Model>(
    blob: &'a [u8],
    preset: &'static str,
) -> Result<&'a M, DeviceError> {
    let view = weights::view::<M>(blob).map_err(|error| DeviceError::Blob { preset, error })?;
    match view.transform {
        None => Ok(view.model),
        Some(_) => Err(DeviceError::UnexpectedTransform { preset }),
    }
}

/// Test digit `i` (modulo the table) as model input.
pub(crate) fn digit(i: u32) -> [f32; PIXELS] {
    workload::pixels(&TEST_DIGITS[i as usize % TEST_DIGITS.len()])
}

/// Times `calls` calls of `work(prepare(i))` against the same loop with `work` left out.
pub(crate) fn bench<T>(
    counter: &mut impl TickCounter,
    calls: u32,
    mut prepare: impl FnMut(u32) -> T,
    mut work: impl FnMut(&T),
) -> BenchReport {
    let start = counter.ticks();
    for i in 0..calls {
        black_box(prepare(i));
    }
    let mid = counter.ticks();
    for i in 0..calls {
        let input = black_box(prepare(i));
        work(&input);
        black_box(&input);
    }
    let end = counter.ticks();
    BenchReport {
        calls,
        kernel_ticks: end.saturating_sub(mid),
        overhead_ticks: mid.saturating_sub(start),
    }
}

/// Mode `vae-digits.inference`: for each test digit, encodes to q(z|x), decodes μ, computes
/// Σ(x̂ − x)² and −ELBO (ε from `seeded_rng(ELBO_SEED)`, batch 1), and compares every value
/// with the host's.
#[inline(never)]
pub fn vae_inference(model: &VaeDigits) -> Result<InferenceReport, DeviceError> {
    const WHAT: &str = "vae-digits inference";
    let mut workspace = [0.0f32; VaeDigits::WORKSPACE_FLOATS];
    let mut rng = seeded_rng(workload::ELBO_SEED);
    let mut agreement = Agreement::default();
    let (mut squared_error, mut elbo) = (0.0f32, 0.0f32);
    let mut first_mean = [0.0; 2];
    for (i, raw) in TEST_DIGITS.iter().enumerate() {
        let x = workload::pixels(raw);
        let figures = workload::vae_figures(model, &x, &mut rng, &mut workspace)
            .map_err(DeviceError::model(WHAT))?;
        let n = VaeFigures::VALUES;
        agreement.compare_all(
            i * n,
            figures.values(),
            &reference::VAE_INFERENCE[i * n..(i + 1) * n],
        );
        squared_error += figures.squared_error;
        elbo += figures.negative_elbo.total;
        if i == 0 {
            first_mean = figures.mean;
        }
    }
    agreement.check(WHAT)?;
    let digits = TEST_DIGITS.len();
    Ok(InferenceReport {
        digits,
        agreement,
        mean_squared_error: squared_error / digits as f32,
        mean_negative_elbo: elbo / digits as f32,
        first_mean,
    })
}

/// Mode `vae-digits.normalized_inference`, for a blob with an input transform: for each test
/// digit, its raw pixels (0 to 16, [`workload::raw_pixels`]) through the blob's transform, read
/// in place from flash and applied in place on the input, then q(z|x') and x̂ = decode(μ)
/// ([`workload::vae_normalized_figures`]). Every normalized input and every figure is compared
/// with the host's, which normalized the same raw pixels with its own `InputTransform`. Then
/// times the transform alone.
#[inline(never)]
pub fn vae_normalized_inference(
    model: &VaeDigits,
    transform: &InputTransformView<'_>,
    counter: &mut impl TickCounter,
) -> Result<NormalizedInferenceReport, DeviceError> {
    const WHAT: &str = "vae-digits normalized inference";
    let mut workspace = [0.0f32; VaeDigits::WORKSPACE_FLOATS];
    let mut agreement = Agreement::default();
    let mut squared_error = 0.0f32;
    let (mut first_inputs, mut first_mean) = ([0.0; 2], [0.0; 2]);
    for (i, raw) in TEST_DIGITS.iter().enumerate() {
        let mut input = workload::raw_pixels(raw);
        transform
            .apply(&mut input)
            .map_err(DeviceError::model(WHAT))?;
        let figures = workload::vae_normalized_figures(model, &input, &mut workspace)
            .map_err(DeviceError::model(WHAT))?;
        let n = NormalizedFigures::VALUES;
        agreement.compare_all(
            i * n,
            figures.values(),
            reference::VAE_STANDARDIZED_INFERENCE
                .get(i * n..(i + 1) * n)
                .unwrap_or_default(),
        );
        squared_error += figures.squared_error;
        if i == 0 {
            first_inputs = [input[2], input[3]];
            first_mean = figures.mean;
        }
    }
    agreement.check(WHAT)?;
    let mut result = Ok(());
    let transform_bench = bench(
        counter,
        INFERENCE_REPEATS * TEST_DIGITS.len() as u32,
        |i| workload::raw_pixels(&TEST_DIGITS[i as usize % TEST_DIGITS.len()]),
        |raw| {
            let mut input = *raw;
            if let Err(e) = transform.apply(&mut input) {
                result = Err(e);
            }
            black_box(&input);
        },
    );
    result.map_err(DeviceError::model(WHAT))?;
    let digits = TEST_DIGITS.len();
    Ok(NormalizedInferenceReport {
        digits,
        features: transform.features(),
        clamp: transform.clamp(),
        agreement,
        mean_squared_error: squared_error / digits as f32,
        first_inputs,
        first_mean,
        transform_bench,
    })
}

/// Times the VAE inference ([`workload::vae_infer`]: encode to q(z|x), decode μ) over the
/// test digits, [`INFERENCE_REPEATS`] times, then its stages one by one.
#[inline(never)]
pub fn vae_inference_bench(
    model: &VaeDigits,
    counter: &mut impl TickCounter,
) -> Result<InferenceBench, DeviceError> {
    let calls = INFERENCE_REPEATS * TEST_DIGITS.len() as u32;
    let mut workspace = [0.0f32; VaeDigits::WORKSPACE_FLOATS];
    let mut result = Ok(());
    let mut out = VaeFigures::ZERO;
    let whole = bench(counter, calls, digit, |x| {
        if let Err(e) = workload::vae_infer(model, x, &mut workspace, &mut out) {
            result = Err(e);
        }
        black_box(&out);
    });
    let breakdown = vae_breakdown(model, counter, calls, &mut result);
    result.map_err(DeviceError::model("vae-digits inference"))?;
    Ok(InferenceBench {
        bench: whole,
        macs: VAE_INFERENCE_MACS as u32,
        breakdown: Some(breakdown),
    })
}

/// Times the stages of a VAE inference one by one, through the core's public layers: the
/// encoder body (64 → 32, ReLU: [`workload::DENSE_64X32_MACS`]), the two heads (32 → 2 each),
/// the decoder (2 → 32 → 64) and the 64 output sigmoids. What the whole inference costs
/// beyond their sum is the core's argument and finiteness checks.
fn vae_breakdown(
    model: &VaeDigits,
    counter: &mut impl TickCounter,
    calls: u32,
    result: &mut Result<(), tinyvae_core::Error>,
) -> InferenceBreakdown {
    let mut hidden = [0.0f32; 32];
    let mut head = [0.0f32; 2];
    let mut decoder = [0.0f32; 32 + PIXELS];
    let mut note = |r: Result<(), tinyvae_core::Error>| {
        if let Err(e) = r {
            *result = Err(e);
        }
    };
    let encoder_body = bench(counter, calls, digit, |x| {
        note(model.encoder.forward(x, &mut hidden, 1));
        black_box(&hidden);
    });
    let hidden_of = |i| {
        let mut h = [0.0f32; 32];
        let _ = model.encoder.forward(&digit(i), &mut h, 1);
        h
    };
    let heads = bench(counter, calls, hidden_of, |h| {
        note(model.mean_head.forward(h, &mut head, 1));
        note(model.log_variance_head.forward(h, &mut head, 1));
        black_box(&head);
    });
    let code_of = |i: u32| {
        [
            f32::from(i as u8 % 7) * 0.5 - 1.5,
            0.25 - f32::from(i as u8 % 5) * 0.5,
        ]
    };
    let decoder_layers = bench(counter, calls, code_of, |z| {
        note(model.decoder.forward(z, &mut decoder, 1));
        black_box(&decoder);
    });
    let logits_of = |i| {
        let mut a = [0.0f32; 32 + PIXELS];
        let _ = model.decoder.forward(&code_of(i), &mut a, 1);
        a
    };
    let mut probabilities = [0.0f32; PIXELS];
    let sigmoids = bench(counter, calls, logits_of, |a| {
        for (p, &l) in probabilities.iter_mut().zip(&a[32..]) {
            *p = tinyvae_core::activation::sigmoid(l);
        }
        black_box(&probabilities);
    });
    InferenceBreakdown {
        encoder_body,
        heads,
        decoder: decoder_layers,
        sigmoids,
    }
}

/// Mode `ae-digits.inference`: encodes and decodes each test digit.
#[inline(never)]
pub fn ae_inference(model: &AeDigits) -> Result<AeInferenceReport, DeviceError> {
    const WHAT: &str = "ae-digits inference";
    let mut workspace = [0.0f32; <AeDigits as Model>::WORKSPACE];
    let mut code = [0.0f32; AE_CODE];
    let mut reconstruction = [0.0f32; PIXELS];
    let mut squared_error = 0.0f32;
    for raw in &TEST_DIGITS {
        let x = workload::pixels(raw);
        workload::ae_infer(model, &x, &mut workspace, &mut code, &mut reconstruction)
            .map_err(DeviceError::model(WHAT))?;
        squared_error += workload::squared_error(&reconstruction, &x);
    }
    if !squared_error.is_finite() {
        return Err(DeviceError::Model {
            what: WHAT,
            error: tinyvae_core::Error::NonFinite,
        });
    }
    Ok(AeInferenceReport {
        digits: TEST_DIGITS.len(),
        mean_squared_error: squared_error / TEST_DIGITS.len() as f32,
    })
}

/// Times the autoencoder inference ([`workload::ae_infer`]) over the test digits.
#[inline(never)]
pub fn ae_inference_bench(
    model: &AeDigits,
    counter: &mut impl TickCounter,
) -> Result<InferenceBench, DeviceError> {
    let calls = INFERENCE_REPEATS * TEST_DIGITS.len() as u32;
    let mut workspace = [0.0f32; <AeDigits as Model>::WORKSPACE];
    let mut code = [0.0f32; AE_CODE];
    let mut reconstruction = [0.0f32; PIXELS];
    let mut result = Ok(());
    let whole = bench(counter, calls, digit, |x| {
        if let Err(e) = workload::ae_infer(model, x, &mut workspace, &mut code, &mut reconstruction)
        {
            result = Err(e);
        }
        black_box(&reconstruction);
    });
    result.map_err(DeviceError::model("ae-digits inference"))?;
    Ok(InferenceBench {
        bench: whole,
        macs: AE_INFERENCE_MACS as u32,
        breakdown: None,
    })
}

/// RAM a fine-tuning mode of model `M` with update `U` allocates as buffers: the weights
/// copy, the gradients, the optimizer state, the workspace and the batch.
pub const fn train_buffer_bytes<M: Model, U: Update<M>>() -> usize {
    2 * size_of::<M>()
        + size_of::<U::State>()
        + size_of::<f32>() * (M::WORKSPACE + PIXELS) * FINETUNE_BATCH
}

/// Fine-tunes a RAM copy of `model` ([`workload::FINETUNE_STEPS`] steps on the first
/// [`FINETUNE_BATCH`] test digits), compares the run with the host's, checks that the loss
/// went down, then times [`TIMED_STEPS`] more steps.
pub(crate) fn finetune<M: Trainable, U: Update<M> + Copy>(
    what: &'static str,
    model: &M,
    update: U,
    workspace: &mut [f32],
    reference: &TrajectoryBits,
    counter: &mut impl TickCounter,
) -> Result<TrainReport, DeviceError> {
    let mut params = *model;
    let mut grads = M::zeroed();
    let mut state = U::State::zeroed();
    let data = workload::finetune_batch(&TEST_DIGITS);
    let mut training = Training {
        params: &mut params,
        grads: &mut grads,
        state: &mut state,
        workspace,
        update,
    };
    let trajectory = training
        .run(&data, FINETUNE_BATCH)
        .map_err(DeviceError::model(what))?;

    let mut agreement = Agreement::default();
    agreement.compare_all(0, trajectory.evaluations, &reference.evaluations);
    agreement.compare_all(
        trajectory.evaluations.len(),
        trajectory.step_losses,
        &reference.step_losses,
    );
    // The fingerprint covers every weight: compare its bits as one more value.
    agreement.compare(
        trajectory.evaluations.len() + trajectory.step_losses.len(),
        f32::from_bits(trajectory.fingerprint),
        reference.fingerprint,
    );
    agreement.check(what)?;
    let (first, last) = (
        trajectory.evaluations[0],
        trajectory.evaluations[trajectory.evaluations.len() - 1],
    );
    if last >= first || last.is_nan() {
        return Err(DeviceError::NotLearning { what, first, last });
    }

    let mut rng = seeded_rng(workload::TRAIN_SEED);
    let mut result = Ok(0.0);
    let bench = bench(
        counter,
        TIMED_STEPS,
        |_| (),
        |()| {
            result = training.step(&data, FINETUNE_BATCH, &mut rng);
        },
    );
    result.map_err(DeviceError::model(what))?;
    Ok(TrainReport {
        trajectory,
        agreement,
        buffer_bytes: train_buffer_bytes::<M, U>(),
        state_bytes: size_of::<U::State>(),
        bench,
        batch: FINETUNE_BATCH,
    })
}

/// Mode `vae-digits.sgd`: plain SGD fine-tuning of `vae-digits` in RAM.
#[inline(never)]
pub fn vae_sgd(
    model: &VaeDigits,
    counter: &mut impl TickCounter,
) -> Result<TrainReport, DeviceError> {
    let mut workspace = [0.0f32; VaeDigits::WORKSPACE_FLOATS * FINETUNE_BATCH];
    finetune(
        "vae-digits sgd",
        model,
        workload::SGD,
        &mut workspace,
        &reference::VAE_SGD,
        counter,
    )
}

/// Mode `vae-digits.adam`: Adam fine-tuning of `vae-digits` in RAM (needs
/// [`train_buffer_bytes`] of buffers: more than a 64 KiB device has).
#[inline(never)]
pub fn vae_adam(
    model: &VaeDigits,
    counter: &mut impl TickCounter,
) -> Result<TrainReport, DeviceError> {
    let mut workspace = [0.0f32; VaeDigits::WORKSPACE_FLOATS * FINETUNE_BATCH];
    finetune(
        "vae-digits adam",
        model,
        workload::ADAM,
        &mut workspace,
        &reference::VAE_ADAM,
        counter,
    )
}

/// Mode `ae-digits.sgd`: plain SGD fine-tuning of `ae-digits` in RAM.
#[inline(never)]
pub fn ae_sgd(
    model: &AeDigits,
    counter: &mut impl TickCounter,
) -> Result<TrainReport, DeviceError> {
    let mut workspace = [0.0f32; <AeDigits as Model>::WORKSPACE * FINETUNE_BATCH];
    finetune(
        "ae-digits sgd",
        model,
        workload::SGD,
        &mut workspace,
        &reference::AE_SGD,
        counter,
    )
}

/// Mode `ae-digits.adam`: Adam fine-tuning of `ae-digits` in RAM.
#[inline(never)]
pub fn ae_adam(
    model: &AeDigits,
    counter: &mut impl TickCounter,
) -> Result<TrainReport, DeviceError> {
    let mut workspace = [0.0f32; <AeDigits as Model>::WORKSPACE * FINETUNE_BATCH];
    finetune(
        "ae-digits adam",
        model,
        workload::ADAM,
        &mut workspace,
        &reference::AE_ADAM,
        counter,
    )
}

/// Buffer bytes of each training mode, for fit checks before running one.
pub mod buffers {
    use super::*;

    /// `vae-digits.sgd`.
    pub const VAE_SGD: usize = train_buffer_bytes::<VaeDigits, Sgd>();
    /// `vae-digits.adam`.
    pub const VAE_ADAM: usize = train_buffer_bytes::<VaeDigits, Adam>();
    /// `ae-digits.sgd`.
    pub const AE_SGD: usize = train_buffer_bytes::<AeDigits, Sgd>();
    /// `ae-digits.adam`.
    pub const AE_ADAM: usize = train_buffer_bytes::<AeDigits, Adam>();
}
