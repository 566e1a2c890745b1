//! Elementary functions for the hot loops, written with plain f32 arithmetic.
//!
//! The reconstruction loss evaluates an exponential and a logarithm for every pixel of every
//! sample; libm's versions are exact to an ulp but are calls the compiler cannot vectorize.
//! These are branch-free polynomials that vectorize, stay within a few ulp, and, because IEEE
//! basic operations are correctly rounded and Rust never fuses a multiply and an add on its own,
//! compute the same bits on every target.

/// Above this e^x overflows f32.
const EXP_MAX: f32 = 88.0;
/// Below this e^x is subnormal; it is flushed to 0.
const EXP_MIN: f32 = -87.0;

/// e^x, within 2 ulp of the exact value over [−87, 88]; 0 below, and e^88 above.
///
/// Cody–Waite reduction x = k·ln 2 + r with |r| ≤ ½ ln 2, then the Taylor series of e^r to r⁷
/// (truncation below 5e-9 relative), then 2ᵏ by building the exponent bits.
#[inline]
pub fn exp(x: f32) -> f32 {
    const LOG2_E: f32 = core::f32::consts::LOG2_E;
    // ln 2 split so that k·LN2_HIGH is exact for |k| < 256.
    const LN2_HIGH: f32 = 0.693_145_75;
    const LN2_LOW: f32 = 1.428_606_8e-6;
    // Adding and subtracting 1.5·2²³ rounds to the nearest integer in any rounding-free way.
    const ROUNDER: f32 = 12_582_912.0;
    let clamped = x.clamp(EXP_MIN, EXP_MAX);
    let shifted = clamped * LOG2_E + ROUNDER;
    let k = shifted - ROUNDER;
    let r = (clamped - k * LN2_HIGH) - k * LN2_LOW;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0
                        + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    // The low mantissa bits of `shifted` hold k: integer arithmetic on them builds 2ᵏ without a
    // float-to-int conversion, which keeps the loop vectorizable.
    let k_bits = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    let scale = f32::from_bits(k_bits.wrapping_add(127) << 23);
    if x < EXP_MIN { 0.0 } else { p * scale }
}

/// eˣ − 1, within 2 ulp over [−87, 88], keeping its digits near 0 where eˣ − 1 would cancel.
///
/// For |x| ≤ 1 the Taylor series x + x²(1/2! + x(1/3! + … + x/12!)) (truncation below 2e-10
/// relative); outside it [`exp`]`(x) − 1`, where the subtraction can no longer cancel.
/// Both branches are computed and one selected, which keeps the loop vectorizable.
#[inline]
pub fn exp_m1(x: f32) -> f32 {
    // 1/2!, 1/3!, …, 1/12!, summed by Horner's rule from the last: the same operations as the
    // nested form, which source formatters cannot lay out in reasonable time.
    const INVERSE_FACTORIALS: [f32; 11] = [
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
    ];
    let mut tail = INVERSE_FACTORIALS[10];
    for &c in INVERSE_FACTORIALS[..10].iter().rev() {
        tail = c + x * tail;
    }
    let series = x + x * x * tail;
    let far = exp(x) - 1.0;
    if x.abs() <= 1.0 { series } else { far }
}

/// ln(1 + e) for e in [0, 1], within 2 ulp.
///
/// ln(1 + e) = 2·artanh(s) with s = e/(2 + e) ≤ 1/3, summed as 2s·Σ s²ⁿ/(2n + 1) to n = 7
/// (truncation below 2e-9 relative). Exact near 0, where ln(1 + e) ≈ e.
#[inline]
pub fn ln_1p_unit(e: f32) -> f32 {
    let s = e / (2.0 + e);
    let t = s * s;
    let series = 1.0
        + t * (1.0 / 3.0
            + t * (1.0 / 5.0
                + t * (1.0 / 7.0
                    + t * (1.0 / 9.0 + t * (1.0 / 11.0 + t * (1.0 / 13.0 + t * (1.0 / 15.0)))))));
    2.0 * s * series
}

/// σ(a) = 1/(1 + e^(−a)), from e = e^(−|a|) so neither tail overflows.
#[inline]
pub fn sigmoid(a: f32) -> f32 {
    let e = exp(-a.abs());
    let positive = 1.0 / (1.0 + e);
    if a >= 0.0 { positive } else { e * positive }
}

/// √x, correctly rounded: the hardware instruction where std is linked (it vectorizes), libm
/// elsewhere. Both are exact to the last bit, so every target agrees.
#[inline]
pub fn sqrt(x: f32) -> f32 {
    #[cfg(feature = "std")]
    {
        std::primitive::f32::sqrt(x)
    }
    #[cfg(not(feature = "std"))]
    {
        libm::sqrtf(x)
    }
}

/// Whether every value is finite. Reads the whole slice without an early exit, which lets the
/// loop vectorize: it guards every optimizer step, over every parameter.
#[inline]
pub fn all_finite(values: &[f32]) -> bool {
    const EXPONENT: u32 = 0x7f80_0000;
    let non_finite = values.iter().fold(0u32, |acc, v| {
        acc | u32::from(v.to_bits() & EXPONENT == EXPONENT)
    });
    non_finite == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f32, exact: f64) -> f64 {
        let ulp = f64::from(f32::EPSILON) * exact.abs().max(f64::from(f32::MIN_POSITIVE));
        (f64::from(a) - exact).abs() / ulp
    }

    /// The largest error in ulp of `f` against `exact` over [−87, 88] in steps of 0.00037.
    fn worst_over_range(f: fn(f32) -> f32, exact: fn(f64) -> f64) -> f64 {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x <= 88.0 {
            worst = worst.max(ulps(f(x), exact(f64::from(x))));
            x += 0.000_37;
        }
        worst
    }

    #[test]
    fn exp_is_within_two_ulp() {
        let worst = worst_over_range(exp, f64::exp);
        assert!(worst <= 2.0, "worst {worst} ulp");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-100.0), 0.0);
        assert!(exp(1000.0).is_finite());
        assert!(exp(f32::NAN).is_nan());
    }

    #[test]
    fn exp_m1_is_within_two_ulp() {
        let mut worst = worst_over_range(exp_m1, f64::exp_m1);
        for i in -100_000..=100_000 {
            let x = i as f32 / 50_000.0;
            worst = worst.max(ulps(exp_m1(x), f64::from(x).exp_m1()));
        }
        for x in [
            1e-30f32, -1e-20, 1e-7, -3e-4, 1.0, -1.0, 1.000_001, -1.000_001,
        ] {
            worst = worst.max(ulps(exp_m1(x), f64::from(x).exp_m1()));
        }
        assert!(worst <= 2.0, "worst {worst} ulp");
        assert_eq!(exp_m1(0.0), 0.0);
        assert_eq!(exp_m1(-100.0), -1.0);
        assert!(exp_m1(f32::NAN).is_nan());
    }

    #[test]
    fn ln_1p_is_within_two_ulp() {
        let mut worst = 0.0f64;
        for i in 0..=1_000_000 {
            let e = i as f32 / 1_000_000.0;
            worst = worst.max(ulps(ln_1p_unit(e), f64::from(e).ln_1p()));
        }
        for e in [1e-30f32, 1e-12, 1e-7, 3e-4] {
            worst = worst.max(ulps(ln_1p_unit(e), f64::from(e).ln_1p()));
        }
        assert!(worst <= 2.0, "worst {worst} ulp");
    }

    #[test]
    fn all_finite_finds_any_nan_or_infinity() {
        let mut values = [1.0f32; 37];
        assert!(all_finite(&values));
        assert!(all_finite(&[f32::MAX, f32::MIN_POSITIVE, -0.0, 1e-45]));
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            values[36] = bad;
            assert!(!all_finite(&values));
            values[36] = 1.0;
        }
    }

    #[test]
    fn sigmoid_and_sqrt_golden_values() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!((sigmoid(2.0) - 0.880_797_1).abs() < 1e-7);
        assert!((sigmoid(-2.0) - 0.119_202_92).abs() < 1e-7);
        assert_eq!(sigmoid(-200.0), 0.0);
        assert_eq!(sigmoid(200.0), 1.0);
        for x in [0.0f32, 2.0, 1e-30, 12345.678, 3.0e38] {
            assert_eq!(sqrt(x).to_bits(), libm::sqrtf(x).to_bits());
        }
    }
}
