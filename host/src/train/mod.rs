//! Training: the worker that fits a model and the events it reports.

pub mod config;
pub mod events;
pub mod model;
pub mod optimizer;
pub mod order;
mod progress;
pub mod snapshot;
pub mod trainer;
pub mod worker;
