import ArgumentParser
import Foundation
import VigilImport
import VigilKernels
import VigilNumPy
import VigilRuntime
import VigilSignal
import VigilSignalCore

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantize a float package to int8 (post-training quantization).",
        discussion: """
        Weights become int8 per output channel (symmetric), biases int32, activations int8 \
        per tensor from calibration statistics (DESIGN §4); the package keeps float inputs \
        and outputs. DATA is an .npz with arrays input_0, input_1, … (batch first, in the \
        source framework's layout, as for `vigil import --check`) and optional `labels`, \
        or one .npy file per model input (repeat the option), or a folder of WFDB records. \
        The report compares float and int8 outputs on --validation DATA (or on the \
        calibration data): top-1 agreement, per-class confusion matrices when labels \
        exist, max abs error, package and arena sizes.

        A WFDB folder goes through the device's signal chain, as `vigil dataset beats`: \
        the --lead resampled to --rate, the causal 0.5-40 Hz conditioning, windows with \
        the R peak at --r-index around the reference annotations (--centers reference, \
        the default, as the models here are trained) or the QRS detector's R peaks \
        (--centers detected), and RR features. A model input [W, 1] takes the windows, \
        an input [F] the F RR features: pre/long, post/long, local/long, pre/post as \
        `vigil dataset beats` writes them, or the features and standardization that \
        --rr-normalization FILE names (JSON: "features", optional "mean" and "std"; \
        names A/B or A_s with A, B in pre, post, local, long), such as \
        Models/arrhythmia/rr_normalization.json. Labels are the reference beats' AAMI \
        classes (--aami-mapping); beats without a class are left out. Calibration takes \
        --calibration-beats beats (default 300, as many as Models/arrhythmia/calibration.npz \
        holds) spread evenly over the records and within each: the min/max observer \
        widens its ranges with every outlier beat a larger sample brings in.
        """)

    @Argument(help: "The float package.")
    var package: String

    @Option(name: .customLong("calibration"), help: "Calibration data (.npz, one .npy per input: repeat, or a WFDB folder).")
    var calibration: [String] = []

    @Option(parsing: .upToNextOption, help: "Records of a WFDB --calibration folder (names, spaces or commas; default: all).")
    var calibrationRecords: [String] = []

    @Option(help: "Beats taken from a WFDB --calibration folder, spread evenly over its records (0: every beat).")
    var calibrationBeats: Int = 300

    @Option(name: .shortAndLong, help: "Where to write the int8 package.")
    var output: String

    @Option(help: "Range observer: minmax, percentile (99.99 %), percentile:P, or kl (entropy).")
    var observer: String = "minmax"

    @Option(help: "Write the report as JSON to this file.")
    var report: String?

    @Option(name: .customLong("validation"), help: "Held-out data to compare float and int8 on (.npz, one .npy per input, or a WFDB folder).")
    var validation: [String] = []

    @Option(parsing: .upToNextOption, help: "Records of a WFDB --validation folder (default: all).")
    var validationRecords: [String] = []

    @Option(help: "Beats taken from a WFDB --validation folder (0: every beat).")
    var validationBeats: Int = 0

    @Option(help: "WFDB beats: windows around the reference annotations (reference) or the QRS detector's R peaks (detected).")
    var centers: String = WFDBBeatSource.Centers.reference.rawValue

    @Option(help: "WFDB beats: the lead, by header description (falls back to the first signal).")
    var lead: String = "MLII"

    @Option(help: "WFDB beats: the device's sampling rate in Hz; records are resampled to it.")
    var rate: Int = 256

    @Option(help: "WFDB beats: index of the R peak in the window.")
    var rIndex: Int = 90

    @Option(help: "WFDB beats: JSON naming the model's RR features and their mean and std (default: the 4 features of `vigil dataset beats`).")
    var rrNormalization: String?

    @Option(help: "WFDB beats: label mapping, dechazal or ec57.")
    var aamiMapping: String = AAMIMapping.deChazal.rawValue

    @Flag(help: "List every int8 activation tensor's scale and zero point.")
    var verbose = false

    @Option(help: "Comma-separated class names for the report (e.g. N,S,V,F,Q).")
    var classNames: String?

    func validate() throws {
        if calibration.isEmpty { throw ValidationError("give the calibration data with --calibration DATA") }
        if CalibrationObserver(name: observer) == nil {
            throw ValidationError("unknown observer '\(observer)'; use minmax, percentile, percentile:P (50 < P ≤ 100) or kl")
        }
        if WFDBBeatSource.Centers(rawValue: centers) == nil { throw ValidationError("--centers must be reference or detected, not '\(centers)'") }
        if AAMIMapping(rawValue: aamiMapping) == nil { throw ValidationError("--aami-mapping must be dechazal or ec57, not '\(aamiMapping)'") }
        guard rate >= 64 && rate <= 4096 else { throw ValidationError("--rate must be between 64 and 4096 Hz, not \(rate)") }
        guard rIndex >= 0 else { throw ValidationError("--r-index must not be negative") }
        guard calibrationBeats >= 0, validationBeats >= 0 else { throw ValidationError("--calibration-beats and --validation-beats must not be negative") }
        // WFDB options with nothing to apply to would be silently ignored.
        let wfdb = QuantizeCommand.isFolder(calibration) || QuantizeCommand.isFolder(validation)
        if !wfdb && (rrNormalization != nil || !calibrationRecords.isEmpty || !validationRecords.isEmpty) {
            throw ValidationError("--rr-normalization and --calibration-records/--validation-records apply to WFDB folders; --calibration and --validation name files")
        }
        if !calibrationRecords.isEmpty && !QuantizeCommand.isFolder(calibration) { throw ValidationError("--calibration-records needs a WFDB folder as --calibration") }
        if !validationRecords.isEmpty && !QuantizeCommand.isFolder(validation) { throw ValidationError("--validation-records needs a WFDB folder as --validation") }
        for name in (calibrationRecords + validationRecords).flatMap({ $0.split(separator: ",") }) where name.contains("/") {
            throw ValidationError("invalid record name '\(name)'")
        }
    }

    /// One path naming a folder: WFDB records rather than NumPy files.
    static func isFolder(_ paths: [String]) -> Bool {
        var isDirectory: ObjCBool = false
        return paths.count == 1 && FileManager.default.fileExists(atPath: paths[0], isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// NumPy files, or the beats of a WFDB folder.
    func data(_ paths: [String], records: [String], beats: Int, for package: ModelPackage, option: String) throws -> QuantizeDataset {
        guard QuantizeCommand.isFolder(paths) else { return try QuantizeDataset.load(paths, for: package, option: option) }
        var source = WFDBBeatSource()
        source.centers = WFDBBeatSource.Centers(rawValue: centers)!
        source.lead = lead
        source.rate = rate
        source.rPeakIndex = rIndex
        source.mapping = AAMIMapping(rawValue: aamiMapping)!
        if let rrNormalization { source.rr = try RRNormalization.load(rrNormalization) }
        return try source.load(folder: paths[0], records: records, limit: beats, for: package.graph, option: option)
    }

    func run() throws {
        let observerKind = CalibrationObserver(name: observer)!
        let floatPackage = try PackageFiles.read(package)
        let floatGraph = floatPackage.graph
        if let t = floatGraph.tensors.first(where: { $0.dtype != .float32 }) {
            let state = floatGraph.tensors.contains { $0.quantization != nil } ? "already quantized" : "not a float model"
            throw CLIError("\(package): the model is \(state) (tensor '\(t.name)' is \(t.dtype.name)); quantize a float package")
        }
        let calibrationData = try data(calibration, records: calibrationRecords, beats: calibrationBeats, for: floatPackage, option: "--calibration")
        let quantizer = PostTrainingQuantizer(observer: observerKind)
        let result: (graph: Graph, summary: PostTrainingQuantizer.Summary)
        do {
            let stats = try Calibration.collect(floatGraph, inputs: calibrationData.inputs, samples: calibrationData.count, observer: observerKind, kernels: HostKernels.self)
            result = try quantizer.quantize(floatGraph, statistics: stats)
        } catch {
            throw CLIError(error.description)
        }

        var manifest = floatPackage.manifest
        manifest.provenance = floatPackage.manifest.provenance.isEmpty ? "vigil quantize" : floatPackage.manifest.provenance + "; vigil quantize"
        manifest.metadata.removeAll { $0.key.hasPrefix("quantization.") }
        manifest.metadata.append(("quantization.scheme", "int8 per-channel weights, per-tensor activations (TFLite)"))
        manifest.metadata.append(("quantization.observer", observerKind.description))
        manifest.metadata.append(("quantization.calibration_samples", "\(calibrationData.count)"))
        if let source = calibrationData.source { manifest.metadata.append(("quantization.calibration_data", source)) }
        var int8Package = ModelPackage(manifest: manifest, graph: result.graph)
        int8Package.golden = try ImportCommand.goldenVectors(result.graph)
        try PackageFiles.write(int8Package, to: output)

        // The comparison: validation data when given, else the calibration set.
        let evaluation = validation.isEmpty ? calibrationData : try data(validation, records: validationRecords, beats: validationBeats, for: floatPackage, option: "--validation")
        let floatOutputs = try evaluation.outputs(of: floatGraph)
        let int8Outputs = try evaluation.outputs(of: result.graph)
        let comparison = QuantizeComparison(float: floatOutputs, int8: int8Outputs, graph: floatGraph, samples: evaluation.count, labels: evaluation.labels)

        func arena(_ g: Graph) throws -> Int {
            do { return try Interpreter<HostKernels>(graph: g, batch: 1).plan.arenaBytes } catch { throw CLIError(error.message) }
        }
        let sizes: [String: [String: Int]] = [
            "float": ["package_bytes": floatPackage.encoded().count, "arena_bytes": try arena(floatGraph), "constant_bytes": floatGraph.constantBytes],
            "int8": ["package_bytes": int8Package.encoded().count, "arena_bytes": try arena(result.graph), "constant_bytes": result.graph.constantBytes],
        ]
        var names = classNames.map { $0.split(separator: ",").map(String.init) } ?? []
        while names.count < comparison.classes { names.append("\(names.count)") }

        var json: [String: Any] = [
            "package": package, "output": output, "observer": observerKind.description,
            "calibration_samples": calibrationData.count,
            "evaluated_on": validation.isEmpty ? "calibration" : "validation",
            "samples": comparison.samples,
            "top1_agreement": comparison.agreement,
            "top1_agreements": comparison.agreements,
            "max_abs_error": comparison.maxAbsError,
            "sizes": sizes,
            "int8_nodes": result.summary.int8Nodes, "float_nodes": result.summary.floatNodes,
            "quantize_nodes": result.summary.quantizeNodes, "dequantize_nodes": result.summary.dequantizeNodes,
        ]
        var lines: [String] = []
        var tensorParameters: [[String: Any]] = []
        for t in result.graph.tensors where t.dtype == .int8 && !t.isConstant {
            guard let q = t.quantization, let scale = q.scales.first, let zp = q.zeroPoints.first else { continue }
            let lo = Double(scale) * Double(-128 - zp), hi = Double(scale) * Double(127 - zp)
            tensorParameters.append(["tensor": t.name, "scale": Double(scale), "zero_point": Int(zp), "min": lo, "max": hi])
        }
        json["activations"] = tensorParameters
        lines.append("quantized \(package) → \(output) (observer \(observerKind), \(calibrationData.count) calibration samples)")
        if let source = calibrationData.source {
            lines.append("  calibration: \(source)")
            json["calibration_source"] = source
        }
        if !validation.isEmpty, let source = evaluation.source {
            lines.append("  validation: \(source)")
            json["validation_source"] = source
        }
        lines.append("  \(result.summary.int8Nodes.count) int8 ops, \(result.summary.floatNodes.count) float ops, \(result.summary.quantizeNodes) quantize, \(result.summary.dequantizeNodes) dequantize")
        lines.append("  on \(validation.isEmpty ? "calibration" : "validation") data (\(comparison.samples) samples): top-1 agreement \(format(100 * comparison.agreement, 2)) % (\(comparison.agreements)/\(comparison.samples)), max abs error \(format(comparison.maxAbsError, 5))")
        for key in ["float", "int8"] {
            let s = sizes[key]!
            lines.append("  \(key): package \(s["package_bytes"]!) bytes, arena \(s["arena_bytes"]!) bytes, constants \(s["constant_bytes"]!) bytes")
        }
        if verbose {
            for p in tensorParameters {
                lines.append("  int8 \(p["tensor"]!): scale \(p["scale"]!), zero point \(p["zero_point"]!), range [\(format(p["min"] as! Double, 4)), \(format(p["max"] as! Double, 4))]")
            }
        }
        if let cf = comparison.floatConfusion, let cq = comparison.int8Confusion {
            let n = cf.count
            let change = (0..<n).map { r in (0..<n).map { c in cq[r][c] - cf[r][c] } }
            func accuracy(_ m: [[Int]]) -> Double {
                let total = m.joined().reduce(0, +)
                return total == 0 ? 0 : Double((0..<n).reduce(0) { $0 + m[$1][$1] }) / Double(total)
            }
            var perClass: [[String: Any]] = []
            lines.append("  accuracy: float \(format(100 * accuracy(cf), 2)) %, int8 \(format(100 * accuracy(cq), 2)) %")
            lines.append("  class   beats   float recall   int8 recall")
            for r in 0..<n {
                let total = cf[r].reduce(0, +)
                let rf = total == 0 ? 0 : Double(cf[r][r]) / Double(total)
                let rq = total == 0 ? 0 : Double(cq[r][r]) / Double(total)
                perClass.append(["class": names[r], "count": total, "float_recall": rf, "int8_recall": rq])
                if total > 0 {
                    lines.append("  \(names[r].padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(total).leftPadded(7))   \(format(100 * rf, 2).leftPadded(10)) %   \(format(100 * rq, 2).leftPadded(9)) %")
                }
            }
            lines.append("  confusion (rows: label, columns: prediction; float → int8 change):")
            for r in 0..<n {
                let cells = (0..<n).map { c in "\(cf[r][c])" + (change[r][c] == 0 ? "" : (change[r][c] > 0 ? "+\(change[r][c])" : "\(change[r][c])")) }
                lines.append("  \(names[r].padding(toLength: 6, withPad: " ", startingAt: 0)) " + cells.map { $0.leftPadded(10) }.joined())
            }
            json["classes"] = Array(names.prefix(n))
            json["accuracy_float"] = accuracy(cf)
            json["accuracy_int8"] = accuracy(cq)
            json["per_class"] = perClass
            json["confusion_float"] = cf
            json["confusion_int8"] = cq
            json["confusion_change"] = change
        }
        print(lines.joined(separator: "\n"))
        if let report {
            do {
                let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
                try data.write(to: URL(fileURLWithPath: report))
            } catch {
                throw CLIError("\(report): cannot write the report: \(error.localizedDescription)")
            }
            print("wrote \(report)")
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
