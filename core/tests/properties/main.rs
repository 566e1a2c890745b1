//! Property tests of the core's public entry points: whatever the batch size, the buffer
//! lengths, the values and the bytes, they return `Ok` or an `Err`, never panic.
//!
//! One test binary; each file covers one family of entry points. Case counts are kept small so
//! the whole binary runs in a few seconds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod dense;
mod models;
mod strategies;
mod weights;
