import Foundation

/// The simulated implant's hardware and budgets (DESIGN §6). Every figure a report
/// uses comes from here, and reports name the profile.
public struct ImplantProfile: Sendable, Equatable {
    public var name: String
    /// CPU clock.
    public var clockHz: Double
    /// Cycles per executed instruction (the cycle model: Device/README.md).
    public var cyclesPerInstruction: Double
    public var ramBytes: Int
    /// The part of RAM the inference arena may use.
    public var arenaBytes: Int
    public var flashBytes: Int
    public var firmwareSlotBytes: Int
    public var modelSlotBytes: Int
    /// The ECG front end: sampling rate, ADC resolution and full-scale range (peak to
    /// peak, centred on 0).
    public var sampleRateHz: Int
    public var adcBits: Int
    public var adcRangeMillivolts: Double
    /// Lead impedance: measured every `impedancePeriodSeconds`; normal range.
    public var impedancePeriodSeconds: Double
    public var impedanceNormalOhms: ClosedRange<Double>
    /// Energy per active cycle, sleep power, battery energy, and the share of a day's
    /// energy inference may take.
    public var activeNanojoulesPerCycle: Double
    public var sleepMicrowatts: Double
    public var batteryJoules: Double
    public var inferenceJoulesPerDay: Double
    /// The rest of the device a day (analog front end, therapy, housekeeping): DESIGN
    /// §6's 2.8 J less inference's 0.28 J and the CPU's sleep (3 µW, 0.26 J).
    public var otherJoulesPerDay: Double
    /// Energy the radio spends per byte sent, and bytes of telemetry a day.
    public var radioNanojoulesPerByte: Double
    public var radioBytesPerDay: Double
    /// Time from a beat's R peak being known to its label being due.
    public var beatDeadlineSeconds: Double
    /// The fault detector runs on one window every this many seconds.
    public var faultDutyCycleSeconds: Double

    /// The reference profile `implant-m4` (DESIGN §6).
    public static let implantM4 = ImplantProfile(
        name: "implant-m4", clockHz: 64e6, cyclesPerInstruction: CycleModel.cortexM4CyclesPerInstruction,
        ramBytes: 256 * 1024, arenaBytes: 64 * 1024,
        flashBytes: 1024 * 1024, firmwareSlotBytes: 256 * 1024, modelSlotBytes: 128 * 1024,
        sampleRateHz: 256, adcBits: 12, adcRangeMillivolts: 10,
        impedancePeriodSeconds: 60, impedanceNormalOhms: 300...1500,
        activeNanojoulesPerCycle: 0.36, sleepMicrowatts: 3, batteryJoules: 10_080, inferenceJoulesPerDay: 0.28,
        otherJoulesPerDay: 2.26, radioNanojoulesPerByte: 100, radioBytesPerDay: 2048,
        beatDeadlineSeconds: 0.1, faultDutyCycleSeconds: 60)

    /// ADC units per millivolt.
    public var adcGain: Double { Double(1 << adcBits) / adcRangeMillivolts }

    /// Checks that the values describe a device that can exist.
    public func validated() throws(ImplantError) -> ImplantProfile {
        func fail(_ why: String) -> ImplantError { .profile("profile '\(name)': \(why)") }
        func positive(_ value: Double, _ what: String) throws(ImplantError) {
            if !(value > 0) || !value.isFinite { throw fail("\(what) must be positive and finite, not \(value)") }
        }
        try positive(clockHz, "clock_hz")
        try positive(cyclesPerInstruction, "cycles_per_instruction")
        try positive(Double(sampleRateHz), "sample_rate_hz")
        try positive(adcRangeMillivolts, "adc_range_mv")
        try positive(impedancePeriodSeconds, "impedance_period_s")
        try positive(activeNanojoulesPerCycle, "active_nj_per_cycle")
        try positive(batteryJoules, "battery_j")
        try positive(inferenceJoulesPerDay, "inference_budget_j_per_day")
        try positive(beatDeadlineSeconds, "beat_deadline_s")
        try positive(faultDutyCycleSeconds, "fault_duty_cycle_s")
        if !(otherJoulesPerDay >= 0) || !otherJoulesPerDay.isFinite { throw fail("other_j_per_day must be ≥ 0, not \(otherJoulesPerDay)") }
        if !(sleepMicrowatts >= 0) || !sleepMicrowatts.isFinite { throw fail("sleep_uw must be ≥ 0, not \(sleepMicrowatts)") }
        if !(radioNanojoulesPerByte >= 0) || !(radioBytesPerDay >= 0) { throw fail("radio energy and bytes must be ≥ 0") }
        if adcBits < 8 || adcBits > 16 { throw fail("adc_bits must be 8…16, not \(adcBits)") }
        if sampleRateHz > 4096 { throw fail("sample_rate_hz \(sampleRateHz) is above 4096") }
        if ramBytes <= 0 || flashBytes <= 0 { throw fail("ram_bytes and flash_bytes must be positive") }
        if arenaBytes <= 0 || arenaBytes > ramBytes { throw fail("arena_bytes \(arenaBytes) must be positive and at most ram_bytes \(ramBytes)") }
        if firmwareSlotBytes <= 0 || modelSlotBytes <= 0 || 2 * (firmwareSlotBytes + modelSlotBytes) > flashBytes {
            throw fail("two firmware slots of \(firmwareSlotBytes) and two model slots of \(modelSlotBytes) bytes do not fit \(flashBytes) bytes of flash")
        }
        if impedanceNormalOhms.lowerBound <= 0 { throw fail("the normal impedance range must be positive") }
        return self
    }

    /// The built-in profile by name, or a JSON file: any key left out keeps
    /// `implant-m4`'s value (Device/profiles/implant-m4.json lists them all).
    public static func load(_ nameOrPath: String) throws(ImplantError) -> ImplantProfile {
        if nameOrPath == implantM4.name { return implantM4 }
        guard nameOrPath.hasSuffix(".json") else {
            throw .profile("unknown profile '\(nameOrPath)': name implant-m4 or a .json file")
        }
        guard let data = FileManager.default.contents(atPath: nameOrPath) else { throw .profile("\(nameOrPath): cannot read the profile") }
        let object: [String: Any]
        do {
            guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw ImplantError.profile("\(nameOrPath): not a JSON object") }
            object = o
        } catch let e as ImplantError { throw e } catch { throw .profile("\(nameOrPath): not valid JSON (\(error.localizedDescription))") }
        return try decode(object, source: nameOrPath).validated()
    }

    static let keys: Set<String> = ["name", "clock_hz", "cycles_per_instruction", "ram_bytes", "arena_bytes", "flash_bytes",
                                    "firmware_slot_bytes", "model_slot_bytes", "sample_rate_hz", "adc_bits", "adc_range_mv",
                                    "impedance_period_s", "impedance_normal_ohms", "active_nj_per_cycle", "sleep_uw", "battery_j",
                                    "inference_budget_j_per_day", "other_j_per_day", "radio_nj_per_byte", "radio_bytes_per_day", "beat_deadline_s",
                                    "fault_duty_cycle_s"]

    static func decode(_ o: [String: Any], source: String) throws(ImplantError) -> ImplantProfile {
        if let unknown = o.keys.sorted().first(where: { !keys.contains($0) }) { throw .profile("\(source): unknown key '\(unknown)'") }
        var p = implantM4
        /// JSON true and false arrive as NSNumber too; their type code is a char.
        func isBool(_ v: Any) -> Bool { v is Bool && (v as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? true }
        func number(_ key: String, _ value: inout Double) throws(ImplantError) {
            guard let v = o[key] else { return }
            guard let n = v as? NSNumber, !isBool(v) else { throw .profile("\(source): '\(key)' must be a number") }
            value = n.doubleValue
        }
        func integer(_ key: String, _ value: inout Int) throws(ImplantError) {
            guard let v = o[key] else { return }
            guard let n = v as? NSNumber, !isBool(v), n.doubleValue == n.doubleValue.rounded(), abs(n.doubleValue) < 1e15 else {
                throw .profile("\(source): '\(key)' must be an integer")
            }
            value = n.intValue
        }
        if let v = o["name"] { guard let s = v as? String, !s.isEmpty else { throw .profile("\(source): 'name' must be a string") }; p.name = s }
        try number("clock_hz", &p.clockHz)
        try number("cycles_per_instruction", &p.cyclesPerInstruction)
        try integer("ram_bytes", &p.ramBytes)
        try integer("arena_bytes", &p.arenaBytes)
        try integer("flash_bytes", &p.flashBytes)
        try integer("firmware_slot_bytes", &p.firmwareSlotBytes)
        try integer("model_slot_bytes", &p.modelSlotBytes)
        try integer("sample_rate_hz", &p.sampleRateHz)
        try integer("adc_bits", &p.adcBits)
        try number("adc_range_mv", &p.adcRangeMillivolts)
        try number("impedance_period_s", &p.impedancePeriodSeconds)
        if let v = o["impedance_normal_ohms"] {
            guard let pair = v as? [NSNumber], pair.count == 2, pair[0].doubleValue < pair[1].doubleValue else {
                throw .profile("\(source): 'impedance_normal_ohms' must be [low, high] with low < high")
            }
            p.impedanceNormalOhms = pair[0].doubleValue...pair[1].doubleValue
        }
        try number("active_nj_per_cycle", &p.activeNanojoulesPerCycle)
        try number("sleep_uw", &p.sleepMicrowatts)
        try number("battery_j", &p.batteryJoules)
        try number("inference_budget_j_per_day", &p.inferenceJoulesPerDay)
        try number("other_j_per_day", &p.otherJoulesPerDay)
        try number("radio_nj_per_byte", &p.radioNanojoulesPerByte)
        try number("radio_bytes_per_day", &p.radioBytesPerDay)
        try number("beat_deadline_s", &p.beatDeadlineSeconds)
        try number("fault_duty_cycle_s", &p.faultDutyCycleSeconds)
        return p
    }
}

/// Why the simulated implant refused a profile, a model, a record or a fault spec.
public enum ImplantError: Error, Sendable, Equatable, CustomStringConvertible {
    case profile(String)
    case model(String)
    case record(String)
    case injection(String)

    public var description: String {
        switch self {
        case .profile(let m): return m
        case .model(let m): return "model: \(m)"
        case .record(let m): return "record: \(m)"
        case .injection(let m): return "--inject: \(m)"
        }
    }
}
