//! The loss panel: sparklines of the step losses (total, and for variational models the
//! reconstruction and KL terms), each labelled with its current value, above a chart of the
//! train and test loss per epoch.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Sparkline, Widget};

use super::state::{DashboardState, Term};
use super::text::{note, put, sig};
use super::theme::{Role, Theme};

/// Columns for the label left of each sparkline.
pub const LABEL_WIDTH: u16 = 12;
/// Bar heights of a sparkline are scaled to 1..=SPARK_MAX between the window's min and max.
const SPARK_MAX: u64 = 64;

/// The terms plotted: the total, plus reconstruction and KL for variational models (for plain
/// autoencoders the total is the reconstruction).
pub fn terms(state: &DashboardState) -> &'static [(Term, &'static str, Role)] {
    const ALL: [(Term, &str, Role); 3] = [
        (Term::Total, "total", Role::Total),
        (Term::Reconstruction, "recon", Role::Reconstruction),
        (Term::Kl, "KL", Role::Kl),
    ];
    if state.info().is_some_and(|i| i.is_variational) {
        &ALL
    } else {
        &ALL[..1]
    }
}

/// Draws the panel.
pub fn render(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let inner = theme.block("").inner(area);
    let columns = usize::from(inner.width.saturating_sub(LABEL_WIDTH));
    let title = if state.losses().is_empty() {
        " loss ".to_string()
    } else {
        let per = state.losses().steps_per_bucket(columns).round();
        if per <= 1.0 {
            " loss · per step ".to_string()
        } else {
            format!(" loss · {per} steps/col ")
        }
    };
    let block = theme.block(title);
    block.render(area, buf);
    if inner.is_empty() {
        return;
    }
    let terms = terms(state);
    let n = u16::try_from(terms.len()).unwrap_or(1);
    // Sparklines take about 40 % of the height, 2 to 4 rows each; the chart gets the rest.
    let each = (inner.height * 2 / 5 / n).clamp(2, 4);
    let sparks_height = (each * n).min(inner.height);
    let [sparks, chart] = inner.layout(&Layout::vertical([
        Constraint::Length(sparks_height),
        Constraint::Fill(1),
    ]));
    let rows = sparks.layout_vec(&Layout::vertical(vec![
        Constraint::Length(each);
        terms.len()
    ]));
    for (&(term, name, role), row) in terms.iter().zip(rows) {
        render_term(state, theme, term, name, role, row, buf);
    }
    if chart.height >= 4 {
        render_chart(state, theme, chart, buf);
    }
}

fn render_term(
    state: &DashboardState,
    theme: &Theme,
    term: Term,
    name: &str,
    role: Role,
    area: Rect,
    buf: &mut Buffer,
) {
    if area.is_empty() {
        return;
    }
    let style = theme.style(role);
    let current = state.last_step().map(|s| f64::from(term.of(&s.loss)));
    put(
        buf,
        area,
        area.x,
        area.y,
        &[(name, style.add_modifier(ratatui::style::Modifier::BOLD))],
    );
    let value = current.map_or_else(|| "-".to_string(), sig);
    put(
        buf,
        area,
        area.x,
        area.y + 1,
        &[(value.as_str(), Style::new())],
    );
    let spark = Rect {
        x: area.x + LABEL_WIDTH.min(area.width),
        width: area.width.saturating_sub(LABEL_WIDTH),
        ..area
    };
    if spark.is_empty() {
        return;
    }
    let losses = state.losses();
    let count = usize::from(spark.width);
    let (lo, hi) = losses
        .recent(term, count)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let span = hi - lo;
    let bars: Vec<u64> = losses
        .recent(term, count)
        .map(|v| {
            if span > 0.0 && span.is_finite() {
                1 + ((v - lo) / span * (SPARK_MAX - 1) as f64).round() as u64
            } else {
                SPARK_MAX / 2
            }
        })
        .collect();
    if lo.is_finite() {
        // The sparkline spans min..max of what it shows; say so when there is room.
        let dim = theme.style(Role::Dim);
        let (max, min) = (format!("max {}", sig(hi)), format!("min {}", sig(lo)));
        if area.height >= 4 {
            put(buf, area, area.x, area.y + 2, &[(max.as_str(), dim)]);
            put(buf, area, area.x, area.y + 3, &[(min.as_str(), dim)]);
        } else if area.height == 3 {
            put(buf, area, area.x, area.y + 2, &[(min.as_str(), dim)]);
        }
    }
    Sparkline::default()
        .data(bars)
        .max(SPARK_MAX)
        .bar_set(theme.bar_set())
        .style(style)
        .render(spark, buf);
}

/// Round `v` down (or up) to two significant digits, so the axis moves rarely.
fn nice(v: f64, up: bool) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let exponent = v.abs().log10().floor() as i32 - 1;
    let round = |q: f64| if up { q.ceil() } else { q.floor() };
    if exponent >= 0 {
        let m = 10f64.powi(exponent);
        round(v / m) * m
    } else {
        let m = 10f64.powi(-exponent);
        round(v * m) / m
    }
}

fn render_chart(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let epochs = state.epochs();
    // Colours tell the lines apart, or else the markers (braille dots vs bullets; in ASCII
    // `.` vs `*`).
    let (train_marker, test_marker, train_key, test_key) = if theme.has_color() && !theme.ascii {
        (Marker::Braille, Marker::Braille, "━", "━")
    } else {
        (Marker::Braille, Marker::Dot, "⣀", "•")
    };
    let [legend, plot] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
    ]));
    let Some(last) = epochs.last() else {
        put(
            buf,
            legend,
            legend.x,
            legend.y,
            &[("per epoch", theme.style(Role::Title))],
        );
        note(
            buf,
            plot,
            "train/test loss after the first epoch",
            theme.style(Role::Dim),
        );
        return;
    };
    let dim = theme.style(Role::Dim);
    let train_value = sig(f64::from(last.train.total));
    let test_value = sig(f64::from(last.test.total));
    let epoch = format!("  epoch {}", last.epoch);
    put(
        buf,
        legend,
        legend.x,
        legend.y,
        &[
            (train_key, theme.style(Role::Train)),
            (" train ", dim),
            (train_value.as_str(), Style::new()),
            ("  ", dim),
            (test_key, theme.style(Role::Test)),
            (" test ", dim),
            (test_value.as_str(), Style::new()),
            (epoch.as_str(), dim),
        ],
    );

    let planned = state.info().map_or(0, |i| i.epochs);
    let x_max = planned.max(last.epoch).max(2) as f64;
    let (lo, hi) = epochs
        .train()
        .iter()
        .chain(epochs.test())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    let (mut lo, mut hi) = (nice(lo, false), nice(hi, true));
    if hi <= lo {
        let pad = lo.abs().max(1.0) * 0.05;
        (lo, hi) = (lo - pad, hi + pad);
    }
    let datasets = vec![
        Dataset::default()
            .name("train")
            .marker(train_marker)
            .graph_type(GraphType::Line)
            .style(theme.style(Role::Train))
            .data(epochs.train()),
        Dataset::default()
            .name("test")
            .marker(test_marker)
            .graph_type(GraphType::Line)
            .style(theme.style(Role::Test))
            .data(epochs.test()),
    ];
    let x_axis = Axis::default()
        .style(dim)
        .bounds([1.0, x_max])
        .labels([Span::raw("1"), Span::raw(format!("{x_max}"))]);
    let y_axis = Axis::default()
        .style(dim)
        .bounds([lo, hi])
        .labels([Span::raw(sig(lo)), Span::raw(sig(hi))]);
    Chart::new(datasets)
        .x_axis(x_axis)
        .y_axis(y_axis)
        .legend_position(None)
        .render(plot, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_bounds() {
        assert_eq!(nice(123.4, false), 120.0);
        assert_eq!(nice(123.4, true), 130.0);
        assert_eq!(nice(0.0456, true), 0.046);
        assert_eq!(nice(-3.21, false), -3.3);
    }
}
