//! IDX images and labels (raw or gzip): `read_idx_pair` on any two files, split from the
//! input by `split_pair`. It returns a dataset or an error, and a dataset holds what its
//! headers declared.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tinyvae_fuzz::split_pair;
use tinyvae_host::data::read_idx_pair;

fuzz_target!(|data: &[u8]| {
    let (images, labels) = split_pair(data);
    let Ok(dataset) = read_idx_pair(
        images,
        Path::new("images"),
        labels,
        Path::new("labels"),
        "fuzz",
    ) else {
        return;
    };
    assert!(!dataset.is_empty());
    assert_eq!(
        dataset.images().len(),
        dataset.len() * dataset.pixels_per_image()
    );
    assert_eq!(dataset.labels().map(<[u8]>::len), Some(dataset.len()));
    assert!(dataset.images().iter().all(|p| (0.0..=1.0).contains(p)));
});
