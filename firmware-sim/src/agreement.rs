//! Comparing the device's figures with the host's, value by value.

use crate::error::DeviceError;

/// The agreement the firmware claims, and fails without: every value bit for bit.
pub const CLAIMED_MAX_ULPS: u32 = 0;

/// Distance between two floats in units in the last place: how many representable f32 lie
/// between them (0 for equal bits; `u32::MAX` if exactly one is NaN or the bits differ and
/// either is NaN).
pub fn ulps(a: f32, b: f32) -> u32 {
    if a.to_bits() == b.to_bits() {
        return 0;
    }
    if a.is_nan() || b.is_nan() {
        return u32::MAX;
    }
    // Map the sign-magnitude bits onto a line of integers ordered like the floats.
    let ordered = |x: f32| {
        let bits = x.to_bits();
        let magnitude = i64::from(bits & 0x7fff_ffff);
        if bits >> 31 == 1 {
            -magnitude
        } else {
            magnitude
        }
    };
    u32::try_from((ordered(a) - ordered(b)).unsigned_abs()).unwrap_or(u32::MAX)
}

/// The worst difference seen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Difference {
    /// Index of the value.
    pub index: usize,
    /// The device's value.
    pub got: f32,
    /// The host's value.
    pub expected: f32,
    /// Distance in ulp.
    pub ulps: u32,
}

/// How closely a set of device figures matches the host's.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Agreement {
    /// Values compared.
    pub values: usize,
    /// Values whose bits differ.
    pub differing: usize,
    /// The largest difference, if any.
    pub worst: Option<Difference>,
}

impl Agreement {
    /// Compares value `index`, `got` on the device, with the host's bits.
    pub fn compare(&mut self, index: usize, got: f32, expected_bits: u32) {
        let expected = f32::from_bits(expected_bits);
        let ulps = ulps(got, expected);
        self.values += 1;
        if ulps > 0 {
            self.differing += 1;
            if self.worst.is_none_or(|w| ulps > w.ulps) {
                self.worst = Some(Difference {
                    index,
                    got,
                    expected,
                    ulps,
                });
            }
        }
    }

    /// Compares a run of values with the host's bits, indexed from `first`.
    pub fn compare_all(
        &mut self,
        first: usize,
        got: impl IntoIterator<Item = f32>,
        expected: &[u32],
    ) {
        let mut count = 0;
        for (offset, (value, &bits)) in got.into_iter().zip(expected).enumerate() {
            self.compare(first + offset, value, bits);
            count += 1;
        }
        // A length mismatch is a disagreement too: count the missing values as NaN.
        for (offset, &bits) in expected.iter().enumerate().skip(count) {
            self.compare(first + offset, f32::NAN, bits);
        }
    }

    /// The largest distance, 0 when every value matched bit for bit.
    pub fn max_ulps(&self) -> u32 {
        self.worst.map_or(0, |w| w.ulps)
    }

    /// Whether every value matched bit for bit.
    pub fn is_bitwise(&self) -> bool {
        self.differing == 0
    }

    /// `Err` when the agreement is worse than [`CLAIMED_MAX_ULPS`].
    pub fn check(&self, what: &'static str) -> Result<(), DeviceError> {
        match self.worst {
            Some(w) if w.ulps > CLAIMED_MAX_ULPS => Err(DeviceError::HostDisagreement {
                what,
                index: w.index,
                got: w.got,
                expected: w.expected,
                ulps: w.ulps,
            }),
            _ => Ok(()),
        }
    }
}
