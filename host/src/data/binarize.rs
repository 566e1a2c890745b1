//! Turning grayscale pixels in [0, 1] into black-and-white ones, for Bernoulli decoders.

use tinyvae_core::rng::{seeded_rng, uniform};

use super::{DataError, Dataset};

/// Dynamic binarization: each pixel becomes 1.0 with probability equal to its value, else 0.0.
///
/// `uniform` must return independent draws from U[0, 1), such as
/// `|| tinyvae_core::rng::uniform(&mut rng)`; a pixel becomes 1.0 when its draw is below the
/// pixel value, so 0.0 stays 0.0 and 1.0 stays 1.0. Drawing afresh every epoch is what makes
/// it dynamic: the model sees a new sample of each image each time, which curbs overfitting.
/// Fails if `out` is not as long as `pixels`.
pub fn binarize_dynamic(
    pixels: &[f32],
    out: &mut [f32],
    mut uniform: impl FnMut() -> f32,
) -> Result<(), DataError> {
    check_lengths(pixels, out)?;
    for (o, &p) in out.iter_mut().zip(pixels) {
        *o = if uniform() < p { 1.0 } else { 0.0 };
    }
    Ok(())
}

/// Seed of the fixed binarization a dynamically binarized model is evaluated on.
pub const EVALUATION_BINARIZATION_SEED: u64 = 0xB1_5EED;

/// `data` with every value drawn once to 0 or 1 with probability equal to it, from a generator
/// seeded with `seed`: the fixed binarized test set on which a model trained with dynamic
/// binarization is evaluated (as Burda et al. 2015 evaluate theirs). Values must be in [0, 1].
pub fn binarize_once(data: &Dataset, seed: u64) -> Dataset {
    let mut rng = seeded_rng(seed);
    let mut out = data.clone();
    // The lengths agree by construction.
    let _ = binarize_dynamic(data.images(), out.values_mut(), || uniform(&mut rng));
    out
}

/// Static binarization: pixels at or above `threshold` become 1.0, the others 0.0.
///
/// Fails if `out` is not as long as `pixels`.
pub fn binarize_threshold(
    pixels: &[f32],
    out: &mut [f32],
    threshold: f32,
) -> Result<(), DataError> {
    check_lengths(pixels, out)?;
    for (o, &p) in out.iter_mut().zip(pixels) {
        *o = if p >= threshold { 1.0 } else { 0.0 };
    }
    Ok(())
}

fn check_lengths(pixels: &[f32], out: &[f32]) -> Result<(), DataError> {
    if pixels.len() == out.len() {
        Ok(())
    } else {
        Err(DataError::BufferLength {
            expected: pixels.len(),
            found: out.len(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_binarization_is_the_same_every_time() {
        let data = Dataset::new("g", 2, 2, vec![0.0, 0.3, 0.7, 1.0], vec![1]).unwrap();
        let once = binarize_once(&data, 5);
        assert_eq!(once, binarize_once(&data, 5));
        assert!(once.images().iter().all(|&v| v == 0.0 || v == 1.0));
        assert_eq!((once.images()[0], once.images()[3]), (0.0, 1.0));
        assert_eq!(once.labels(), data.labels());
    }

    #[test]
    fn dynamic_binarization_keeps_the_mean() {
        let pixels = vec![0.25f32; 40_000];
        let mut out = vec![0.5; pixels.len()];
        let mut rng = seeded_rng(7);
        binarize_dynamic(&pixels, &mut out, || uniform(&mut rng)).unwrap();
        assert!(out.iter().all(|&v| v == 0.0 || v == 1.0));
        // 40,000 draws with p = 0.25: the standard error of the mean is about 0.002.
        let mean = out.iter().sum::<f32>() / out.len() as f32;
        assert!((mean - 0.25).abs() < 0.01, "{mean}");
    }

    #[test]
    fn dynamic_binarization_keeps_black_and_white() {
        let pixels = [0.0, 1.0, 0.0, 1.0];
        let mut out = [0.5; 4];
        let mut rng = seeded_rng(1);
        binarize_dynamic(&pixels, &mut out, || uniform(&mut rng)).unwrap();
        assert_eq!(out, pixels);
        // The extreme draws of U[0, 1) change nothing either.
        for draw in [0.0, 0.999_999_94] {
            binarize_dynamic(&pixels, &mut out, || draw).unwrap();
            assert_eq!(out, pixels);
        }
    }

    #[test]
    fn threshold_binarization() {
        let mut out = [0.0; 4];
        binarize_threshold(&[0.1, 0.5, 0.49, 0.9], &mut out, 0.5).unwrap();
        assert_eq!(out, [0.0, 1.0, 0.0, 1.0]);
    }

    #[test]
    fn lengths_must_match() {
        let err = binarize_threshold(&[0.1, 0.5], &mut [0.0; 3], 0.5).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::BufferLength {
                    expected: 2,
                    found: 3
                }
            ),
            "{err}"
        );
        let err = binarize_dynamic(&[0.1, 0.5], &mut [0.0; 1], || 0.0).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::BufferLength {
                    expected: 2,
                    found: 1
                }
            ),
            "{err}"
        );
    }
}
