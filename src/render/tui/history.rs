//! Bounded histories of the losses: per step (buckets whose width doubles as the run grows)
//! and per epoch (decimated when full).

use std::collections::VecDeque;

use tinyvae_host::train::events::{EpochReport, LossParts};

/// Buckets kept by a [`LossHistory`]; when one more is needed, pairs are merged.
pub const LOSS_BUCKETS: usize = 512;
/// Per-epoch points kept for the train/test chart.
pub const MAX_EPOCH_POINTS: usize = 1024;

/// One of the loss terms tracked per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Term {
    /// The loss minimized.
    Total,
    /// Reconstruction term.
    Reconstruction,
    /// KL term.
    Kl,
}

impl Term {
    /// This term of a loss report.
    pub fn of(self, loss: &LossParts) -> f32 {
        match self {
            Term::Total => loss.total,
            Term::Reconstruction => loss.reconstruction,
            Term::Kl => loss.kl,
        }
    }

    fn slot(self) -> usize {
        match self {
            Term::Total => 0,
            Term::Reconstruction => 1,
            Term::Kl => 2,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Bucket {
    /// `(step - 1) / stride`: which run of `stride` steps this bucket covers.
    index: u64,
    sums: [f64; 3],
    count: u32,
}

/// Step losses of a whole run in at most [`LOSS_BUCKETS`] buckets of `stride` steps each: when
/// the buckets run out, neighbours are merged and the stride doubles. The newest bucket may be
/// partial. Sparklines show the newest buckets, so a column moves only when a bucket completes
/// (rarely, late in a run), which also keeps the bytes sent to the terminal down.
#[derive(Clone, Debug, PartialEq)]
pub struct LossHistory {
    buckets: VecDeque<Bucket>,
    stride: u64,
}

impl Default for LossHistory {
    fn default() -> Self {
        Self {
            buckets: VecDeque::with_capacity(LOSS_BUCKETS + 1),
            stride: 1,
        }
    }
}

impl LossHistory {
    /// Adds the loss of one step.
    pub fn push(&mut self, step: u64, loss: &LossParts) {
        let values = [loss.total, loss.reconstruction, loss.kl].map(|v| {
            if v.is_finite() {
                f64::from(v)
            } else {
                f64::NAN
            }
        });
        if values[0].is_nan() {
            // A diverged step would flatten every sparkline; the header shows it instead.
            return;
        }
        let index = step.saturating_sub(1) / self.stride;
        match self.buckets.back_mut() {
            // Same bucket, or an out-of-order step: fold it into the newest bucket.
            Some(last) if index <= last.index => {
                for (sum, value) in last.sums.iter_mut().zip(values) {
                    *sum += if value.is_nan() { 0.0 } else { value };
                }
                last.count += 1;
            }
            _ => {
                self.buckets.push_back(Bucket {
                    index,
                    sums: values.map(|v| if v.is_nan() { 0.0 } else { v }),
                    count: 1,
                });
                // Sparse reports (one per 100 ms, say) may need several doublings to merge.
                while self.buckets.len() > LOSS_BUCKETS {
                    self.compact();
                }
            }
        }
    }

    fn compact(&mut self) {
        self.stride *= 2;
        let mut merged: VecDeque<Bucket> = VecDeque::with_capacity(LOSS_BUCKETS + 1);
        for bucket in self.buckets.drain(..) {
            let index = bucket.index / 2;
            match merged.back_mut() {
                Some(last) if last.index == index => {
                    for (sum, add) in last.sums.iter_mut().zip(bucket.sums) {
                        *sum += add;
                    }
                    last.count += bucket.count;
                }
                _ => merged.push_back(Bucket { index, ..bucket }),
            }
        }
        self.buckets = merged;
    }

    /// Forgets everything (a new run).
    pub fn clear(&mut self) {
        self.buckets.clear();
        self.stride = 1;
    }

    /// Number of buckets held.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether no step was recorded.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// Steps per bucket.
    pub fn stride(&self) -> u64 {
        self.stride
    }

    /// Steps of the run per bucket among the newest `count` (more than the stride when the
    /// trainer reports only some steps).
    pub fn steps_per_bucket(&self, count: usize) -> f64 {
        let skip = self.buckets.len().saturating_sub(count);
        match (self.buckets.get(skip), self.buckets.back()) {
            (Some(first), Some(last)) => {
                let n = (self.buckets.len() - skip) as f64;
                ((last.index - first.index + 1) * self.stride) as f64 / n
            }
            _ => self.stride as f64,
        }
    }

    /// Mean of `term` in each of the newest `count` buckets, oldest first.
    pub fn recent(&self, term: Term, count: usize) -> impl Iterator<Item = f64> + '_ {
        let skip = self.buckets.len().saturating_sub(count);
        let slot = term.slot();
        self.buckets
            .iter()
            .skip(skip)
            .map(move |b| b.sums[slot] / f64::from(b.count.max(1)))
    }
}

/// Keeps per-epoch chart points within [`MAX_EPOCH_POINTS`]: when there are more, the first
/// point, every other one after it, and the newest.
pub(crate) fn bound(points: &mut Vec<(f64, f64)>) {
    if points.len() <= MAX_EPOCH_POINTS {
        return;
    }
    let newest = points[points.len() - 1];
    let mut index = 0;
    points.retain(|_| {
        index += 1;
        index % 2 == 1
    });
    if points.last() != Some(&newest) {
        points.push(newest);
    }
}

/// Train and test loss per epoch, as chart points `(epoch, total loss)`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpochHistory {
    train: Vec<(f64, f64)>,
    test: Vec<(f64, f64)>,
    last: Option<EpochReport>,
}

impl EpochHistory {
    /// Adds the end of an epoch.
    pub fn push(&mut self, report: EpochReport) {
        let epoch = report.epoch as f64;
        if report.train.total.is_finite() {
            self.train.push((epoch, f64::from(report.train.total)));
        }
        if report.test.total.is_finite() {
            self.test.push((epoch, f64::from(report.test.total)));
        }
        bound(&mut self.train);
        bound(&mut self.test);
        self.last = Some(report);
    }

    /// Chart points of the training loss.
    pub fn train(&self) -> &[(f64, f64)] {
        &self.train
    }

    /// Chart points of the test loss.
    pub fn test(&self) -> &[(f64, f64)] {
        &self.test
    }

    /// The latest epoch report.
    pub fn last(&self) -> Option<&EpochReport> {
        self.last.as_ref()
    }

    /// Forgets every epoch (a new run started).
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }
}
