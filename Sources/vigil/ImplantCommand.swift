import ArgumentParser
import Foundation
import VigilImplant

/// `vigil implant`: the simulated implant.
struct ImplantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "implant",
        abstract: "Replay ECG records through the simulated implant.",
        subcommands: [ImplantRunCommand.self])
}

struct ImplantRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Replay a WFDB record through the simulated implant, faster than real time.",
        discussion: """
            The record passes the profile's front end (resampling, ADC, rails) and the firmware beat loop \
            with the model on every beat; --fault-model runs a fault detector on the profile's duty cycle. Cycles come from the cost model fitted on the emulated Cortex-M4 \
            (Sources/VigilImplant/Measurements); energy per day is at the record's beat rate. --inject \
            KIND@START+DURATION (seconds) adds a synthesized fault: lead_fracture, lead_off, \
            insulation_breach, saturation, mains_interference or dropout.
            """)

    @Option(help: "The implant profile: implant-m4 or a .json file.")
    var profile = "implant-m4"

    @Option(help: "The WFDB record (path without extension).")
    var record: String

    @Option(help: "The arrhythmia model package (with its input contract).")
    var model: String

    @Option(help: "A lead-fault / signal-quality detector package, run once per the profile's fault duty cycle.")
    var faultModel: String?

    @Option(help: "Inject a fault: KIND@START+DURATION in seconds (repeatable).")
    var inject: [String] = []

    @Option(help: "Replay only the first this many seconds.")
    var seconds: Double?

    @Option(help: "Write the implant's beat labels as DIR/RECORD.vigil (WFDB annotator 'vigil').")
    var annotations: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        if let seconds, !(seconds > 0) || !seconds.isFinite { throw ValidationError("--seconds must be positive") }
    }

    func run() throws {
        let profile = try ImplantProfile.load(self.profile)
        let injections = try inject.map { spec throws(ImplantError) in try FaultInjection(spec: spec) }
        guard let data = FileManager.default.contents(atPath: model) else { throw CLIError("\(model): cannot read the package (missing or unreadable)") }
        var faultBytes: [UInt8]?
        if let faultModel {
            guard let data = FileManager.default.contents(atPath: faultModel) else { throw CLIError("\(faultModel): cannot read the package (missing or unreadable)") }
            faultBytes = [UInt8](data)
        }
        let costModel = CostModel.fit(try CostModel.shippedMeasurements())
        let simulator = try ImplantSimulator(profile: profile, packageBytes: [UInt8](data), faultPackageBytes: faultBytes, costModel: costModel,
                                             beatLoopCost: try BeatLoopMeasurement.shipped())
        let report = try simulator.run(record: record, injections: injections, seconds: seconds)
        if let annotations {
            do { try FileManager.default.createDirectory(atPath: annotations, withIntermediateDirectories: true) } catch {
                throw CLIError("\(annotations): cannot create the folder: \(error.localizedDescription)")
            }
            let signal = try SensingFrontEnd(profile: profile).sense(record: record)
            try ImplantSimulator.writeAnnotations(report, originalRate: signal.originalRate, deviceRate: Double(profile.sampleRateHz),
                                                  to: annotations + "/" + report.record + ".vigil")
        }
        let byClass = zip(report.classes, report.beatsByClass)
        if json {
            let events = report.events.map { "{\"kind\": \(JSON.string($0.kind.rawValue)), \"seconds\": \(String(format: "%.3f", $0.seconds)), \"detail\": \(JSON.string($0.detail))}" }
            let fields: [(String, String)] = [
                ("profile", JSON.string(report.profile)), ("record", JSON.string(report.record)), ("model", JSON.string(report.model)),
                ("seconds", String(format: "%.1f", report.seconds)), ("beats", "\(report.beats)"),
                ("beats_by_class", "{" + byClass.map { "\(JSON.string($0)): \($1)" }.joined(separator: ", ") + "}"),
                ("events", "[" + events.joined(separator: ", ") + "]"), ("clipped_samples", "\(report.clippedSamples)"),
                ("model_instructions", String(format: "%.0f", report.modelInstructions)),
                ("inferred_beats", "\(report.inferredBeats)"), ("beat_instructions", String(format: "%.0f", report.beatInstructions)),
                ("fault_model_instructions", report.faultModelInstructions.map { String(format: "%.0f", $0) } ?? "null"),
                ("worst_beat_cycles", String(format: "%.0f", report.worstBeatCycles)), ("deadline_cycles", String(format: "%.0f", report.deadlineCycles)),
                ("deadline_misses", "\(report.deadlineMisses)"), ("beats_per_day", String(format: "%.0f", report.beatsPerDay)),
                ("inference_j_per_day", String(format: "%.5f", report.inferenceJoulesPerDay)),
                ("fault_model_j_per_day", String(format: "%.5f", report.faultJoulesPerDay)), ("fault_runs", "\(report.faultRuns)"),
                ("inference_budget_j_per_day", "\(profile.inferenceJoulesPerDay)"),
                ("signal_j_per_day", String(format: "%.5f", report.signalJoulesPerDay)),
                ("battery_years", String(format: "%.2f", report.batteryYears)), ("wall_s", String(format: "%.3f", report.wallSeconds)),
            ]
            print("{" + fields.map { "\(JSON.string($0.0)): \($0.1)" }.joined(separator: ", ") + "}")
            return
        }
        print("\(report.record) on \(report.profile), model \(report.model): \(String(format: "%.0f", report.seconds)) s replayed in \(String(format: "%.3f", report.wallSeconds)) s")
        print("beats \(report.beats): " + byClass.map { "\($0) \($1)" }.joined(separator: ", ") + (report.clippedSamples > 0 ? "; \(report.clippedSamples) samples clipped at the ADC rails" : ""))
        print("events \(report.events.count)")
        for e in report.events.prefix(20) { print(String(format: "  %8.1f s  ", e.seconds) + e.kind.rawValue + "  " + e.detail) }
        if report.events.count > 20 { print("  … \(report.events.count - 20) more (--json lists them all)") }
        print(String(format: "per beat: model %.0f instructions, run on %d of %d beats (the rest settled by the gate); %.0f instructions a beat on average with the beat loop; worst beat %.0f cycles of a %.0f-cycle deadline (%d misses)",
                     report.modelInstructions, report.inferredBeats, report.beats, report.beatInstructions, report.worstBeatCycles, report.deadlineCycles, report.deadlineMisses))
        if let f = report.faultModelInstructions {
            print(String(format: "fault detector: %d runs, %.0f instructions each, %.4f J a day", report.faultRuns, f, report.faultJoulesPerDay))
        }
        print(String(format: "energy per day at %.0f beats: inference %.4f J (budget %.2f J), signal chain %.4f J, sleep %.3f J, radio %.4f J, rest of the device %.2f J",
                     report.beatsPerDay, report.inferenceJoulesPerDay, profile.inferenceJoulesPerDay, report.signalJoulesPerDay,
                     report.sleepJoulesPerDay, report.radioJoulesPerDay, report.otherJoulesPerDay))
        print(String(format: "battery: %.1f years", report.batteryYears))
    }
}
