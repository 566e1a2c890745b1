//! The detector's part of the run: validate the `ad-digits` blob, score and decide the test
//! digits with its threshold, re-calibrate after fine-tuning where the RAM allows, print.
//! Keys are `ad-digits.<mode>.<figure>`, as every mode's.

use firmware_sim::agreement::Agreement;
use firmware_sim::blob::AD_DIGITS;
use firmware_sim::detect::{self, RECALIBRATION_BUFFER_BYTES};
use firmware_sim::{DeviceError, RAM_REGION};
use tinyvae_core::anomaly::{Calibration as Rule, Detector};

use crate::app::{agreement_add, print_blob};
use crate::calibration::Calibration;
use crate::mem::{self, StackTracker};
use crate::platform::{Counter, hprintln};
use crate::print::{AgreementText, Fixed2, List, print_per_call};
use crate::train::{FRAME_MARGIN, fits_linked_ram};
use firmware_sim::micro::Micro;

const PRESET: &str = "ad-digits";

/// Runs the detector's modes and prints them; adds their agreement with the host to
/// `agreement`.
pub fn run(
    stack: &mut StackTracker,
    counter: &mut Counter,
    cal: &Calibration,
    agreement: &mut Agreement,
) -> Result<(), DeviceError> {
    let (model, detector) = detect::view_ad(AD_DIGITS)?;
    print_blob(PRESET, AD_DIGITS, model);
    print_detector("detector", &detector);

    let (report, depth) = stack.measure(|| detect::ad_detect(model, &detector, counter));
    let r = report?;
    let mode = "ad-digits.detect";
    hprintln!("{}.stack_bytes={}", mode, depth);
    hprintln!("{}.digits={}", mode, r.digits);
    hprintln!("{}.host_values={}", mode, r.agreement.values);
    hprintln!("{}.host_agreement={}", mode, AgreementText(&r.agreement));
    hprintln!("{}.decisions={}", mode, Bits(r.decisions, r.digits));
    hprintln!(
        "{}.abnormal_labels={}",
        mode,
        Bits(r.abnormal_labels, r.digits)
    );
    let flagged = r.decisions.count_ones();
    let caught = (r.decisions & r.abnormal_labels).count_ones();
    hprintln!("{}.flagged={}", mode, flagged);
    hprintln!("{}.true_positives={}", mode, caught);
    hprintln!("{}.false_positives={}", mode, flagged - caught);
    hprintln!(
        "{}.false_negatives={}",
        mode,
        r.abnormal_labels.count_ones() - caught
    );
    hprintln!("{}.macs={}", mode, r.macs);
    print_per_call(PRESET, "detect", "insns_per_sample", &r.bench, cal);
    let macs = u64::from(r.bench.calls) * u64::from(r.macs);
    hprintln!(
        "{}.insns_per_mac={}",
        mode,
        Fixed2::ratio(cal.insns(r.bench.net_ticks()), macs)
    );
    agreement_add(agreement, &r.agreement);

    let mode = "ad-digits.recalibrate";
    let available = mem::stack_available();
    hprintln!("{}.buffer_bytes={}", mode, RECALIBRATION_BUFFER_BYTES);
    // A constant where the RAM linked cannot hold the buffers: the mode is then not compiled in.
    if !fits_linked_ram(RECALIBRATION_BUFFER_BYTES)
        || RECALIBRATION_BUFFER_BYTES + FRAME_MARGIN > available
    {
        hprintln!("{}=skipped", mode);
        hprintln!(
            "{}.skip_reason=needs {} bytes of buffers (+{} for frames), {} bytes of stack left of {} RAM",
            mode,
            RECALIBRATION_BUFFER_BYTES,
            FRAME_MARGIN,
            available,
            RAM_REGION
        );
        return Ok(());
    }
    let (report, depth) = stack.measure(|| detect::ad_recalibrate(model, &detector));
    let r = report?;
    let t = &r.trajectory;
    hprintln!("{}=ran", mode);
    hprintln!("{}.stack_bytes={}", mode, depth);
    hprintln!("{}.steps={}", mode, t.step_losses.len());
    hprintln!("{}.loss={}", mode, List(&t.evaluations));
    hprintln!("{}.loss_first={}", mode, Micro(t.evaluations[0]));
    hprintln!(
        "{}.loss_last={}",
        mode,
        Micro(t.evaluations[t.evaluations.len() - 1])
    );
    hprintln!("{}.window={}", mode, r.window);
    print_detector("recalibrate", &r.detector);
    hprintln!("{}.decisions={}", mode, Bits(r.decisions, r.digits));
    hprintln!("{}.host_values={}", mode, r.agreement.values);
    hprintln!("{}.host_agreement={}", mode, AgreementText(&r.agreement));
    agreement_add(agreement, &r.agreement);
    Ok(())
}

/// `ad-digits.<part>.score=`, `.rule=`, `.threshold=` (and its bits), `.samples=`.
fn print_detector(part: &str, d: &Detector) {
    hprintln!("{}.{}.score={}", PRESET, part, d.score.name());
    match d.rule {
        Rule::Percentile(p) => hprintln!("{}.{}.rule=percentile {}", PRESET, part, Micro(p)),
        Rule::MeanPlusStd(k) => hprintln!("{}.{}.rule=mean+k*std k={}", PRESET, part, Micro(k)),
    }
    hprintln!("{}.{}.threshold={}", PRESET, part, Micro(d.threshold));
    hprintln!(
        "{}.{}.threshold_bits={:#010x}",
        PRESET,
        part,
        d.threshold.to_bits()
    );
    hprintln!("{}.{}.samples={}", PRESET, part, d.samples);
}

/// The first `n` bits of a decision mask as `0`/`1` characters, sample 0 first.
struct Bits(u32, usize);

impl core::fmt::Display for Bits {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for i in 0..self.1.min(32) {
            f.write_str(if self.0 >> i & 1 == 1 { "1" } else { "0" })?;
        }
        Ok(())
    }
}
