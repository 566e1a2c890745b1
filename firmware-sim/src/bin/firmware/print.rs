//! Printing the modes' reports as `key=value` lines, and the formats of their figures
//! (without core's float formatting, about 20 KiB of flash).

use core::fmt;

use firmware_sim::agreement::Agreement;
use firmware_sim::micro::Micro;
use firmware_sim::report::{AeInferenceReport, InferenceBench};
use firmware_sim::workload::DENSE_64X32_MACS;
use firmware_sim::{BenchReport, InferenceReport};

use crate::calibration::Calibration;
use crate::platform::hprintln;

/// Prints the VAE inference mode.
pub fn print_inference(r: &InferenceReport, depth: usize) {
    hprintln!("vae-digits.inference.stack_bytes={}", depth);
    hprintln!("vae-digits.inference.digits={}", r.digits);
    hprintln!("vae-digits.inference.host_values={}", r.agreement.values);
    hprintln!(
        "vae-digits.inference.host_agreement={}",
        AgreementText(&r.agreement)
    );
    hprintln!(
        "vae-digits.inference.mean_squared_error={}",
        Micro(r.mean_squared_error)
    );
    hprintln!(
        "vae-digits.inference.mean_negative_elbo={}",
        Micro(r.mean_negative_elbo)
    );
    hprintln!(
        "vae-digits.inference.first_mean={},{}",
        Micro(r.first_mean[0]),
        Micro(r.first_mean[1])
    );
}

/// Prints the autoencoder inference mode.
pub fn print_ae_inference(r: &AeInferenceReport, depth: usize) {
    hprintln!("ae-digits.inference.stack_bytes={}", depth);
    hprintln!("ae-digits.inference.digits={}", r.digits);
    hprintln!(
        "ae-digits.inference.mean_squared_error={}",
        Micro(r.mean_squared_error)
    );
}

/// Prints the timing of a preset's inference (and of its stages, for the VAE).
pub fn print_bench(preset: &str, r: &InferenceBench, depth: usize, cal: &Calibration) {
    hprintln!("{}.inference.bench_stack_bytes={}", preset, depth);
    hprintln!("{}.inference.macs={}", preset, r.macs);
    print_per_call(preset, "inference", "insns", &r.bench, cal);
    print_per_mac(preset, "inference", &r.bench, r.macs, cal);
    let Some(b) = &r.breakdown else {
        return;
    };
    // The same inference, stage by stage; what the whole costs beyond the stages is the
    // core's argument and finiteness checks.
    let stages = [
        ("encoder_body", &b.encoder_body),
        ("heads", &b.heads),
        ("decoder", &b.decoder),
        ("sigmoids", &b.sigmoids),
    ];
    let mut staged = 0;
    for (name, bench) in stages {
        staged += cal.insns(bench.net_ticks());
        print_per_call("vae-digits.inference", name, "insns", bench, cal);
    }
    print_per_mac(
        "vae-digits.inference",
        "encoder_body",
        &b.encoder_body,
        DENSE_64X32_MACS as u32,
        cal,
    );
    let whole = cal.insns(r.bench.net_ticks());
    hprintln!(
        "vae-digits.inference.checks.insns={}",
        Fixed2::ratio(whole.saturating_sub(staged), u64::from(r.bench.calls))
    );
}

/// `<preset>.<mode>.<key>=` instructions per call of a timed loop.
pub fn print_per_call(preset: &str, mode: &str, key: &str, b: &BenchReport, cal: &Calibration) {
    let net = cal.insns(b.net_ticks());
    hprintln!(
        "{}.{}.{}={}",
        preset,
        mode,
        key,
        Fixed2::ratio(net, u64::from(b.calls))
    );
}

/// `<preset>.<mode>.insns_per_mac=`.
pub fn print_per_mac(preset: &str, mode: &str, b: &BenchReport, macs: u32, cal: &Calibration) {
    let net = cal.insns(b.net_ticks());
    let total = u64::from(b.calls) * u64::from(macs);
    hprintln!(
        "{}.{}.insns_per_mac={}",
        preset,
        mode,
        Fixed2::ratio(net, total)
    );
}

/// `bitwise`, or `max_ulps=N (K of M values differ)`.
pub struct AgreementText<'a>(pub &'a Agreement);

impl fmt::Display for AgreementText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0;
        if a.is_bitwise() {
            f.write_str("bitwise")
        } else {
            write!(
                f,
                "max_ulps:{} ({} of {} values differ)",
                a.max_ulps(),
                a.differing,
                a.values
            )
        }
    }
}

/// Comma-separated [`Micro`]s.
pub struct List<'a>(pub &'a [f32]);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}", Micro(*v))?;
        }
        Ok(())
    }
}

/// A non-negative ratio printed with two decimals, without pulling in float formatting.
pub struct Fixed2(u64);

impl Fixed2 {
    /// `num / den`, rounded to hundredths (`0` if `den` is 0).
    pub fn ratio(num: u64, den: u64) -> Self {
        Self((num * 100 + den / 2).checked_div(den).unwrap_or(0))
    }
}

impl fmt::Display for Fixed2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}
