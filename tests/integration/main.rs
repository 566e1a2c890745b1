//! Integration tests: one binary, one module per area.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod anomaly;
mod cli;
mod dashboard;
mod endless;
mod faults;
mod losses;
mod own_data;
mod pipes;
mod training;
mod trust;
