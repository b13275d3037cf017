import Foundation
import VigilFirmware
import VigilKernels
import VigilRuntime
import VigilSignal
import VigilSignalCore

/// One entry of the implant's event log, stamped with device time.
public struct ImplantEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The firmware's rhythm events (`RhythmMonitor`): three or more consecutive
        /// ventricular, or supraventricular ectopic, beats; no beat for longer than
        /// `ImplantSimulator.pauseSeconds`.
        case ventricularRun = "ventricular_run"
        case supraventricularRun = "supraventricular_run"
        case pause
        /// A periodic lead-impedance reading outside the profile's normal range.
        case leadImpedance = "lead_impedance"
        /// ADC codes at a rail for over a tenth of a second.
        case saturation
        /// The fault detector's winning class is not its first (the no-fault class).
        case faultAlarm = "fault_alarm"
    }
    public var kind: Kind
    /// Device time in seconds since the start of the replay.
    public var seconds: Double
    public var detail: String
}

/// A fault injected during a replay: the signal chain's synthesis applied to a stretch
/// of the sensed signal and the impedance channel. Spec: `KIND@START+DURATION`
/// (seconds), KIND one of lead_fracture, lead_off, insulation_breach, saturation,
/// mains_interference, dropout.
public struct FaultInjection: Sendable, Equatable {
    public var kind: FaultKind
    public var start: Double
    public var duration: Double

    public static let kinds: [FaultKind] = [.leadFracture, .leadOff, .insulationBreach, .saturation, .mainsInterference, .dropout]

    public init(spec: String) throws(ImplantError) {
        let usage = "'\(spec)' is not KIND@START+DURATION (seconds; KIND one of \(Self.kinds.map(\.name).joined(separator: ", ")))"
        let at = spec.split(separator: "@", omittingEmptySubsequences: false)
        guard at.count == 2, let kind = Self.kinds.first(where: { $0.name == at[0] }) else { throw .injection(usage) }
        let times = at[1].split(separator: "+", omittingEmptySubsequences: false)
        guard times.count == 2, let start = Double(times[0]), let duration = Double(times[1]),
              start.isFinite, duration.isFinite, start >= 0, duration > 0 else { throw .injection(usage) }
        self.kind = kind; self.start = start; self.duration = duration
    }
}

/// What a replay reports.
public struct ImplantReport: Sendable {
    public var profile: String
    public var record: String
    public var model: String
    public var seconds: Double
    public var classes: [String]
    public var beatsByClass: [Int]
    public var labels: [BeatLabel]
    public var events: [ImplantEvent]
    public var clippedSamples: Int
    /// Cycles of the worst beat (signal chain for its sample, beat-loop overhead, the model).
    public var worstBeatCycles: Double
    public var deadlineCycles: Double
    public var deadlineMisses: Int
    /// Per day at the replay's beat rate, and that rate.
    public var beatsPerDay: Double
    public var modelInstructions: Double
    /// Beats the model ran on (the rest the contract's gate settled), and the mean
    /// instructions per beat of the beat loop and the model together.
    public var inferredBeats: Int
    public var beatInstructions: Double
    /// The fault detector, when there is one: instructions per run, runs in the replay.
    public var faultModelInstructions: Double?
    public var faultRuns: Int
    /// Both models (the arrhythmia model per beat, the fault detector per duty cycle).
    public var inferenceJoulesPerDay: Double
    public var faultJoulesPerDay: Double
    public var signalJoulesPerDay: Double
    public var sleepJoulesPerDay: Double
    public var radioJoulesPerDay: Double
    public var otherJoulesPerDay: Double
    public var batteryYears: Double
    public var wallSeconds: Double
    public var beats: Int { labels.count }
}

/// The simulated implant: the profile's front end, the firmware beat loop (the same
/// `VigilFirmware` code the device runs, on the host's kernels, bit-exact with it),
/// fault injection, an event log, per-beat deadline accounting and an energy ledger,
/// both from the cost model fitted on the emulated device.
public struct ImplantSimulator {
    public let profile: ImplantProfile
    public let package: ModelPackage
    public let packageBytes: [UInt8]
    public let costModel: CostModel
    public let beatLoopCost: BeatLoopMeasurement
    /// Instructions of one inference of the model, from the cost model.
    public let modelInstructions: Double
    /// The fault detector (`FaultMonitor`), its bytes and instructions per run.
    public let faultPackage: ModelPackage?
    public let faultPackageBytes: [UInt8]?
    public let faultModelInstructions: Double?

    public static let pauseSeconds = 3.0

    /// - Parameter faultPackageBytes: a lead-fault / signal-quality detector run every
    ///   `profile.faultDutyCycleSeconds` (its contract: `InputContract.isFaultDetector`).
    public init(profile: ImplantProfile, packageBytes: [UInt8], faultPackageBytes: [UInt8]? = nil,
                costModel: CostModel, beatLoopCost: BeatLoopMeasurement) throws(ImplantError) {
        self.profile = try profile.validated()
        let (package, interpreter) = try Self.admit(packageBytes, profile: profile, arena: profile.arenaBytes, role: "")
        guard package.inputContract!.isBeatClassifier else { throw .model("the model's contract is not a beat classifier's (beat window and/or RR features in, class scores out)") }
        self.package = package
        self.packageBytes = packageBytes
        self.costModel = costModel
        self.beatLoopCost = beatLoopCost
        modelInstructions = try costModel.instructions(graph: interpreter.graph)
        if let faultPackageBytes {
            // Both models' arenas live in the profile's inference arena at once.
            let (fault, faultInterpreter) = try Self.admit(faultPackageBytes, profile: profile, arena: profile.arenaBytes - interpreter.plan.arenaBytes,
                                                           role: "fault model")
            guard fault.inputContract!.isFaultDetector else {
                throw .model("fault model: its contract is not a fault detector's (signal and/or impedance window in, class scores out)")
            }
            faultPackage = fault
            self.faultPackageBytes = faultPackageBytes
            faultModelInstructions = try costModel.instructions(graph: faultInterpreter.graph)
        } else {
            faultPackage = nil
            self.faultPackageBytes = nil
            faultModelInstructions = nil
        }
    }

    /// A package the profile can hold: it decodes, fits a model slot, takes the front
    /// end's rate, and plans within `arena` bytes.
    static func admit(_ bytes: [UInt8], profile: ImplantProfile, arena: Int, role: String) throws(ImplantError) -> (ModelPackage, Interpreter<PortableKernels>) {
        let prefix = role.isEmpty ? "" : role + ": "
        let package: ModelPackage
        do { package = try ModelPackage.decode(bytes) } catch { throw .model(prefix + error.message) }
        if bytes.count > profile.modelSlotBytes {
            throw .model(prefix + "the package is \(bytes.count) bytes; a model slot of \(profile.name) holds \(profile.modelSlotBytes)")
        }
        guard let contract = package.inputContract else { throw .model(prefix + "the package states no input contract") }
        if contract.sampleRate != profile.sampleRateHz {
            throw .model(prefix + "the package takes \(contract.sampleRate) Hz; \(profile.name)'s front end samples at \(profile.sampleRateHz) Hz")
        }
        do { return (package, try Interpreter<PortableKernels>(graph: package.graph, batch: 1, arenaBudget: max(arena, 0))) } catch {
            throw .model(prefix + "\(error.message) (\(profile.name)'s inference arena is \(profile.arenaBytes) bytes, \(max(arena, 0)) of them free for it)")
        }
    }

    public func run(record path: String, injections: [FaultInjection] = [], seconds limit: Double? = nil) throws(ImplantError) -> ImplantReport {
        let clock = ContinuousClock()
        let started = clock.now
        let contract = package.inputContract!
        let frontEnd = SensingFrontEnd(profile: profile)
        var signal = try frontEnd.sense(record: path, lead: contract.lead)
        let rate = Double(profile.sampleRateHz)
        if let limit { signal.samples = Array(signal.samples.prefix(Int(limit * rate))) }
        if signal.samples.count < Int(rate) { throw .record("\(path): under one second of signal") }
        var impedance = [Float](repeating: 0, count: signal.samples.count)
        var leadModel = LeadImpedanceModel(sampleRate: rate, seed: 7)
        for i in impedance.indices { impedance[i] = leadModel.next() }
        var synthesizer = FaultSynthesizer(sampleRate: rate, seed: 11)
        synthesizer.rail = Float(profile.adcRangeMillivolts / 2)
        for injection in injections {
            let start = Int(injection.start * rate), end = min(signal.samples.count, start + Int(injection.duration * rate))
            if start >= end { throw .injection("\(injection.kind.name) at \(injection.start) s starts after the record's \(Double(signal.samples.count) / rate) s") }
            var segment = FaultedSegment(ecg: Array(signal.samples[start..<end]), impedance: Array(impedance[start..<end]))
            synthesizer.apply(injection.kind, to: &segment)
            signal.samples.replaceSubrange(start..<end, with: segment.ecg)
            impedance.replaceSubrange(start..<end, with: segment.impedance)
        }
        let (codes, clipped) = frontEnd.digitize(signal.samples)

        let loop: BeatLoop<HostKernels>
        do { loop = try BeatLoop<HostKernels>.from(packageBytes) } catch {
            throw .model(error.message)
        }
        var monitor: FaultMonitor<HostKernels>?
        if let faultPackage {
            do { monitor = try FaultMonitor<HostKernels>(package: faultPackage, period: max(1, Int(profile.faultDutyCycleSeconds * rate))) } catch {
                throw .model("fault model: \(error.message)")
            }
        }
        let faultClasses = faultPackage?.inputContract?.classes ?? []
        var labels: [BeatLabel] = []
        labels.reserveCapacity(codes.count / Int(rate) * 3)
        var events: [ImplantEvent] = []
        let impedanceEvery = max(1, Int(profile.impedancePeriodSeconds * rate))
        var railRun = 0
        for (i, code) in codes.enumerated() {
            if let label = loop.process(millivolts: frontEnd.millivolts(code)) { labels.append(label) }
            if let monitor, let verdict = monitor.process(millivolts: frontEnd.millivolts(code), ohms: impedance[i]), verdict != 0 {
                events.append(ImplantEvent(kind: .faultAlarm, seconds: Double(i) / rate, detail: faultClasses[verdict]))
            }
            if i % impedanceEvery == 0, !profile.impedanceNormalOhms.contains(Double(impedance[i])) {
                events.append(ImplantEvent(kind: .leadImpedance, seconds: Double(i) / rate, detail: "\(Int(impedance[i].rounded())) Ω"))
            }
            if Int32(code) == frontEnd.highestCode || Int32(code) == frontEnd.lowestCode {
                railRun += 1
                if railRun == Int(rate / 10) { events.append(ImplantEvent(kind: .saturation, seconds: Double(i) / rate, detail: "ADC at a rail")) }
            } else { railRun = 0 }
        }
        events += rhythmEvents(labels, classes: contract.classes, rate: rate)
        events.sort { $0.seconds < $1.seconds }

        var byClass = [Int](repeating: 0, count: contract.classes.count)
        for label in labels where label.classIndex < byClass.count { byClass[label.classIndex] += 1 }
        let seconds = Double(codes.count) / rate
        let cpi = profile.cyclesPerInstruction
        // A beat the contract's gate settles costs its features and the gate; the rest
        // the beat loop's overhead and the model.
        let inferred = labels.reduce(0) { $0 + ($1.inferred ? 1 : 0) }
        let settledCost = beatLoopCost.settledBeatInstructions ?? beatLoopCost.beatOverheadInstructions
        let beatInstructions = labels.isEmpty ? 0
            : (Double(inferred) * (beatLoopCost.beatOverheadInstructions + modelInstructions) + Double(labels.count - inferred) * settledCost)
              / Double(labels.count)
        let worstBeat = (beatLoopCost.signalInstructionsPerSample + beatLoopCost.beatOverheadMaxInstructions + modelInstructions) * cpi
        let deadline = profile.beatDeadlineSeconds * profile.clockHz
        let beatsPerDay = Double(labels.count) / seconds * 86_400
        let joulesPerCycle = profile.activeNanojoulesPerCycle * 1e-9
        // Cycles a day: the arrhythmia model on every beat, the fault detector on its
        // duty cycle, the signal chain on every sample.
        let beatCycles = beatsPerDay * beatInstructions * cpi
        let faultCycles = faultModelInstructions.map { 86_400 / profile.faultDutyCycleSeconds * $0 * cpi } ?? 0
        let signalCycles = rate * 86_400 * beatLoopCost.signalInstructionsPerSample * cpi
        let activeSeconds = (beatCycles + faultCycles + signalCycles) / profile.clockHz
        let sleep = max(0, 86_400 - activeSeconds) * profile.sleepMicrowatts * 1e-6
        let radio = profile.radioBytesPerDay * profile.radioNanojoulesPerByte * 1e-9
        let faultEnergy = faultCycles * joulesPerCycle
        let inference = beatCycles * joulesPerCycle + faultEnergy, signalEnergy = signalCycles * joulesPerCycle
        let perDay = inference + signalEnergy + sleep + radio + profile.otherJoulesPerDay
        return ImplantReport(
            profile: profile.name, record: signal.recordName, model: package.manifest.name, seconds: seconds, classes: contract.classes,
            beatsByClass: byClass, labels: labels, events: events, clippedSamples: clipped,
            worstBeatCycles: worstBeat, deadlineCycles: deadline, deadlineMisses: worstBeat > deadline ? labels.count : 0,
            beatsPerDay: beatsPerDay, modelInstructions: modelInstructions, inferredBeats: inferred, beatInstructions: beatInstructions,
            faultModelInstructions: faultModelInstructions, faultRuns: monitor?.runs ?? 0,
            inferenceJoulesPerDay: inference, faultJoulesPerDay: faultEnergy, signalJoulesPerDay: signalEnergy, sleepJoulesPerDay: sleep, radioJoulesPerDay: radio,
            otherJoulesPerDay: profile.otherJoulesPerDay, batteryYears: profile.batteryJoules / perDay / 365.25,
            wallSeconds: Self.seconds(clock.now - started))
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

    /// The firmware's rhythm events (`RhythmMonitor`) over a label stream, as log entries.
    func rhythmEvents(_ labels: [BeatLabel], classes: [String], rate: Double) -> [ImplantEvent] {
        var monitor = RhythmMonitor(sampleRate: Int(rate), classes: classes, pauseMilliseconds: Int(Self.pauseSeconds * 1000))
        var events: [ImplantEvent] = []
        func log(_ e: RhythmEvent) {
            let kind: ImplantEvent.Kind
            let detail: String
            switch e.kind {
            case .ventricularRun: kind = .ventricularRun; detail = "\(e.beats) beats at \(e.value) bpm"
            case .supraventricularRun: kind = .supraventricularRun; detail = "\(e.beats) beats at \(e.value) bpm"
            case .pause: kind = .pause; detail = String(format: "%.1f s without a beat", Double(e.value) / 1000)
            }
            events.append(ImplantEvent(kind: kind, seconds: Double(e.sample) / rate, detail: detail))
        }
        for label in labels { monitor.process(label, emit: log) }
        monitor.finish(emit: log)
        return events
    }

    /// The implant's labels as a WFDB annotation file (annotator `vigil`), at the
    /// record's own sampling rate: N, S as A, V, F, Q.
    public static func writeAnnotations(_ report: ImplantReport, originalRate: Double, deviceRate: Double, to path: String) throws(ImplantError) {
        let symbols = ["N": "N", "S": "A", "V": "V", "F": "F", "Q": "Q"]
        let annotations = report.labels.map { label -> Annotation in
            let name = label.classIndex < report.classes.count ? report.classes[label.classIndex] : "Q"
            let code = AnnotationCode(symbol: symbols[name] ?? "Q") ?? AnnotationCode(symbol: "Q")!
            return Annotation(sample: Int((Double(label.sample) * originalRate / deviceRate).rounded()), code: code)
        }
        do { try AnnotationFile.write(annotations, to: path) } catch { throw .record("\(path): \(error.description)") }
    }
}

/// The firmware beat loop's own cost on the emulated device (Device/measure.sh over a
/// DS1 excerpt): the signal chain per sample, and per beat what is not the model's
/// nodes (window, RR and morphology features, the gate, input quantization, the
/// interpreter's loop, the label), and the whole cost of a beat a gate settles.
public struct BeatLoopMeasurement: Sendable, Equatable {
    public var signalInstructionsPerSample: Double
    public var beatOverheadInstructions: Double
    public var beatOverheadMaxInstructions: Double
    /// A beat the contract's gate settles without the model (nil: not measured).
    public var settledBeatInstructions: Double?

    public init(signalInstructionsPerSample: Double, beatOverheadInstructions: Double, beatOverheadMaxInstructions: Double,
                settledBeatInstructions: Double? = nil) {
        self.signalInstructionsPerSample = signalInstructionsPerSample
        self.beatOverheadInstructions = beatOverheadInstructions
        self.beatOverheadMaxInstructions = beatOverheadMaxInstructions
        self.settledBeatInstructions = settledBeatInstructions
    }

    public var json: [String: Any] {
        var o: [String: Any] = ["signal_instructions_per_sample": signalInstructionsPerSample, "beat_overhead_instructions": beatOverheadInstructions,
                                "beat_overhead_max_instructions": beatOverheadMaxInstructions]
        if let settledBeatInstructions { o["settled_beat_instructions"] = settledBeatInstructions }
        return o
    }

    /// The shipped measurement (Sources/VigilImplant/Measurements/beat-loop.json).
    public static func shipped() throws(ImplantError) -> BeatLoopMeasurement {
        guard let url = Bundle.module.url(forResource: "Measurements", withExtension: nil)?.appendingPathComponent("beat-loop.json"),
              let data = FileManager.default.contents(atPath: url.path),
              let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let s = o["signal_instructions_per_sample"] as? Double, let b = o["beat_overhead_instructions"] as? Double,
              let m = o["beat_overhead_max_instructions"] as? Double else {
            throw .model("the beat-loop measurement is missing from the build (Device/measure.sh writes it)")
        }
        return BeatLoopMeasurement(signalInstructionsPerSample: s, beatOverheadInstructions: b, beatOverheadMaxInstructions: m,
                                   settledBeatInstructions: o["settled_beat_instructions"] as? Double)
    }
}
