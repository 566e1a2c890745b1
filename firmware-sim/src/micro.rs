//! [`Micro`]: an `f32` shown in fixed point, without core's float formatting.

use core::fmt;

/// Shows an `f32` with 6 decimals using integer arithmetic only: core's float formatting
/// costs about 20 KiB of flash, too much for a report on the device.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Micro(pub f32);

impl fmt::Display for Micro {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if !v.is_finite() || v.abs() >= 1e12 {
            // Out of fixed-point range: show the bit pattern.
            return write!(f, "f32({:#010x})", v.to_bits());
        }
        // |v| < 1e12, so v·1e6 fits in i64; rounded to the nearest micro-unit.
        let micros = round_half_away(f64::from(v) * 1e6) as i64;
        let sign = if micros < 0 { "-" } else { "" };
        let abs = micros.unsigned_abs();
        write!(f, "{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000)
    }
}

/// Rounds half away from zero (core has no `f64::round` without std).
fn round_half_away(x: f64) -> f64 {
    let t = x as i64 as f64;
    if x - t >= 0.5 {
        t + 1.0
    } else if t - x >= 0.5 {
        t - 1.0
    } else {
        t
    }
}
