//! Principal component analysis: the linear baseline at a model's latent size.
//!
//! For centred samples `x_i - m` (`m` the mean), the sample covariance is
//!
//! ```text
//! C = 1/(n-1) · Σ_i (x_i - m)(x_i - m)ᵀ                      (d x d)
//! ```
//!
//! and its eigenvectors `u_1, …, u_d`, taken by decreasing eigenvalue `λ_1 ≥ … ≥ λ_d`, are
//! the principal components; `λ_j` is the variance of the data along `u_j`. Keeping the first
//! `k` as the rows of `U` (`k x d`) gives the linear code and reconstruction
//!
//! ```text
//! z = U (x - m)          x̂ = m + Uᵀ z = m + UᵀU (x - m)
//! ```
//!
//! which, by the Eckart–Young theorem, has the least summed squared error
//! `Σ_i ‖x̂_i - x_i‖²` of any rank-`k` affine map. So the reconstruction error of a `k`-unit
//! linear autoencoder can at best match [`Pca::reconstruction_error`] at `k` components; what
//! a non-linear model does better than that is what its non-linearity buys.

use nalgebra::{DMatrix, SymmetricEigen};

use super::matrix::{RowMajor, gemm, gemm_strided};
use super::{EvalError, check_output, sample_count};

/// Samples handled per matrix product, to bound the scratch memory (`BLOCK * d` values).
const BLOCK: usize = 1024;

/// A fitted principal component analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct Pca {
    /// The mean sample `m`, `d` values.
    pub mean: Vec<f32>,
    /// The first `k` principal components, `k x d`: component `j` (a unit vector) at
    /// `[j * d..(j + 1) * d]`, by decreasing variance. The sign of each is fixed so that its
    /// entry of largest magnitude is positive, which makes fits reproducible.
    pub components: Vec<f32>,
    /// The variance `λ_j` of the data along each component (an eigenvalue of the sample
    /// covariance, with divisor `n - 1`), `k` values, decreasing.
    pub explained_variance: Vec<f32>,
    /// The total variance of the data, `trace(C) = Σ_j λ_j` over all `d` eigenvalues.
    pub total_variance: f32,
}

impl Pca {
    /// Fits the first `k` principal components of `data`, samples of `dim` features.
    ///
    /// The mean, the covariance (accumulated by matrix products over blocks of samples) and
    /// its eigendecomposition (nalgebra's [`SymmetricEigen`]) are computed in `f64`; the result
    /// is stored in `f32`. Eigenvalues below zero, which only rounding can produce, are
    /// reported as zero.
    ///
    /// Fails on malformed or non-finite data, on fewer than two samples, or if `k` is not in
    /// `1..=dim`.
    pub fn fit(data: &[f32], dim: usize, k: usize) -> Result<Self, EvalError> {
        let n = sample_count("data", data, dim)?;
        if k == 0 || k > dim {
            return Err(EvalError::KOutOfRange {
                what: "principal components",
                k,
                max: dim,
            });
        }
        if n < 2 {
            return Err(EvalError::TooFewSamples {
                what: "data",
                needed: 2,
                found: n,
            });
        }

        let mean = mean_f64(data, dim);
        let cov = covariance(data, dim, &mean, n);
        let total_variance = (0..dim).map(|i| cov[i * dim + i]).sum::<f64>();
        // 30 sweeps per eigenvalue is LAPACK's budget; QR on a symmetric tridiagonal
        // matrix needs about two.
        let eigen =
            SymmetricEigen::try_new(DMatrix::from_vec(dim, dim, cov), f64::EPSILON, 30 * dim)
                .ok_or(EvalError::NoConvergence { dim })?;

        let mut order: Vec<usize> = (0..dim).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
        let mut components = Vec::with_capacity(k * dim);
        let mut explained_variance = Vec::with_capacity(k);
        for &j in &order[..k] {
            let column = eigen.eigenvectors.column(j);
            let largest = column.iter().fold(
                0.0f64,
                |best, &v| {
                    if v.abs() > best.abs() { v } else { best }
                },
            );
            let sign = if largest < 0.0 { -1.0 } else { 1.0 };
            components.extend(column.iter().map(|&v| (sign * v) as f32));
            explained_variance.push(eigen.eigenvalues[j].max(0.0) as f32);
        }
        Ok(Self {
            mean: mean.iter().map(|&m| m as f32).collect(),
            components,
            explained_variance,
            total_variance: total_variance as f32,
        })
    }

    /// Number of features per sample, `d`.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// Number of components kept, `k`.
    pub fn k(&self) -> usize {
        self.explained_variance.len()
    }

    /// The fraction of the total variance each kept component explains, `λ_j / Σ λ`.
    pub fn explained_variance_ratio(&self) -> Vec<f32> {
        let total = self.total_variance;
        self.explained_variance
            .iter()
            .map(|&v| if total > 0.0 { v / total } else { 0.0 })
            .collect()
    }

    /// Writes the codes `z = U (x - m)` of the samples in `x` (`n * d` values) to `out`
    /// (`n * k` values, sample after sample).
    pub fn project(&self, x: &[f32], out: &mut [f32]) -> Result<(), EvalError> {
        let (d, k) = self.shape()?;
        let n = sample_count("samples", x, d)?;
        check_output("projection buffer length", out, n * k)?;
        let mut centred = Vec::with_capacity(BLOCK.min(n) * d);
        for (block, out) in x.chunks(BLOCK * d).zip(out.chunks_mut(BLOCK * k)) {
            self.centre(block, &mut centred);
            self.encode(&centred, out);
        }
        Ok(())
    }

    /// Writes the reconstructions `x̂ = m + UᵀU (x - m)` of the samples in `x` to `out`, both
    /// `n * d` values.
    pub fn reconstruct(&self, x: &[f32], out: &mut [f32]) -> Result<(), EvalError> {
        let (d, _) = self.shape()?;
        let n = sample_count("samples", x, d)?;
        check_output("reconstruction buffer length", out, n * d)?;
        let (mut centred, mut codes) = (Vec::new(), Vec::new());
        for (block, out) in x.chunks(BLOCK * d).zip(out.chunks_mut(BLOCK * d)) {
            self.reconstruct_block(block, &mut centred, &mut codes, out);
        }
        Ok(())
    }

    /// The mean over samples of the summed squared error `Σ_f (x̂_f - x_f)²`, the same
    /// per-sample error the models report for their reconstructions.
    pub fn reconstruction_error(&self, data: &[f32]) -> Result<f32, EvalError> {
        let (d, _) = self.shape()?;
        let n = sample_count("data", data, d)?;
        let (mut centred, mut codes) = (Vec::new(), Vec::new());
        let mut rebuilt = vec![0.0f32; BLOCK.min(n) * d];
        let mut total = 0.0f64;
        for block in data.chunks(BLOCK * d) {
            let rebuilt = &mut rebuilt[..block.len()];
            self.reconstruct_block(block, &mut centred, &mut codes, rebuilt);
            total += block
                .iter()
                .zip(rebuilt.iter())
                .map(|(&x, &y)| f64::from(y - x).powi(2))
                .sum::<f64>();
        }
        Ok((total / n as f64) as f32)
    }

    /// `(d, k)`, after checking that the public fields agree with each other.
    fn shape(&self) -> Result<(usize, usize), EvalError> {
        let (d, k) = (self.dim(), self.k());
        if d == 0 || k == 0 {
            return Err(EvalError::Empty {
                what: "principal components",
            });
        }
        check_output("principal components length", &self.components, k * d)?;
        Ok((d, k))
    }

    /// Fills `centred` with `block - m`, sample by sample.
    fn centre(&self, block: &[f32], centred: &mut Vec<f32>) {
        centred.clear();
        for sample in block.chunks_exact(self.dim()) {
            centred.extend(sample.iter().zip(&self.mean).map(|(&x, &m)| x - m));
        }
    }

    /// `codes = centred · Uᵀ` for a block of centred samples.
    fn encode(&self, centred: &[f32], codes: &mut [f32]) {
        let (d, k) = (self.dim(), self.k());
        let n = centred.len() / d;
        let u = RowMajor::new(&self.components[..], k, d);
        gemm(1.0, RowMajor::new(centred, n, d), u.t(), 0.0, codes);
    }

    /// Reconstructs one block of samples into `out`, using the two scratch buffers.
    fn reconstruct_block(
        &self,
        block: &[f32],
        centred: &mut Vec<f32>,
        codes: &mut Vec<f32>,
        out: &mut [f32],
    ) {
        let (d, k) = (self.dim(), self.k());
        let n = block.len() / d;
        self.centre(block, centred);
        codes.resize(n * k, 0.0);
        self.encode(centred, codes);
        let u = RowMajor::new(&self.components[..], k, d);
        gemm(1.0, RowMajor::new(&codes[..], n, k), u, 0.0, out);
        for sample in out.chunks_exact_mut(d) {
            sample
                .iter_mut()
                .zip(&self.mean)
                .for_each(|(x, &m)| *x += m);
        }
    }
}

/// The mean sample, in `f64`.
fn mean_f64(data: &[f32], dim: usize) -> Vec<f64> {
    let mut mean = vec![0.0f64; dim];
    for sample in data.chunks_exact(dim) {
        mean.iter_mut()
            .zip(sample)
            .for_each(|(m, &x)| *m += f64::from(x));
    }
    let n = (data.len() / dim) as f64;
    mean.iter_mut().for_each(|m| *m /= n);
    mean
}

/// The sample covariance `1/(n-1) Σ (x - m)(x - m)ᵀ`, `d x d` (symmetric, so row- and
/// column-major alike), accumulated as `Xcᵀ Xc` over blocks of centred samples.
///
/// Symmetry saves about 40 % of the work: the features are cut into panels of `PANEL`, and
/// each panel `I = i0..i1` is multiplied only with the features from its own start on,
/// `C[I, i0..] += Xc[:, I]ᵀ Xc[:, i0..]`, which covers the upper triangle (58 % of the full
/// product for 784 pixels); the lower triangle is mirrored at the end.
fn covariance(data: &[f32], dim: usize, mean: &[f64], n: usize) -> Vec<f64> {
    const PANEL: usize = 128;
    let mut cov = vec![0.0f64; dim * dim];
    let mut centred = Vec::with_capacity(BLOCK.min(n) * dim);
    for block in data.chunks(BLOCK * dim) {
        centred.clear();
        for sample in block.chunks_exact(dim) {
            centred.extend(sample.iter().zip(mean).map(|(&x, &m)| f64::from(x) - m));
        }
        let xc = RowMajor::new(&centred[..], block.len() / dim, dim);
        for i0 in (0..dim).step_by(PANEL) {
            let i1 = (i0 + PANEL).min(dim);
            let left = xc.columns(i0, i1).t();
            let right = xc.columns(i0, dim);
            gemm_strided(1.0, left, right, 1.0, &mut cov[i0 * dim + i0..], dim);
        }
    }
    let scale = 1.0 / (n - 1) as f64;
    for i in 0..dim {
        for j in i..dim {
            let c = cov[i * dim + j] * scale;
            cov[i * dim + j] = c;
            cov[j * dim + i] = c;
        }
    }
    cov
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tinyvae_core::rng::{seeded_rng, standard_normal};

    const D: usize = 6;
    const N: usize = 2000;
    const NOISE: f32 = 0.01;

    /// An orthonormal pair spanning a plane of 6-D space along no axis.
    fn plane() -> [[f32; D]; 2] {
        let e1 = [1.0, 2.0, -1.0, 0.5, 0.0, 3.0];
        let e2 = [0.0, 1.0, 1.0, -2.0, 1.0, 0.0];
        let norm = |v: [f32; D]| {
            let l = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.map(|x| x / l)
        };
        let e1 = norm(e1);
        let dot: f32 = e1.iter().zip(&e2).map(|(a, b)| a * b).sum();
        let e2 = norm(std::array::from_fn(|i| e2[i] - dot * e1[i]));
        [e1, e2]
    }

    /// `N` points `c + a e1 + b e2 + noise`: the coordinates `(a, b)` are centred, uncorrelated
    /// and scaled to sample variances of exactly 9 and 1; the noise is N(0, 0.01²) per feature.
    fn noisy_plane() -> Vec<f32> {
        let mut rng = seeded_rng(11);
        let mut a: Vec<f64> = (0..N)
            .map(|_| f64::from(standard_normal(&mut rng)))
            .collect();
        let mut b: Vec<f64> = (0..N)
            .map(|_| f64::from(standard_normal(&mut rng)))
            .collect();
        let centre = |v: &mut Vec<f64>| {
            let m = v.iter().sum::<f64>() / N as f64;
            v.iter_mut().for_each(|x| *x -= m);
        };
        let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(x, y)| x * y).sum::<f64>();
        centre(&mut a);
        centre(&mut b);
        let along = dot(&a, &b) / dot(&a, &a);
        b.iter_mut().zip(&a).for_each(|(y, x)| *y -= along * x);
        for (v, var) in [(&mut a, 9.0), (&mut b, 1.0)] {
            let scale = (var * (N - 1) as f64 / dot(v, v)).sqrt();
            v.iter_mut().for_each(|x| *x *= scale);
        }
        let [e1, e2] = plane();
        let offset = [0.5, -1.0, 2.0, 0.0, 0.25, 1.0];
        let mut data = Vec::with_capacity(N * D);
        for i in 0..N {
            for f in 0..D {
                let on_plane = a[i] * f64::from(e1[f]) + b[i] * f64::from(e2[f]);
                data.push(offset[f] + on_plane as f32 + NOISE * standard_normal(&mut rng));
            }
        }
        data
    }

    fn dot(u: &[f32], v: &[f32]) -> f32 {
        u.iter().zip(v).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn golden_two_dimensional_case() {
        // Mean 0, covariance 1/3 · [[8, 0], [0, 2]]: variances 8/3 and 2/3 along the axes.
        let data = [2.0, 0.0, -2.0, 0.0, 0.0, 1.0, 0.0, -1.0];
        let pca = Pca::fit(&data, 2, 2).unwrap();
        assert_eq!(pca.mean, [0.0, 0.0]);
        assert!((pca.explained_variance[0] - 8.0 / 3.0).abs() < 1e-6);
        assert!((pca.explained_variance[1] - 2.0 / 3.0).abs() < 1e-6);
        assert!((pca.total_variance - 10.0 / 3.0).abs() < 1e-6);
        let ratio = pca.explained_variance_ratio();
        assert!((ratio[0] - 0.8).abs() < 1e-6 && (ratio[1] - 0.2).abs() < 1e-6);
        // Signs are fixed: the largest entry of each component is positive.
        let want = [1.0, 0.0, 0.0, 1.0];
        for (got, want) in pca.components.iter().zip(want) {
            assert!((got - want).abs() < 1e-6, "{:?}", pca.components);
        }
        let mut z = [0.0; 4];
        pca.project(&[2.0, 0.0, 0.0, -1.0], &mut z).unwrap();
        assert!(
            z.iter()
                .zip([2.0, 0.0, 0.0, -1.0])
                .all(|(a, b)| (a - b).abs() < 1e-6)
        );

        // One component: the y-axis is dropped, so (0, ±1) reconstruct to the mean and the
        // mean error is (0 + 0 + 1 + 1) / 4 = 0.5.
        let one = Pca::fit(&data, 2, 1).unwrap();
        let mut rebuilt = [0.0; 8];
        one.reconstruct(&data, &mut rebuilt).unwrap();
        let want = [2.0, 0.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        assert!(
            rebuilt.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6),
            "{rebuilt:?}"
        );
        assert!((one.reconstruction_error(&data).unwrap() - 0.5).abs() < 1e-6);
    }

    #[test]
    fn recovers_a_plane_in_six_dimensions() {
        let data = noisy_plane();
        let pca = Pca::fit(&data, D, 2).unwrap();
        assert_eq!((pca.dim(), pca.k(), pca.components.len()), (D, 2, 2 * D));

        // The generating variances, up to the noise (1e-4 per direction, plus cross terms).
        let var = &pca.explained_variance;
        assert!(
            (var[0] - 9.0).abs() < 5e-3 && (var[1] - 1.0).abs() < 5e-3,
            "{var:?}"
        );

        // The components are unit vectors along e1 and e2 (up to sign): they span the plane.
        let [e1, e2] = plane();
        let (u1, u2) = pca.components.split_at(D);
        assert!((dot(u1, u1) - 1.0).abs() < 1e-5 && (dot(u2, u2) - 1.0).abs() < 1e-5);
        assert!(dot(u1, u2).abs() < 1e-5);
        assert!(dot(u1, &e1).abs() > 0.9999 && dot(u2, &e2).abs() > 0.9999);
        for u in [u1, u2] {
            let in_plane = dot(u, &e1).powi(2) + dot(u, &e2).powi(2);
            assert!((in_plane - 1.0).abs() < 1e-4, "{in_plane}");
        }

        // k = 2 reconstructs within the noise: the 4 off-plane directions each keep their
        // noise variance, 4 · 0.01² = 4e-4 per sample.
        let err = pca.reconstruction_error(&data).unwrap();
        assert!((3e-4..5e-4).contains(&err), "{err}");
        // Eckart–Young: the error is the sum of the dropped eigenvalues, times (n-1)/n.
        let dropped = pca.total_variance - var.iter().sum::<f32>();
        let want = dropped * (N - 1) as f32 / N as f32;
        assert!((err - want).abs() < 1e-5 * want.max(1.0), "{err} vs {want}");

        // k = 1 loses the second direction too: about 1 more per sample.
        let one = Pca::fit(&data, D, 1).unwrap();
        let err1 = one.reconstruction_error(&data).unwrap();
        assert!(
            (err1 - (1.0 + 4e-4) * (N - 1) as f32 / N as f32).abs() < 5e-3,
            "{err1}"
        );
    }

    #[test]
    fn all_components_reconstruct_exactly() {
        let data = noisy_plane();
        let pca = Pca::fit(&data, D, D).unwrap();
        let mut rebuilt = vec![0.0; data.len()];
        pca.reconstruct(&data, &mut rebuilt).unwrap();
        let worst = data
            .iter()
            .zip(&rebuilt)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-5, "{worst}");
        assert!(pca.reconstruction_error(&data).unwrap() < 1e-9);
        // The variances decrease and add up to the total.
        let var = &pca.explained_variance;
        assert!(var.windows(2).all(|w| w[0] >= w[1]), "{var:?}");
        let sum: f32 = var.iter().sum();
        assert!((sum - pca.total_variance).abs() < 1e-5 * sum, "{sum}");
    }

    #[test]
    fn projects_many_samples_through_blocks() {
        // More samples than a block, with k > 5 so the products go through matrixmultiply:
        // every code must equal the dot product with each component.
        let mut rng = seeded_rng(3);
        let (d, k, n) = (12, 7, BLOCK + 37);
        let data: Vec<f32> = (0..n * d).map(|_| standard_normal(&mut rng)).collect();
        let pca = Pca::fit(&data, d, k).unwrap();
        let mut z = vec![0.0; n * k];
        pca.project(&data, &mut z).unwrap();
        for (i, codes) in z.chunks_exact(k).enumerate() {
            let x = &data[i * d..(i + 1) * d];
            let centred: Vec<f32> = x.iter().zip(&pca.mean).map(|(a, m)| a - m).collect();
            for (j, &code) in codes.iter().enumerate() {
                let want = dot(&centred, &pca.components[j * d..(j + 1) * d]);
                assert!((code - want).abs() < 1e-4, "sample {i}, code {j}");
            }
        }
        // The codes are uncorrelated, with the explained variances as their variances.
        let var0 = z.chunks_exact(k).map(|c| c[0] * c[0]).sum::<f32>() / (n - 1) as f32;
        assert!((var0 - pca.explained_variance[0]).abs() < 1e-3 * var0);
    }

    #[test]
    fn covariance_across_panels_matches_the_definition() {
        // 140 features: two panels (128 + 12), each product through matrixmultiply.
        let mut rng = seeded_rng(8);
        let (d, n) = (140, 50);
        let data: Vec<f32> = (0..n * d).map(|_| standard_normal(&mut rng)).collect();
        let mean = mean_f64(&data, d);
        let cov = covariance(&data, d, &mean, n);
        for (i, j) in [
            (0, 0),
            (5, 135),
            (135, 5),
            (130, 139),
            (139, 139),
            (127, 128),
        ] {
            let want = (0..n)
                .map(|s| {
                    let x = |f: usize| f64::from(data[s * d + f]) - mean[f];
                    x(i) * x(j)
                })
                .sum::<f64>()
                / (n - 1) as f64;
            assert!((cov[i * d + j] - want).abs() < 1e-12, "({i}, {j})");
        }
    }

    #[test]
    fn refuses_bad_shapes() {
        let data = [1.0, 2.0, 3.0, 4.0, 5.0, 7.0];
        for k in [0, 3] {
            assert_eq!(
                Pca::fit(&data, 2, k),
                Err(EvalError::KOutOfRange {
                    what: "principal components",
                    k,
                    max: 2
                })
            );
        }
        assert_eq!(
            Pca::fit(&data[..2], 2, 1),
            Err(EvalError::TooFewSamples {
                what: "data",
                needed: 2,
                found: 1
            })
        );
        let pca = Pca::fit(&data, 2, 1).unwrap();
        let mut out = [0.0; 2];
        assert_eq!(
            pca.project(&data, &mut out),
            Err(EvalError::DimensionMismatch {
                what: "projection buffer length",
                expected: 3,
                found: 2
            })
        );
        assert!(matches!(
            pca.reconstruct(&data, &mut out),
            Err(EvalError::DimensionMismatch { expected: 6, .. })
        ));
        assert!(matches!(
            pca.reconstruction_error(&data[..5]),
            Err(EvalError::RaggedSamples { .. })
        ));
        let broken = Pca {
            components: vec![1.0],
            ..pca
        };
        assert!(matches!(
            broken.reconstruction_error(&data),
            Err(EvalError::DimensionMismatch { .. })
        ));
    }
}
