//! Bytes the dashboard writes to the terminal at steady state, measured through the real render
//! path (a `CrosstermBackend` over a counting writer) with a synthetic run on a simulated clock.
//! Counting, not timing: the figures are the same on any machine.
//!
//! `cargo test --test ui_bandwidth -- --nocapture` prints them.

use std::time::Duration;

use tinyvae::render::tui::Mode;
use tinyvae::render::tui::bench::{Measurement, Scenario, measure};
use tinyvae::render::tui::{Colors, DashboardOptions};

/// The target at 120×40.
const BUDGET: f64 = 50_000.0;

fn run(name: &str, scenario: &Scenario) -> Measurement {
    let m = match measure(scenario) {
        Ok(m) => m,
        Err(e) => panic!("{name}: {e}"),
    };
    println!(
        "{name:<44} {:>7.0} B/s  {:>5.1} frames/s  {:>6.0} B/frame  {:>6.0} events/s",
        m.bytes_per_second(),
        m.frames_per_second(),
        m.bytes as f64 / m.frames.max(1) as f64,
        m.events as f64 / m.seconds,
    );
    m
}

#[test]
fn steady_state_output_stays_under_budget() {
    let base = Scenario::default();
    assert_eq!((base.width, base.height), (120, 40));
    assert_eq!(base.steps_per_second, 1000.0);

    // Every step reported, 1000 steps/s: the worst case.
    let every_step = run("120x40 overview, 1000 steps/s, every step", &base);
    assert!(every_step.bytes_per_second() < BUDGET, "{every_step:?}");
    // The frame rate is capped at 10 per second.
    assert!(
        every_step.frames_per_second() <= 10.0 + 1e-9,
        "{every_step:?}"
    );
    assert!(every_step.frames_per_second() >= 9.0, "{every_step:?}");

    // As the worker sends them to the dashboard: a step report per 100 ms.
    let throttled = Scenario {
        report_every: 100,
        ..base.clone()
    };
    let m = run("120x40 overview, 1000 steps/s, report/100", &throttled);
    assert!(m.bytes_per_second() < BUDGET, "{m:?}");

    for (name, scenario) in [
        (
            "120x40 overview --ascii",
            Scenario {
                options: DashboardOptions {
                    ascii: true,
                    ..DashboardOptions::default()
                },
                ..base.clone()
            },
        ),
        (
            "120x40 overview NO_COLOR",
            Scenario {
                options: DashboardOptions {
                    color: Colors::None,
                    ..DashboardOptions::default()
                },
                ..base.clone()
            },
        ),
        (
            "120x40 overview, 16 colours",
            Scenario {
                options: DashboardOptions {
                    color: Colors::Basic,
                    ..DashboardOptions::default()
                },
                ..base.clone()
            },
        ),
        (
            "120x40 latent view",
            Scenario {
                mode: Mode::Latent,
                ..base.clone()
            },
        ),
    ] {
        let m = run(name, &scenario);
        assert!(m.bytes_per_second() < BUDGET, "{name}: {m:?}");
    }

    // Bigger terminals cost more; printed for reference.
    for (w, h) in [(80, 24), (200, 60)] {
        run(
            &format!("{w}x{h} overview, every step"),
            &Scenario {
                width: w,
                height: h,
                ..base.clone()
            },
        );
    }
}

#[test]
fn an_idle_dashboard_writes_nothing() {
    // Paused or done: no events, no frames, no bytes.
    let scenario = Scenario {
        epochs: 1,
        warmup: Duration::from_secs(2),
        measured: Duration::from_secs(10),
        ..Scenario::default()
    };
    let m = match measure(&scenario) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    assert_eq!((m.bytes, m.frames), (0, 0), "{m:?}");
}
