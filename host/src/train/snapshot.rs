//! Pictures of what a model does now: reconstructions, prior samples, latent codes, manifold.

use rand::SeedableRng;
use tinyvae_core::noise::{Noise, corrupt};
use tinyvae_core::{Error, SeededRng};

use tinyvae_core::interpolation::interpolation_point;

use super::events::{Image, LatentPoint, Snapshot};
use super::model::TrainableModel;
use crate::data::Dataset;
use crate::eval::Pca;

/// What to draw.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SnapshotRequest {
    /// Index of the first test digit shown.
    pub first_index: usize,
    /// Test digits shown.
    pub digits: usize,
    /// Prior samples drawn (variational models).
    pub samples: usize,
    /// Test codes in the latent scatter.
    pub latent_points: usize,
    /// Images per side of the manifold (2-D variational models; 0 for none).
    pub manifold_size: usize,
    /// Seed of the draws (noise, prior samples), changed to resample.
    pub seed: u64,
    /// Points decoded between the codes of the first and last digit shown (0: none).
    pub interpolation_steps: usize,
}

/// Draws a snapshot of `model` on the test set, beside the PCA `baseline` if one is given. Reconstructions, samples and the manifold are
/// decoded as `config`'s loss or likelihood reads the decoder (σ(ℓ), or ℓ on a linear output),
/// so they are in the data's own units.
pub fn take_snapshot<M: TrainableModel>(
    model: &M,
    config: &M::Config,
    noise: Noise,
    test: &Dataset,
    request: &SnapshotRequest,
    baseline: Option<&Pca>,
    step: u64,
) -> Result<Snapshot, Error> {
    let (width, height) = (test.width(), test.height());
    let image = |pixels: &[f32]| Image {
        width,
        height,
        pixels: pixels.to_vec(),
    };
    let pixels = M::INPUTS;
    let count = request.digits.min(test.len());
    let first = if test.len() > count {
        request.first_index % (test.len() - count + 1)
    } else {
        0
    };
    let originals = &test.images()[first * pixels..(first + count) * pixels];
    let mut rng = SeededRng::seed_from_u64(request.seed);
    let largest = count
        .max(request.samples)
        .max(request.latent_points)
        .max(request.manifold_size.pow(2))
        .max(request.interpolation_steps);
    let mut workspace = vec![0.0; M::WORKSPACE * largest.max(1)];

    let mut corrupted = Vec::new();
    let mut shown_inputs = originals.to_vec();
    if noise != Noise::None {
        corrupt(&noise, originals, &mut shown_inputs, &mut rng)?;
        corrupted = shown_inputs.chunks(pixels).map(image).collect();
    }
    let mut reconstructions = vec![0.0; originals.len()];
    if count > 0 {
        model.reconstruct_with(
            config,
            &shown_inputs,
            &mut reconstructions,
            count,
            &mut workspace,
        )?;
    }
    let model_squared_error = mean_squared_error(&reconstructions, originals, count);
    let (pca_reconstructions, pca_squared_error) = match baseline {
        Some(pca) if pca.dim() == pixels && count > 0 => {
            let mut rebuilt = vec![0.0; originals.len()];
            for (x, out) in originals.chunks(pixels).zip(rebuilt.chunks_mut(pixels)) {
                pca.reconstruct(x, out).map_err(|_| Error::NonFinite)?;
            }
            let error = mean_squared_error(&rebuilt, originals, count);
            (rebuilt.chunks(pixels).map(image).collect(), error)
        }
        _ => (Vec::new(), f32::NAN),
    };
    let interpolation = if count >= 2 && request.interpolation_steps >= 2 {
        let ends = [
            &originals[..pixels],
            &originals[(count - 1) * pixels..count * pixels],
        ];
        interpolate(
            model,
            config,
            ends,
            request.interpolation_steps,
            &mut workspace,
        )?
        .chunks(pixels)
        .map(image)
        .collect()
    } else {
        Vec::new()
    };

    let mut samples = Vec::new();
    let mut latent = Vec::new();
    let mut latent_axes = String::new();
    let mut manifold = Vec::new();
    let mut manifold_size = 0;
    if M::IS_VARIATIONAL {
        let mut decoded = vec![0.0; request.samples * pixels];
        if request.samples > 0 {
            model.sample_prior(
                config,
                &mut rng,
                &mut decoded,
                request.samples,
                &mut workspace,
            )?;
        }
        samples = decoded.chunks(pixels).map(image).collect();
    }
    let points = request.latent_points.min(test.len());
    if points > 0 && M::LATENT >= 2 {
        let mut codes = vec![0.0; points * M::LATENT];
        model.encode(
            &test.images()[..points * pixels],
            &mut codes,
            points,
            &mut workspace,
        )?;
        let (xs, ys, axes) = project_to_plane(&codes, M::LATENT);
        latent_axes = axes;
        latent = (0..points)
            .map(|i| LatentPoint {
                x: xs[i],
                y: ys[i],
                label: test.label(i),
            })
            .collect();
    }
    if M::IS_VARIATIONAL && M::LATENT == 2 && request.manifold_size > 0 {
        let n = request.manifold_size;
        let mut codes = Vec::with_capacity(n * n * 2);
        for row in 0..n {
            for column in 0..n {
                // Equal steps of probability mass: z = Φ⁻¹(p), as in Kingma & Welling's figure.
                let p = |k: usize| (k as f64 + 0.5) / n as f64;
                codes.push(inverse_normal_cdf(p(column)) as f32);
                codes.push(inverse_normal_cdf(1.0 - p(row)) as f32);
            }
        }
        let mut decoded = vec![0.0; n * n * pixels];
        model.decode_with(config, &codes, &mut decoded, n * n, &mut workspace)?;
        manifold = decoded.chunks(pixels).map(image).collect();
        manifold_size = n;
    }
    Ok(Snapshot {
        step,
        first_index: first,
        originals: originals.chunks(pixels).map(image).collect(),
        corrupted,
        reconstructions: reconstructions.chunks(pixels).map(image).collect(),
        samples,
        latent,
        latent_axes,
        manifold,
        manifold_size,
        interpolation,
        pca_reconstructions,
        model_squared_error,
        pca_squared_error,
    })
}

/// Decodes `steps` points evenly spaced between the codes of `ends[0]` and `ends[1]`
/// (the mean codes of a VAE), INPUTS×steps, decoded as `config` reads the decoder; the
/// endpoints are the two reconstructions.
/// `workspace` holds at least `M::WORKSPACE`·max(2, steps) floats.
pub fn interpolate<M: TrainableModel>(
    model: &M,
    config: &M::Config,
    ends: [&[f32]; 2],
    steps: usize,
    workspace: &mut [f32],
) -> Result<Vec<f32>, Error> {
    let mut inputs = ends[0].to_vec();
    inputs.extend_from_slice(ends[1]);
    let mut codes = vec![0.0; 2 * M::LATENT];
    model.encode(&inputs, &mut codes, 2, workspace)?;
    let (from, to) = codes.split_at(M::LATENT);
    let mut path = vec![0.0; steps * M::LATENT];
    for (step, code) in path.chunks_exact_mut(M::LATENT).enumerate() {
        interpolation_point(from, to, step, steps, code);
    }
    let mut decoded = vec![0.0; steps * M::INPUTS];
    model.decode_with(config, &path, &mut decoded, steps, workspace)?;
    Ok(decoded)
}

/// Mean over `count` samples of Σ(x̂ − x)².
fn mean_squared_error(rebuilt: &[f32], originals: &[f32], count: usize) -> f32 {
    let sum: f64 = rebuilt
        .iter()
        .zip(originals)
        .map(|(&a, &b)| f64::from(a - b).powi(2))
        .sum();
    (sum / count.max(1) as f64) as f32
}

/// The codes in two dimensions: the first two when the latent is 2-D, else the projections on
/// the two leading principal directions.
fn project_to_plane(codes: &[f32], dim: usize) -> (Vec<f32>, Vec<f32>, String) {
    let n = codes.len() / dim;
    if dim == 2 {
        let xs = codes.chunks(2).map(|c| c[0]).collect();
        let ys = codes.chunks(2).map(|c| c[1]).collect();
        return (xs, ys, "z1 / z2".to_string());
    }
    match crate::eval::Pca::fit(codes, dim, 2) {
        Ok(pca) => {
            let mut projected = [0.0f32; 2];
            let (mut xs, mut ys) = (Vec::with_capacity(n), Vec::with_capacity(n));
            for code in codes.chunks(dim) {
                // A failed projection (a NaN code) lands at the origin rather than hiding the plot.
                if pca.project(code, &mut projected).is_err() {
                    projected = [0.0; 2];
                }
                xs.push(projected[0]);
                ys.push(projected[1]);
            }
            (xs, ys, "PC1 / PC2".to_string())
        }
        Err(_) => {
            let xs = codes.chunks(dim).map(|c| c[0]).collect();
            let ys = codes.chunks(dim).map(|c| c[1]).collect();
            (xs, ys, "z1 / z2".to_string())
        }
    }
}

/// Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation, relative error
/// below 1.2e-9), for p in (0, 1).
pub fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::data::{default_data_dir, load_digits};
    use crate::presets::{AeDigits, VaeDigits};
    use crate::train::config::TrainConfig;
    use crate::train::trainer::Trainer;

    /// The path between two real digits starts and ends at their reconstructions.
    fn endpoints_are_reconstructions<M: TrainableModel>() {
        let data = load_digits(&default_data_dir().join("digits/digits.csv.gz")).unwrap();
        let mut trainer = Trainer::<M>::new(TrainConfig {
            epochs: 1,
            batch_size: 32,
            ..TrainConfig::default()
        })
        .unwrap();
        while !trainer.is_finished() {
            trainer.step(&data.train).unwrap();
        }
        let (a, b) = (data.test.image(0).unwrap(), data.test.image(7).unwrap());
        let mut workspace = vec![0.0; M::WORKSPACE * 8];
        let config = trainer.model_config();
        let path = interpolate(trainer.model(), &config, [a, b], 8, &mut workspace).unwrap();
        assert_eq!(path.len(), 8 * M::INPUTS);
        for (input, decoded) in [(a, &path[..M::INPUTS]), (b, &path[7 * M::INPUTS..])] {
            let mut rebuilt = vec![0.0; M::INPUTS];
            trainer
                .model()
                .reconstruct(input, &mut rebuilt, 1, &mut workspace)
                .unwrap();
            for (x, y) in rebuilt.iter().zip(decoded) {
                assert!((x - y).abs() < 1e-5, "{x} vs {y}");
            }
        }
        // The middle is neither end.
        assert_ne!(&path[3 * M::INPUTS..4 * M::INPUTS], &path[..M::INPUTS]);
    }

    #[test]
    fn interpolation_endpoints_decode_to_the_reconstructions() {
        endpoints_are_reconstructions::<VaeDigits>();
        endpoints_are_reconstructions::<AeDigits>();
    }

    #[test]
    fn inverse_normal_cdf_golden_values() {
        assert!(inverse_normal_cdf(0.5).abs() < 1e-12);
        assert!((inverse_normal_cdf(0.975) - 1.959_963_985).abs() < 1e-8);
        assert!((inverse_normal_cdf(0.01) + 2.326_347_874).abs() < 1e-8);
        assert!((inverse_normal_cdf(0.05) + inverse_normal_cdf(0.95)).abs() < 1e-12);
    }
}
