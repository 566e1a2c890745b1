//! NumPy `.npy` arrays: `read_npy` on any data file and, if the second file of the input
//! (`split_pair`) is not empty, any labels file. It returns a dataset or an error, and a
//! dataset holds finite values and a label for each sample exactly when labels were given.
#![no_main]

use std::io::Cursor;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tinyvae_fuzz::split_pair;
use tinyvae_host::data::read_npy;

fuzz_target!(|data: &[u8]| {
    let (values, labels) = split_pair(data);
    let labels = (!labels.is_empty()).then(|| (Cursor::new(labels), Path::new("y.npy")));
    let with_labels = labels.is_some();
    let Ok(dataset) = read_npy(Cursor::new(values), Path::new("x.npy"), labels, "fuzz") else {
        return;
    };
    assert!(!dataset.is_empty());
    assert_eq!(
        dataset.images().len(),
        dataset.len() * dataset.pixels_per_image()
    );
    assert!(dataset.images().iter().all(|v| v.is_finite()));
    assert_eq!(dataset.labels().is_some(), with_labels);
});
