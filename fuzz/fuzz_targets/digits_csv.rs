//! The UCI 8×8 digits CSV (raw or gzip): `read_digits` on any bytes. It returns a split or an
//! error, and a split is two non-empty sets of 8×8 images in [0, 1] with labels 0 to 9.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tinyvae_host::data::{DIGITS_SIDE, Dataset, read_digits};

fuzz_target!(|data: &[u8]| {
    let Ok(split) = read_digits(data, Path::new("digits.csv")) else {
        return;
    };
    for side in [&split.train, &split.test] {
        check(side);
    }
    // The test set is the last fifth, rounded up.
    let all = split.train.len() + split.test.len();
    assert_eq!(split.test.len(), all.div_ceil(5));
});

fn check(side: &Dataset) {
    assert!(!side.is_empty());
    assert_eq!((side.width(), side.height()), (DIGITS_SIDE, DIGITS_SIDE));
    assert!(side.images().iter().all(|p| (0.0..=1.0).contains(p)));
    let labels = side.labels().unwrap_or_default();
    assert_eq!(labels.len(), side.len());
    assert!(labels.iter().all(|&l| l <= 9));
}
