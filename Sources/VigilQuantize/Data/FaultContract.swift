import VigilRuntime

/// The input contract of a lead-fault / signal-quality detector (`vigil quantize
/// --fault-detector`): each graph input is the front end's latest window of ECG
/// (millivolts as sensed) or of lead impedance (ohms), [length, 1], in the order the
/// caller names them; the output with one score per class holds the verdict.
public enum FaultContract {
    public enum Input: String, Sendable, CaseIterable {
        case signal, impedance

        var role: InputContract.Role {
            switch self {
            case .signal: .signalWindow
            case .impedance: .impedanceWindow
            }
        }
    }

    /// Parses "signal,impedance" (one name per graph input).
    public static func inputs(_ text: String, option: String) throws(DatasetError) -> [Input] {
        var out: [Input] = []
        for part in text.split(separator: ",") {
            guard let input = Input(rawValue: String(part)) else {
                throw DatasetError("\(option): unknown input '\(part)'; name each model input signal or impedance, in order (e.g. signal,impedance)")
            }
            out.append(input)
        }
        if out.isEmpty { throw DatasetError("\(option): name each model input signal or impedance, in order") }
        return out
    }

    public static func contract(for graph: Graph, inputs: [Input], classes: [String], rate: Int, lead: String,
                                layouts: InputContract, option: String) throws(DatasetError) -> InputContract {
        guard inputs.count == graph.inputs.count else {
            throw DatasetError("\(option): \(inputs.count) input roles for a model of \(graph.inputs.count) inputs")
        }
        guard !classes.isEmpty else { throw DatasetError("\(option): name the detector's classes with --class-names") }
        var length: Int?
        var bindings: [InputContract.Binding] = []
        for (i, input) in inputs.enumerated() {
            let t = graph.tensors[graph.inputs[i]]
            guard t.shape.count == 2, t.shape[1] == 1, length == nil || length == t.shape[0] else {
                throw DatasetError("\(option): input \(i) '\(t.name)' has shape \(t.shape); a detector's windows are [length, 1], all of one length")
            }
            length = t.shape[0]
            let layout = layouts.inputs.indices.contains(i) ? layouts.inputs[i].layout : .native(rank: t.shape.count + 1)
            bindings.append(.init(role: input.role, layout: layout))
        }
        let outputs: [InputContract.Binding] = graph.outputs.enumerated().map { i, id in
            let t = graph.tensors[id]
            let layout = layouts.outputs.indices.contains(i) ? layouts.outputs[i].layout : .native(rank: t.shape.count + 1)
            return .init(role: !t.isConstant && t.shape.last == classes.count ? .classScores : .values, layout: layout)
        }
        if !outputs.contains(where: { $0.role == .classScores }) {
            throw DatasetError("\(option): no model output has one score per class (\(classes.count) classes: \(classes.joined(separator: ", ")))")
        }
        let contract = InputContract(sampleRate: rate, lead: lead, conditioning: .monitoring,
                                     window: InputContract.BeatWindow(length: length ?? 1, rPeakIndex: 0),
                                     inputs: bindings, outputs: outputs, classes: classes)
        do { try contract.check(against: graph) } catch { throw DatasetError("\(option): \(error.message)") }
        return contract
    }
}
