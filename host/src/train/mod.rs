//! Training: the worker that fits a model and the events it reports.

pub mod config;
pub mod detection;
mod error;
mod evaluate;
pub mod events;
mod families;
pub mod model;
pub mod optimizer;
pub mod options;
pub mod order;
pub mod persistence;
mod progress;
mod run_info;
pub mod snapshot;
pub mod trainer;
pub mod worker;
