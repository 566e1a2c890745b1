//! Bytes placed at a 4-byte boundary, for blobs that [`super::view`] reads in place.
//!
//! `include_bytes!` gives a `&[u8; N]` aligned to 1: the linker may put it at any address, and
//! [`super::view`] refuses a payload that is not 4-byte aligned ([`crate::Error::Misaligned`]).
//! Wrapping the bytes in [`Aligned`] fixes that, and [`include_weights!`](crate::include_weights)
//! does it for a weight file, checking its length against the model type as it compiles.

/// `T` at a 4-byte boundary: `Aligned(*include_bytes!("w.tvw"))` in flash, or
/// `Aligned([0u8; <M as WeightBlob>::BLOB_LEN])` as a RAM buffer to [`super::save`] into and
/// [`super::view`] from.
///
/// ```
/// use tinyvae_core::presets::VaeDigits;
/// use tinyvae_core::weights::{self, Aligned, WeightBlob};
/// use tinyvae_core::{Parameters, seeded_rng};
///
/// let mut model: VaeDigits = bytemuck::Zeroable::zeroed();
/// model.initialize(&mut seeded_rng(1));
/// let mut blob = Aligned([0u8; VaeDigits::BLOB_LEN]);
/// weights::save(&model, &mut blob.0)?;
/// assert_eq!(weights::view::<VaeDigits>(&blob.0)?.model, &model);
/// # Ok::<(), tinyvae_core::Error>(())
/// ```
#[repr(C, align(4))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aligned<T: ?Sized>(pub T);

/// Embeds a weight file in the binary at a 4-byte boundary and checks, at compile time, that
/// its length is that of a blob of the model type: `<Model as WeightBlob>::BLOB_LEN` or
/// `BLOB_LEN_WITH_TRANSFORM`. Gives the bytes as a `&'static [u8]`, for
/// [`weights::view`](crate::weights::view) (which still checks every byte, the CRC and the
/// header, when the device runs).
///
/// `include_weights!(Model, "path")`: the path is relative to the file that invokes the macro,
/// as for `include_bytes!`. A file of any other length, a blob of other layer sizes for
/// instance, is a compile error naming the file. In a `static`, the blob stays in flash:
///
/// ```
/// use tinyvae_core::presets::VaeDigits;
/// use tinyvae_core::{include_weights, weights};
///
/// // The blob shipped in the repository, relative to this source file.
/// static BLOB: &[u8] = include_weights!(VaeDigits, "../../../data/device/vae-digits.tvw");
///
/// let view = weights::view::<VaeDigits>(BLOB)?;
/// assert_eq!(BLOB.as_ptr() as usize % 4, 0);
/// assert!(view.transform.is_none());
/// # Ok::<(), tinyvae_core::Error>(())
/// ```
///
/// The same file for a model of other sizes does not compile:
///
/// ```compile_fail
/// use tinyvae_core::include_weights;
/// use tinyvae_core::vae::MlpVae;
///
/// static BLOB: &[u8] = include_weights!(MlpVae<64, 16, 2>, "../../../data/device/vae-digits.tvw");
/// ```
#[macro_export]
macro_rules! include_weights {
    ($model:ty, $path:expr $(,)?) => {{
        static BLOB: &$crate::weights::Aligned<[u8]> =
            &$crate::weights::Aligned(*::core::include_bytes!($path));
        const _: () = {
            let len = ::core::include_bytes!($path).len();
            ::core::assert!(
                len == <$model as $crate::weights::WeightBlob>::BLOB_LEN
                    || len == <$model as $crate::weights::WeightBlob>::BLOB_LEN_WITH_TRANSFORM,
                ::core::concat!(
                    "the length of ",
                    $path,
                    " is not that of a weight blob of ",
                    ::core::stringify!($model)
                )
            );
        };
        &BLOB.0
    }};
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::presets::{AeDigits, VaeDigits};
    use crate::weights::{WeightBlob, view};

    static VAE: &[u8] = crate::include_weights!(VaeDigits, "../../../data/device/vae-digits.tvw");
    static AE: &[u8] = crate::include_weights!(AeDigits, "../../../data/device/ae-digits.tvw");

    #[test]
    fn embedded_blobs_are_aligned_and_viewed() {
        assert_eq!(core::mem::align_of::<Aligned<[u8; 3]>>(), 4);
        for blob in [VAE, AE] {
            assert_eq!(blob.as_ptr() as usize % 4, 0);
        }
        assert_eq!(VAE.len(), VaeDigits::BLOB_LEN);
        assert_eq!(AE.len(), AeDigits::BLOB_LEN);
        view::<VaeDigits>(VAE).unwrap();
        view::<AeDigits>(AE).unwrap();
    }
}
