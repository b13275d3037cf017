import VigilSignal
import VigilSignalCore

/// The implant's ECG front end: a record resampled to the profile's rate (the
/// signal chain's resampler), then the ADC: quantized to `adcBits` over the profile's
/// range and clipped at its rails. The firmware reads ADC codes and turns them back
/// into millivolts with `millivoltsPerUnit`, exactly as the device image does.
public struct SensingFrontEnd: Sendable {
    public let profile: ImplantProfile
    /// The gain as the device holds it (a Float), and its reciprocal, which the beat
    /// loop multiplies codes by.
    public let gain: Float
    public let millivoltsPerUnit: Float
    public let lowestCode: Int32
    public let highestCode: Int32

    public init(profile: ImplantProfile) {
        self.profile = profile
        gain = Float(profile.adcGain)
        millivoltsPerUnit = 1 / gain
        highestCode = Int32(1 << (profile.adcBits - 1)) - 1
        lowestCode = -Int32(1 << (profile.adcBits - 1))
    }

    /// One lead of a WFDB record at the profile's rate, in millivolts.
    public func sense(record path: String, lead: String = "MLII") throws(ImplantError) -> ECGRecordSignal {
        do { return try ECGRecordSignal.load(path, lead: lead, rate: profile.sampleRateHz) } catch {
            throw .record("\(path): \(error.description)")
        }
    }

    /// Millivolts to ADC codes; `clipped` counts the samples at a rail.
    public func digitize(_ millivolts: [Float]) -> (codes: [Int16], clipped: Int) {
        var clipped = 0
        let codes = millivolts.map { x -> Int16 in
            let scaled = x.isFinite ? (x * gain).rounded() : 0
            if scaled >= Float(highestCode) || scaled <= Float(lowestCode) { clipped += 1 }
            return Int16(min(max(scaled, Float(lowestCode)), Float(highestCode)))
        }
        return (codes, clipped)
    }

    /// What the firmware feeds its beat loop for one code.
    @inline(__always) public func millivolts(_ code: Int16) -> Float { Float(code) * millivoltsPerUnit }
}
