//! Weight blobs: bytes in flash, validated and used in place by `tinyvae_core::weights::view`.

/// The core's 4-byte alignment of embedded bytes: `weights::view` reads the payload in place as
/// `f32`, so the blob must start at a 4-byte boundary.
pub use tinyvae_core::weights::Aligned;

/// Backing storage of [`VAE_DIGITS`].
static VAE_ALIGNED: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/device/vae-digits.tvw"
)));
/// Backing storage of [`AE_DIGITS`].
static AE_ALIGNED: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/device/ae-digits.tvw"
)));
/// Backing storage of [`AD_DIGITS`].
static AD_ALIGNED: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/device/ad-digits.tvw"
)));
/// Backing storage of [`CONV_AE_DIGITS`].
static CONV_AE_ALIGNED: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/device/conv-ae-digits.tvw"
)));
/// Backing storage of [`VAE_DIGITS_STANDARDIZED`].
static VAE_STANDARDIZED_ALIGNED: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(
    env!("OUT_DIR"),
    "/vae-digits-standardized.tvw"
)));
/// Backing storage of [`FIRMWARE_VAE`].
static FIRMWARE_VAE_ALIGNED: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(
    env!("OUT_DIR"),
    "/firmware-vae.tvw"
)));

/// `data/device/vae-digits.tvw`, as exported by the host trainer.
pub static VAE_DIGITS: &[u8] = &VAE_ALIGNED.0;
/// `data/device/ae-digits.tvw`, as exported by the host trainer.
pub static AE_DIGITS: &[u8] = &AE_ALIGNED.0;
/// `data/device/ad-digits.tvw`, the anomaly detector: weights, score and threshold (a
/// version-4 blob), as exported by the host after `tinyvae calibrate`.
pub static AD_DIGITS: &[u8] = &AD_ALIGNED.0;
/// `data/device/conv-ae-digits.tvw`, the convolutional autoencoder: weights, then the
/// geometry of each convolution (a version-5 blob), as exported by the host trainer.
pub static CONV_AE_DIGITS: &[u8] = &CONV_AE_ALIGNED.0;
/// The `vae-digits` weights with an input transform (a version-2 blob, 520 bytes longer):
/// the host's standardization fitted on the raw 0–16 pixels of the training digits, written
/// by build.rs with the host's exporter.
pub static VAE_DIGITS_STANDARDIZED: &[u8] = &VAE_STANDARDIZED_ALIGNED.0;
/// The blob the firmware loads as `vae-digits`: [`VAE_DIGITS`], or the variant selected with
/// `TINYVAE_BLOB` at build time ([`BLOB_VARIANT`]): [`VAE_DIGITS_STANDARDIZED`] or a broken
/// blob.
pub static FIRMWARE_VAE: &[u8] = &FIRMWARE_VAE_ALIGNED.0;
/// Which blob [`FIRMWARE_VAE`] is: `vae-digits`, `standardized`, `corrupt-byte`,
/// `truncated`, `wrong-model` or `nan-weight` (see build.rs).
pub const BLOB_VARIANT: &str = env!("TINYVAE_BLOB_VARIANT");

#[cfg(target_endian = "big")]
compile_error!("weight blobs are little-endian and read in place: big-endian targets need a copy");
