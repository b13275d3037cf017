/// The ECG conditioning filters, each a `BiquadCascade` with fixed memory.
///
/// Streaming use: call `process(_:)` with one sample at a time (the implant).
/// Block use: call `process(&buffer)` (replay and training-data export). Both
/// give bit-identical results because they run the same sections in the same order.
public enum ECGFilters {
    /// Butterworth band-pass built as a high-pass cascade followed by a
    /// low-pass cascade (each of even `order`). The default 0.5–40 Hz is the
    /// monitoring band: it keeps the QRS and T energy and drops wander and EMG.
    public static func bandPass(low: Double = 0.5, high: Double = 40, sampleRate: Double, order: Int = 2) -> BiquadCascade {
        let qs = BiquadCoefficients.butterworthQs(order: order)
        let highPass = qs.map { BiquadCoefficients.highPass(cutoff: low, sampleRate: sampleRate, q: $0) }
        let lowPass = qs.map { BiquadCoefficients.lowPass(cutoff: high, sampleRate: sampleRate, q: $0) }
        return BiquadCascade(highPass + lowPass)
    }

    /// Mains notch at 50 or 60 Hz. Q = 30 puts the −3 dB edges ±0.8 Hz (50 Hz)
    /// or ±1 Hz (60 Hz) from the centre, narrow enough to leave the QRS intact.
    public static func notch(mains: Double, sampleRate: Double, q: Double = 30) -> BiquadCascade {
        BiquadCascade([.notch(center: mains, sampleRate: sampleRate, q: q)])
    }

    /// Baseline wander removal: a 2nd-order Butterworth high-pass at 0.5 Hz
    /// (AHA monitoring-band lower edge). Respiration (0.1–0.4 Hz) and electrode
    /// drift fall below it; a causal IIR is the only choice with fixed memory and
    /// a few cycles per sample on the implant.
    public static func baselineWander(cutoff: Double = 0.5, sampleRate: Double, order: Int = 2) -> BiquadCascade {
        BiquadCascade(BiquadCoefficients.butterworthQs(order: order).map {
            BiquadCoefficients.highPass(cutoff: cutoff, sampleRate: sampleRate, q: $0)
        })
    }

    /// The chain that conditions the signal for beat windows: baseline
    /// removal, optional mains notch, then a 40 Hz low-pass.
    public static func conditioning(sampleRate: Double, mains: Double? = nil) -> BiquadCascade {
        var sections = baselineWander(sampleRate: sampleRate).sections.map { $0.coefficients }
        if let mains, mains < sampleRate / 2 { sections.append(.notch(center: mains, sampleRate: sampleRate, q: 30)) }
        sections += BiquadCoefficients.butterworthQs(order: 2).map { .lowPass(cutoff: 40, sampleRate: sampleRate, q: $0) }
        return BiquadCascade(sections)
    }
}
