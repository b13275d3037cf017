import Foundation
import VigilKernels
import VigilRuntime

/// What `vigil quantize` reports: float against int8 outputs on validation data (or the
/// calibration data), top-1 agreement, max abs error, per-class recall and confusion
/// matrices when the data has labels, package, arena and constant sizes, and each int8
/// activation's parameters. `text(verbose:)` renders it for people, `json()` for tools.
public struct QuantizationReport: Sendable {
    public struct Sizes: Sendable, Equatable {
        public var packageBytes: Int
        public var arenaBytes: Int
        public var constantBytes: Int
    }

    /// An int8 activation tensor's parameters and the float range they cover.
    public struct Activation: Sendable, Equatable {
        public var tensor: String
        public var scale: Double
        public var zeroPoint: Int
        public var min: Double
        public var max: Double
    }

    /// The float package's and the int8 package's names (paths) as the user gave them.
    public var package: String
    public var output: String
    public var observer: CalibrationObserver
    public var calibrationSamples: Int
    /// The package carried its own quantization (QDQ) and was lowered, not calibrated.
    public var loweredQDQ = false
    public var calibrationSource: String?
    /// Whether the comparison ran on validation data rather than the calibration data.
    public var onValidation: Bool
    public var validationSource: String?
    public var comparison: QuantizeComparison
    public var float: Sizes
    public var int8: Sizes
    public var summary: PostTrainingQuantizer.Summary
    public var activations: [Activation]
    /// One name per class of the comparison: the given names, then class indices.
    public var classNames: [String]

    /// Runs both graphs on `validation` (or on `calibration` when nil) with the host
    /// kernels and plans both at batch 1.
    public init(package: String, output: String, float floatPackage: ModelPackage, int8 int8Package: ModelPackage,
                summary: PostTrainingQuantizer.Summary, observer: CalibrationObserver,
                calibration: QuantizeDataset, validation: QuantizeDataset?, classNames: [String] = []) throws(QuantizationError) {
        let evaluation = validation ?? calibration
        let floatGraph = floatPackage.graph, int8Graph = int8Package.graph
        do {
            let floatOutputs = try evaluation.outputs(of: floatGraph)
            let int8Outputs = try evaluation.outputs(of: int8Graph)
            comparison = QuantizeComparison(float: floatOutputs, int8: int8Outputs, graph: floatGraph, samples: evaluation.count, labels: evaluation.labels)
            float = Sizes(packageBytes: floatPackage.encoded().count, arenaBytes: try Interpreter<HostKernels>(graph: floatGraph, batch: 1).plan.arenaBytes, constantBytes: floatGraph.constantBytes)
            int8 = Sizes(packageBytes: int8Package.encoded().count, arenaBytes: try Interpreter<HostKernels>(graph: int8Graph, batch: 1).plan.arenaBytes, constantBytes: int8Graph.constantBytes)
        } catch {
            throw .invalidGraph(error)
        }
        self.package = package
        self.output = output
        self.observer = observer
        self.summary = summary
        calibrationSamples = calibration.count
        calibrationSource = calibration.source
        onValidation = validation != nil
        validationSource = validation?.source
        activations = []
        for t in int8Graph.tensors where t.dtype == .int8 && !t.isConstant {
            guard let q = t.quantization, let scale = q.scales.first, let zp = q.zeroPoints.first else { continue }
            let lo = Double(scale) * Double(-128 - zp), hi = Double(scale) * Double(127 - zp)
            activations.append(Activation(tensor: t.name, scale: Double(scale), zeroPoint: Int(zp), min: lo, max: hi))
        }
        var names = classNames
        while names.count < comparison.classes { names.append("\(names.count)") }
        self.classNames = names
    }

    /// Correct predictions over all labelled samples of a confusion matrix.
    static func accuracy(_ m: [[Int]]) -> Double {
        let total = m.joined().reduce(0, +)
        return total == 0 ? 0 : Double((0..<m.count).reduce(0) { $0 + m[$1][$1] }) / Double(total)
    }

    /// The int8 confusion matrix minus the float one.
    static func change(_ cf: [[Int]], _ cq: [[Int]]) -> [[Int]] {
        (0..<cf.count).map { r in (0..<cf.count).map { c in cq[r][c] - cf[r][c] } }
    }

    /// Recall of class `r` in a confusion matrix (0 without samples of it).
    static func recall(_ m: [[Int]], _ r: Int) -> Double {
        let total = m[r].reduce(0, +)
        return total == 0 ? 0 : Double(m[r][r]) / Double(total)
    }

    private var evaluatedOn: String { onValidation ? "validation" : "calibration" }

    /// The report as `vigil quantize` prints it; `verbose` lists every int8 activation.
    public func text(verbose: Bool = false) -> String {
        var lines: [String] = []
        lines.append(loweredQDQ
            ? "lowered \(package) → \(output) to int8 kernels with the model's own QDQ parameters (no calibration; \"float\" below is the QDQ model run op by op)"
            : "quantized \(package) → \(output) (observer \(observer), \(calibrationSamples) calibration samples)")
        if let calibrationSource { lines.append("  calibration: \(calibrationSource)") }
        if onValidation, let validationSource { lines.append("  validation: \(validationSource)") }
        lines.append("  \(summary.int8Nodes.count) int8 ops, \(summary.floatNodes.count) float ops, \(summary.quantizeNodes) quantize, \(summary.dequantizeNodes) dequantize")
        if !summary.floatNodes.isEmpty {
            let shown = summary.floatNodes.prefix(12).joined(separator: ", ")
            lines.append("  float ops: \(shown)\(summary.floatNodes.count > 12 ? ", … (\(summary.floatNodes.count - 12) more; --report lists all)" : "")")
        }
        lines.append("  on \(evaluatedOn) data (\(comparison.samples) samples): top-1 agreement \(format(100 * comparison.agreement, 2)) % (\(comparison.agreements)/\(comparison.samples)), max abs error \(format(comparison.maxAbsError, 5))")
        for (key, s) in [("float", float), ("int8", int8)] {
            lines.append("  \(key): package \(s.packageBytes) bytes, arena \(s.arenaBytes) bytes, constants \(s.constantBytes) bytes")
        }
        if verbose {
            for a in activations {
                lines.append("  int8 \(a.tensor): scale \(a.scale), zero point \(a.zeroPoint), range [\(format(a.min, 4)), \(format(a.max, 4))]")
            }
        }
        if let cf = comparison.floatConfusion, let cq = comparison.int8Confusion {
            let n = cf.count
            let change = Self.change(cf, cq)
            lines.append("  accuracy: float \(format(100 * Self.accuracy(cf), 2)) %, int8 \(format(100 * Self.accuracy(cq), 2)) %")
            lines.append("  class   beats   float recall   int8 recall")
            for r in 0..<n {
                let total = cf[r].reduce(0, +)
                if total > 0 {
                    lines.append("  \(classNames[r].padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(total).leftPadded(7))   \(format(100 * Self.recall(cf, r), 2).leftPadded(10)) %   \(format(100 * Self.recall(cq, r), 2).leftPadded(9)) %")
                }
            }
            lines.append("  confusion (rows: label, columns: prediction; float → int8 change):")
            for r in 0..<n {
                let cells = (0..<n).map { c in "\(cf[r][c])" + (change[r][c] == 0 ? "" : (change[r][c] > 0 ? "+\(change[r][c])" : "\(change[r][c])")) }
                lines.append("  \(classNames[r].padding(toLength: 6, withPad: " ", startingAt: 0)) " + cells.map { $0.leftPadded(10) }.joined())
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The report as a JSON object (`JSONSerialization` types).
    public var jsonObject: [String: Any] {
        func sizes(_ s: Sizes) -> [String: Int] {
            ["package_bytes": s.packageBytes, "arena_bytes": s.arenaBytes, "constant_bytes": s.constantBytes]
        }
        var json: [String: Any] = [
            "package": package, "output": output, "observer": observer.description,
            "calibration_samples": calibrationSamples,
            "evaluated_on": evaluatedOn,
            "samples": comparison.samples,
            "top1_agreement": comparison.agreement,
            "top1_agreements": comparison.agreements,
            "max_abs_error": comparison.maxAbsError,
            "sizes": ["float": sizes(float), "int8": sizes(int8)],
            "int8_nodes": summary.int8Nodes, "float_nodes": summary.floatNodes,
            "quantize_nodes": summary.quantizeNodes, "dequantize_nodes": summary.dequantizeNodes,
        ]
        json["activations"] = activations.map { a -> [String: Any] in
            ["tensor": a.tensor, "scale": a.scale, "zero_point": a.zeroPoint, "min": a.min, "max": a.max]
        }
        if let calibrationSource { json["calibration_source"] = calibrationSource }
        if onValidation, let validationSource { json["validation_source"] = validationSource }
        if let cf = comparison.floatConfusion, let cq = comparison.int8Confusion {
            let n = cf.count
            json["classes"] = Array(classNames.prefix(n))
            json["accuracy_float"] = Self.accuracy(cf)
            json["accuracy_int8"] = Self.accuracy(cq)
            json["per_class"] = (0..<n).map { r -> [String: Any] in
                ["class": classNames[r], "count": cf[r].reduce(0, +), "float_recall": Self.recall(cf, r), "int8_recall": Self.recall(cq, r)]
            }
            json["confusion_float"] = cf
            json["confusion_int8"] = cq
            json["confusion_change"] = Self.change(cf, cq)
        }
        return json
    }

    /// The JSON object, pretty-printed with sorted keys.
    public func json() throws -> Data {
        try JSONSerialization.data(withJSONObject: jsonObject, options: [.prettyPrinted, .sortedKeys])
    }
}

/// `value` with at least `digits` decimals, rounded to `digits` (the report's and the
/// CLI's number format).
public func format(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var s = "\(rounded)"
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
    }
    return s
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
