//! CSV and TSV tables (raw or gzip): `read_table` on any bytes, in the layout the first byte
//! picks (`table_layout`). It returns a dataset or an error, and a dataset holds finite values
//! and a label for each sample exactly when a label column was asked for.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tinyvae_fuzz::table_layout;
use tinyvae_host::data::read_table;

fuzz_target!(|data: &[u8]| {
    let Some((&layout, text)) = data.split_first() else {
        return;
    };
    let layout = table_layout(layout);
    let Ok(dataset) = read_table(text, Path::new("table"), &layout, "fuzz") else {
        return;
    };
    assert!(!dataset.is_empty());
    assert_eq!(
        dataset.images().len(),
        dataset.len() * dataset.pixels_per_image()
    );
    assert!(dataset.images().iter().all(|v| v.is_finite()));
    assert_eq!(
        dataset.labels().map(<[u8]>::len),
        layout.labels.map(|_| dataset.len())
    );
});
