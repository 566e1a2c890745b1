//! The element-wise loops of a training step, alone: the cross-entropy with its gradient and
//! an Adam update, at the sizes of the `vae-digits` and `vae-mnist` presets.
//!
//! `cargo bench -p tinyvae-core --features std --bench kernels`

#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tinyvae_core::loss::binary_cross_entropy_with_logits;
use tinyvae_core::optim::{Adam, AdamState, Optimizer};
use tinyvae_core::rng::uniform_symmetric;
use tinyvae_core::{Dense, Parameters, seeded_rng};

fn cross_entropy(c: &mut Criterion) {
    let mut group = c.benchmark_group("cross_entropy");
    // 64 pixels × batch 32 and 784 pixels × batch 128.
    for len in [64 * 32, 784 * 128] {
        let mut rng = seeded_rng(1);
        let logits: Vec<f32> = (0..len).map(|_| uniform_symmetric(&mut rng, 8.0)).collect();
        let targets: Vec<f32> = (0..len)
            .map(|_| uniform_symmetric(&mut rng, 0.5) + 0.5)
            .collect();
        let mut grad = vec![0.0f32; len];
        group.throughput(Throughput::Elements(len as u64));
        group.bench_function(BenchmarkId::from_parameter(len), |b| {
            b.iter(|| {
                binary_cross_entropy_with_logits(
                    black_box(&logits),
                    black_box(&targets),
                    Some(&mut grad),
                    1.0 / 32.0,
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

fn adam_on<const I: usize, const O: usize>(c: &mut Criterion, name: &str) {
    let mut rng = seeded_rng(2);
    let mut params: Box<Dense<I, O>> = bytemuck::zeroed_box();
    let mut grads: Box<Dense<I, O>> = bytemuck::zeroed_box();
    params.initialize(&mut rng);
    grads.initialize(&mut rng);
    let mut state: Box<AdamState<Dense<I, O>>> = bytemuck::zeroed_box();
    let adam = Adam::with_learning_rate(1e-3);
    let mut group = c.benchmark_group("adam");
    group.throughput(Throughput::Elements(<Dense<I, O>>::SCALARS as u64));
    group.bench_function(name, |b| {
        b.iter(|| {
            adam.step(&mut *params, black_box(&*grads), &mut *state)
                .unwrap()
        })
    });
    group.finish();
}

fn adam(c: &mut Criterion) {
    adam_on::<64, 64>(c, "64x64");
    adam_on::<784, 400>(c, "784x400");
}

criterion_group!(benches, cross_entropy, adam);
criterion_main!(benches);
