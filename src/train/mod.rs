//! Training: the worker that fits a model and the events it reports.

pub mod events;
