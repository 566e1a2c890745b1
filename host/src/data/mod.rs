//! Datasets: loading the image sets the trainer learns from, and preparing their pixels.
//!
//! Two formats are read, each gzip-compressed or raw: the IDX files of MNIST and its
//! look-alikes ([`load_idx_dir`]) and the CSV of the UCI 8x8 digits ([`load_digits`]). Either
//! gives a [`Split`] of two [`Dataset`]s whose pixels are scaled to [0, 1].
//!
//! Each loader of a file has a twin that reads the same bytes from a reader instead
//! ([`read_idx_pair`], [`read_digits`], [`read_table`], [`read_npy`]), given a path that only
//! names the data in errors: the same code reads both.

mod binarize;
mod dataset;
mod digits;
mod error;
mod idx;
mod normalize;
mod npy;
mod record;
mod source;
mod spec;
mod split;
mod table;

use std::path::{Path, PathBuf};

pub use binarize::{
    EVALUATION_BINARIZATION_SEED, binarize_dynamic, binarize_once, binarize_threshold,
};
pub use dataset::{Dataset, SampleShape, Split};
pub use digits::{DIGITS_FIELDS, DIGITS_SIDE, load_digits, read_digits};
pub use error::{DataError, RowProblem};
pub use idx::{
    TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS, load_idx_dir, load_idx_pair,
    read_idx_pair,
};
pub use normalize::{InputTransform, Normalization};
pub use npy::{MAX_NPY_VALUES, load_npy, read_npy};
pub use record::{DataRecord, fingerprint};
pub use spec::{DEFAULT_TEST_FRACTION, DataFormat, DataSpec, LoadedData, TestSet};
pub use split::hold_out;
pub use table::{LabelColumn, TableLayout, load_table, read_table};

/// Environment variable naming the folder that holds the shipped `mnist/` and `digits/`.
pub const DATA_DIR_VARIABLE: &str = "TINYVAE_DATA";

/// The folder holding the shipped `mnist/` and `digits/`: `$TINYVAE_DATA` if set; else `data/`
/// in the working directory if it holds either set, which serves an installed binary run
/// beside its data; else the project's `data/` as it was at build time, so `cargo run` works
/// from any folder.
pub fn default_data_dir() -> PathBuf {
    // Absolute, so the path still names the same folder when handed to a process started
    // elsewhere.
    let local = std::env::current_dir().unwrap_or_default().join("data");
    resolve_data_dir(
        std::env::var_os(DATA_DIR_VARIABLE).map(PathBuf::from),
        &local,
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap_or(Path::new(".."))
            .join("data"),
    )
}

/// [`default_data_dir`]'s choice, from its three candidates in order of precedence.
fn resolve_data_dir(from_variable: Option<PathBuf>, local: &Path, built_in: PathBuf) -> PathBuf {
    if let Some(dir) = from_variable.filter(|dir| !dir.as_os_str().is_empty()) {
        return dir;
    }
    if local.join("mnist").is_dir() || local.join("digits").is_dir() {
        return local.to_path_buf();
    }
    built_in
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_prefers_the_variable_then_a_local_data_folder() {
        let scratch = tempfile::tempdir().unwrap();
        let local = scratch.path().join("data");
        let built_in = PathBuf::from("/built/in/data");
        let chosen = |variable: Option<&str>| {
            resolve_data_dir(variable.map(PathBuf::from), &local, built_in.clone())
        };
        assert_eq!(chosen(None), built_in, "no local data folder yet");
        std::fs::create_dir_all(local.join("other")).unwrap();
        assert_eq!(chosen(None), built_in, "a data folder without the sets");
        std::fs::create_dir_all(local.join("digits")).unwrap();
        assert_eq!(chosen(None), local);
        assert_eq!(chosen(Some("/elsewhere")), PathBuf::from("/elsewhere"));
        assert_eq!(chosen(Some("")), local, "an empty variable counts as unset");
    }

    #[test]
    fn default_data_dir_holds_the_shipped_sets() {
        let dir = default_data_dir();
        assert!(dir.is_absolute(), "{}", dir.display());
        assert!(
            dir.join("mnist").is_dir() && dir.join("digits").is_dir(),
            "{}",
            dir.display()
        );
    }
}
