//! The detector view of a `--normal-class` run, refreshed at every epoch's end: a table of
//! each reconstruction score (ROC AUC, partial AUC, and precision, recall, F1 and false
//! positives at the threshold calibration would set now), the histograms of the selected
//! score over the normal and the abnormal test samples with that threshold, and the score's
//! ROC AUC per epoch.
//!
//! ```text
//! ╭ detector │ classes 0 normal │ epoch 300 ──────────────────────────────────────╮
//! │test 360 (325 abnormal) │ thresholds p99.5 of 143 normal training samples      │
//! │  score  ROC AUC  pAUC<=0.1  threshold  precision  recall      F1     FPR      │
//! │> mse     1.0000     1.0000     0.0209     0.9909  1.0000  0.9954  0.0857      │
//! ╰───────────────────────────────────────────────────────────────────────────────╯
//! ╭ mse scores of the test samples │ a next ──────╮╭ mse ROC AUC per epoch ───────╮
//! │normal (35)                                    ││1   │⢸⠓⠒⠒⠒⠒⠛⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉   │
//! │██▃▃ │                                         ││    │⡇                        │
//! │abnormal (325)                                 ││0.90│⡇                        │
//! │     │   ▁▂▄▆▅▅█▇██▆▃██▅▅▂▂▃▃▄▂▁              ││    └───────────────────────  │
//! │threshold 0.0209                         0.1493││    1                     300 │
//! ```

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};
use tinyvae_host::anomaly::{Calibration, PARTIAL_AUC_MAX_FPR};
use tinyvae_host::train::detection::{DetectionReport, DetectionScore};

use super::score_histogram;
use super::state::DashboardState;
use super::text::{note, put, sig};
use super::theme::{Role, Theme};
use crate::format::classes_text;

/// Draws the view into `area`.
pub fn render(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let history = state.detection();
    let Some(report) = history.last() else {
        let block = theme.block(" detector ");
        let inner = block.inner(area);
        block.render(area, buf);
        note(
            buf,
            inner,
            "the test set is scored at the end of each epoch",
            theme.style(Role::Dim),
        );
        return;
    };
    let rows = u16::try_from(report.scores.len()).unwrap_or(u16::MAX);
    let [table, charts] = area.layout(&Layout::vertical([
        Constraint::Length(rows.saturating_add(4)),
        Constraint::Fill(1),
    ]));
    render_table(report, history.selected(), theme, table, buf);
    let Some(selected) = history.selected() else {
        return;
    };
    let [histogram, auc] = charts.layout(&Layout::horizontal([
        Constraint::Fill(3),
        Constraint::Fill(2),
    ]));
    score_histogram::render(selected, theme, histogram, buf);
    let points = history.auc_of(selected.score);
    let planned = state.info().map_or(0, |i| i.epochs);
    render_auc(selected, points, planned, theme, auc, buf);
}

fn render_table(
    report: &DetectionReport,
    selected: Option<&DetectionScore>,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let title = format!(
        " detector {} classes {} normal {} epoch {} ",
        theme.separator(),
        classes_text(Some(&report.normal_classes)),
        theme.separator(),
        report.epoch
    );
    let block = theme.block(title);
    let inner = block.inner(area);
    block.render(area, buf);
    let dim = theme.style(Role::Dim);
    let facts = format!(
        "test {} ({} abnormal) {} thresholds {} of {} normal training samples",
        report.test_samples,
        report.anomalous,
        theme.separator(),
        rule_text(report.rule),
        report.calibration_samples
    );
    put(buf, inner, inner.x, inner.y, &[(facts.as_str(), dim)]);
    let header = format!(
        "  {:<6}{:>8}{:>11}{:>11}{:>11}{:>8}{:>8}{:>8}",
        "score",
        "ROC AUC",
        format!("pAUC<={PARTIAL_AUC_MAX_FPR}"),
        "threshold",
        "precision",
        "recall",
        "F1",
        "FPR"
    );
    put(buf, inner, inner.x, inner.y + 1, &[(header.as_str(), dim)]);
    for (score, y) in report.scores.iter().zip(inner.y + 2..inner.bottom()) {
        let chosen = selected.is_some_and(|s| s.score == score.score);
        let row = format!(
            "{} {:<6}{:>8.4}{:>11.4}{:>11}{:>11.4}{:>8.4}{:>8.4}{:>8.4}",
            if chosen { '>' } else { ' ' },
            score.score.name(),
            score.auc,
            score.partial_auc,
            sig(f64::from(score.threshold)),
            score.precision,
            score.recall,
            score.f1,
            score.false_positive_rate
        );
        let style = if chosen {
            theme.style(Role::Selected)
        } else {
            Style::new()
        };
        put(buf, inner, inner.x, y, &[(row.as_str(), style)]);
    }
}

fn rule_text(rule: Calibration) -> String {
    match rule {
        Calibration::Percentile(p) => format!("p{p}"),
        Calibration::MeanPlusStd(k) => format!("mean + {k} sd"),
    }
}

fn render_auc(
    score: &DetectionScore,
    points: &[(f64, f64)],
    planned: usize,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let title = format!(" {} ROC AUC per epoch ", score.score.name());
    let block = theme.block(title);
    let inner = block.inner(area);
    block.render(area, buf);
    let dim = theme.style(Role::Dim);
    if inner.height < 4 || points.is_empty() {
        return;
    }
    let last = points.last().map_or(1.0, |p| p.0);
    let x_max = (planned as f64).max(last).max(2.0);
    let lowest = points.iter().map(|p| p.1).fold(1.0, f64::min);
    let low = ((lowest * 20.0).floor() / 20.0).clamp(0.0, 0.95);
    let marker = if theme.ascii {
        Marker::Dot
    } else {
        Marker::Braille
    };
    let curve = Dataset::default()
        .marker(marker)
        .graph_type(GraphType::Line)
        .style(theme.style(Role::Test))
        .data(points);
    Chart::new(vec![curve])
        .x_axis(
            Axis::default()
                .style(dim)
                .bounds([1.0, x_max])
                .labels([Span::raw("1"), Span::raw(format!("{x_max}"))]),
        )
        .y_axis(
            Axis::default()
                .style(dim)
                .bounds([low, 1.0])
                .labels([Span::raw(format!("{low:.2}")), Span::raw("1")]),
        )
        .legend_position(None)
        .render(inner, buf);
}
