import Foundation
import VigilRuntime

/// Loop, unrolled at import (tf2onnx writes Keras 3's GRU as a Loop over time steps
/// whose trip count and condition fold to constants), and the ops around it: Split,
/// ReverseSequence, comparisons and logic over constants. No control flow is left at
/// run time: each iteration's body becomes ordinary Vigil nodes.
extension ONNXGraphConverter {
    enum Comparison: String {
        case less = "Less", lessOrEqual = "LessOrEqual", greater = "Greater", greaterOrEqual = "GreaterOrEqual", equal = "Equal"
        case and = "And", or = "Or", xor = "Xor"
    }

    /// A comparison or logical op of constants (shape and loop-condition arithmetic);
    /// Vigil runs no boolean data.
    mutating func compare(_ node: ONNXNode, _ c: Comparison) throws {
        guard case .constant(let a) = try input(node, 0), case .constant(let b) = try input(node, 1) else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "\(c.rawValue) of run-time data; Vigil evaluates comparisons and logic only over constants (shapes, loop conditions)")
        }
        try setOutput(node, 0, .constant(try fold(node) { () throws(ConstantFolding.Failure) in try ConstantFolding.compare(c, a, b) }))
    }

    mutating func not(_ node: ONNXNode) throws {
        guard case .constant(let a) = try input(node, 0) else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "Not of run-time data; Vigil evaluates logic only over constants")
        }
        try setOutput(node, 0, .constant(ConstantTensor(shape: a.shape, ints: a.ints.map { $0 == 0 ? 1 : 0 })))
    }

    /// Split along one axis into the sizes of the `split` input (or attribute before
    /// opset 13), or into equal parts: a Slice per output.
    mutating func split(_ node: ONNXNode) throws {
        let value = try input(node, 0)
        let shape = value.shape
        if shape.isEmpty { throw ImportError.shapeMismatch(node: node.name, reason: "Split of a scalar") }
        let a = try axis(try node.attributes.int("axis", default: 0), rank: shape.count, node: node)
        let outputs = node.proto.output.count
        if outputs == 0 { throw ImportError.malformedFile(path: path, reason: "Split '\(node.name)' has no outputs") }
        var sizes: [Int]
        if let given = opset >= 13 ? try constantInput(node, 1, role: "split")?.ints.map({ Int(clamping: $0) }) : try node.attributes.ints("split") {
            sizes = given
        } else {
            let parts = try node.attributes.int("num_outputs", default: outputs)
            if parts != outputs || parts < 1 { throw ImportError.shapeMismatch(node: node.name, reason: "num_outputs \(parts) for \(outputs) outputs") }
            // Equal parts; the last smaller when the axis does not divide (opset 18).
            let each = (shape[a] + parts - 1) / parts
            sizes = (0..<parts).map { max(0, min(each, shape[a] - $0 * each)) }
        }
        guard sizes.count == outputs, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[a] else {
            throw ImportError.shapeMismatch(node: node.name, reason: "split sizes \(sizes) do not divide axis \(a) of \(shape) into \(outputs) parts")
        }
        var start = 0
        for (j, size) in sizes.enumerated() {
            if size == 0 {
                // An empty part: a constant with no elements, which Concat drops.
                var empty = shape
                empty[a] = 0
                try setOutput(node, j, .constant(ConstantTensor(shape: empty, floats: [])))
                continue
            }
            try lower("Slice", name: "\(node.name)/part\(j)", inputs: [node.proto.input[0]],
                      constants: [[Int64(start)], [Int64(start + size)], [Int64(a)]], outputs: [node.proto.output[j]])
            start += size
        }
    }

    /// ReverseSequence whose lengths are all the time axis's size: the sequence read
    /// backwards (tf2onnx's backward direction of a Bidirectional layer).
    mutating func reverseSequence(_ node: ONNXNode) throws {
        let x = try runtimeInput(node, 0)
        guard let lengths = try constantInput(node, 1, role: "sequence_lens") else {
            throw ImportError.malformedFile(path: path, reason: "ReverseSequence '\(node.name)' lacks its sequence lengths")
        }
        let time = try axis(try node.attributes.int("time_axis", default: 0), rank: x.rank, node: node)
        let batch = try axis(try node.attributes.int("batch_axis", default: 1), rank: x.rank, node: node)
        if time == batch { throw ImportError.unsupportedAttribute(node: node.name, reason: "time_axis and batch_axis are both \(time)") }
        if batch != x.batchAxis { throw ImportError.unsupportedAttribute(node: node.name, reason: "batch_axis \(batch) is not the data's batch axis \(x.batchAxis)") }
        guard lengths.ints.allSatisfy({ $0 == Int64(x.shape[time]) }) else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "sequence lengths \(lengths.ints) differ from the time axis (\(x.shape[time])); Vigil reverses whole sequences")
        }
        try lower("Slice", name: node.name, inputs: [node.proto.input[0]],
                  constants: [[-1], [Int64(Int32.min)], [Int64(time)], [-1]], outputs: [try outputName(node)])
    }

    /// A Loop with a trip count known at import, unrolled: each iteration binds the
    /// body's inputs (iteration number, condition, carried values), converts its nodes
    /// and reads back the condition (which must fold to a constant), the carried values
    /// and the scan outputs, stacked along a new first axis after the last iteration.
    mutating func loop(_ node: ONNXNode) throws {
        guard let body = node.proto.attribute.first(where: { $0.name == "body" }), body.hasG else {
            throw ImportError.malformedFile(path: path, reason: "Loop '\(node.name)' has no body graph")
        }
        let g = body.g
        guard let tripCount = try constantInput(node, 0, role: "the trip count M")?.ints.first else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "Loop without a trip count known at import; Vigil unrolls loops of a fixed count")
        }
        if tripCount < 0 || tripCount > Int64(ImportLimits.maximumLoopIterations) {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "Loop trip count \(tripCount); Vigil unrolls at most ImportLimits.maximumLoopIterations (\(ImportLimits.maximumLoopIterations)) iterations")
        }
        var condition = try constantInput(node, 1, role: "the loop condition").map { $0.ints.first.map { $0 != 0 } ?? false } ?? true
        let carriedCount = node.proto.input.count - 2
        if carriedCount < 0 { throw ImportError.malformedFile(path: path, reason: "Loop '\(node.name)' lacks its trip count and condition inputs") }
        let scanCount = g.output.count - 1 - carriedCount
        guard g.input.count == 2 + carriedCount, scanCount >= 0, node.proto.output.count == carriedCount + scanCount else {
            throw ImportError.malformedFile(path: path, reason: "Loop '\(node.name)': \(carriedCount) carried values, but the body takes \(g.input.count) inputs and gives \(g.output.count) outputs, and the Loop has \(node.proto.output.count)")
        }
        if !g.sparseInitializer.isEmpty { throw ImportError.unsupportedAttribute(node: node.name, reason: "the Loop body has sparse initializers") }
        var carried: [ONNXValue] = []
        for i in 0..<carriedCount { carried.append(try input(node, 2 + i)) }

        // The body's own names: its inputs, initializers and node outputs, none of which
        // may shadow an outer value; their reads, for the alias accounting.
        var own = Set(g.input.map(\.name))
        for t in g.initializer { own.insert(t.name) }
        for n in g.node { for o in n.output where !o.isEmpty { own.insert(o) } }
        if let clash = own.first(where: { values[$0] != nil }) {
            throw ImportError.malformedFile(path: path, reason: "Loop '\(node.name)': the body redefines '\(clash)', a value of the enclosing graph")
        }
        for n in g.node { for name in n.input where own.contains(name) { readers[name, default: 0] += 1 } }
        for o in g.output { readers[o.name, default: 0] += 1 }
        defer { for name in own { readers[name] = nil; values[name] = nil } }

        var scans = [[ONNXValue]](repeating: [], count: scanCount)
        var iteration: Int64 = 0
        while iteration < tripCount && condition {
            for name in own { values[name] = nil }
            for t in g.initializer { values[t.name] = .constant(try TensorProtoDecoding.decode(t, name: t.name, path: path)) }
            try bind(g.input[0].name, .constant(ConstantTensor(shape: [], ints: [iteration])))
            try bind(g.input[1].name, .constant(ConstantTensor(shape: [], ints: [condition ? 1 : 0])))
            for i in 0..<carriedCount { try bind(g.input[2 + i].name, carried[i]) }
            unrolledNodes += g.node.count
            if unrolledNodes > ImportLimits.maximumUnrolledLoopNodes {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "unrolling copies more than ImportLimits.maximumUnrolledLoopNodes (\(ImportLimits.maximumUnrolledLoopNodes)) body nodes")
            }
            for (index, proto) in g.node.enumerated() {
                var copy = proto
                copy.name = "\(node.name)/\(iteration)/\(proto.name.isEmpty ? "\(proto.opType)_\(index)" : proto.name)"
                try convert(copy, index: index)
            }
            func output(_ i: Int) throws -> ONNXValue {
                guard let v = values[g.output[i].name] else {
                    throw ImportError.malformedFile(path: path, reason: "Loop '\(node.name)': body output '\(g.output[i].name)' is produced by nothing")
                }
                return v
            }
            guard case .constant(let c) = try output(0) else {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "the Loop condition is computed from run-time data; Vigil unrolls loops whose iterations are known at import")
            }
            condition = c.ints.first.map { $0 != 0 } ?? false
            for i in 0..<carriedCount { carried[i] = try output(1 + i) }
            for k in 0..<scanCount { scans[k].append(try output(1 + carriedCount + k)) }
            iteration += 1
        }
        for i in 0..<carriedCount { try setOutput(node, i, carried[i]) }
        for k in 0..<scanCount where isRead(node, output: carriedCount + k) {
            if scans[k].isEmpty { throw ImportError.shapeMismatch(node: node.name, reason: "scan output \(k) of a Loop that runs no iteration is empty; Vigil tensors have no empty axes") }
            // Each iteration's value with a new first axis, concatenated along it.
            var parts: [String] = []
            for (i, v) in scans[k].enumerated() {
                let name = "\(node.name)/scan\(k)/\(i)"
                try bind(name, v)
                parts.append(name + "/unsqueezed")
                try lower("Unsqueeze", name: "\(node.name)/scan\(k)/\(i)/unsqueeze", inputs: [name], constants: [[0]], outputs: [parts[i]])
            }
            try lower("Concat", name: "\(node.name)/scan\(k)", inputs: parts, constants: [], outputs: [node.proto.output[carriedCount + k]],
                      attributes: ["axis": .int(0)])
        }
    }

    /// Gives `name` a value outside any node (a Loop body's input, a lowered op's
    /// operand), with the same alias accounting as a node output.
    mutating func bind(_ name: String, _ value: ONNXValue) throws {
        if values[name] != nil { throw ImportError.malformedFile(path: path, reason: "'\(name)' is defined twice") }
        if case .runtime(let v) = value {
            aliases[v.id, default: 0] += 1
            aliasReads[v.id, default: 0] += readers[name, default: 0]
        }
        values[name] = value
    }

    /// Converts an op the importer composes from others (Split as Slices, a Loop's scan
    /// outputs as Unsqueeze and Concat, ConvTranspose as a convolution): a node reading
    /// `inputs` and then `constants` (1-D int64 lists, or tensors), registered under
    /// names derived from `name`, with integer or integer-list attributes.
    mutating func lower(_ opType: String, name: String, inputs: [String], constants: [[Int64]] = [], tensors: [ConstantTensor] = [],
                        outputs: [String], attributes: [String: LoweredAttribute] = [:]) throws {
        var proto = Onnx_NodeProto()
        proto.opType = opType
        proto.name = name
        proto.input = inputs
        for (i, c) in (constants.map { ConstantTensor(shape: [$0.count], ints: $0) } + tensors).enumerated() {
            let constantName = "\(name)/constant\(i)"
            try bind(constantName, .constant(c))
            proto.input.append(constantName)
        }
        proto.output = outputs
        for (key, value) in attributes.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = key
            switch value {
            case .int(let v): a.type = .int; a.i = v
            case .ints(let v): a.type = .ints; a.ints = v
            case .float(let v): a.type = .float; a.f = v
            case .copied(let p): a = p; a.name = key
            }
            proto.attribute.append(a)
        }
        for i in proto.input { readers[i, default: 0] += 1 }
        try convert(proto, index: graph.nodes.count)
    }
}

/// An attribute of a node the importer composes (`lower`).
enum LoweredAttribute {
    case int(Int64)
    case ints([Int64])
    case float(Float)
    /// An attribute of the node being lowered, as the file holds it.
    case copied(Onnx_AttributeProto)
}

extension ConstantFolding {
    static func compare(_ c: ONNXGraphConverter.Comparison, _ a: ConstantTensor, _ b: ConstantTensor) throws(Failure) -> ConstantTensor {
        guard let shape = broadcastShape(a.shape, b.shape) else { throw .shapes("shapes \(a.shape) and \(b.shape) do not broadcast") }
        if ConstantTensor.foldedElementCount(shape) == nil { throw .shapes("the result \(shape) has \(ConstantTensor.foldedLimitReason)") }
        if a.containsBatchSymbol || b.containsBatchSymbol { throw .batchDependent }
        let x = a.broadcast(to: shape), y = b.broadcast(to: shape)
        var out = [Int64](repeating: 0, count: x.count)
        let bothInt = !x.isFloat && !y.isFloat
        let (u, v) = (x.floats, y.floats), (p, q) = (x.ints, y.ints)
        for i in out.indices {
            let r: Bool
            switch c {
            case .less: r = bothInt ? p[i] < q[i] : u[i] < v[i]
            case .lessOrEqual: r = bothInt ? p[i] <= q[i] : u[i] <= v[i]
            case .greater: r = bothInt ? p[i] > q[i] : u[i] > v[i]
            case .greaterOrEqual: r = bothInt ? p[i] >= q[i] : u[i] >= v[i]
            case .equal: r = bothInt ? p[i] == q[i] : u[i] == v[i]
            case .and: r = p[i] != 0 && q[i] != 0
            case .or: r = p[i] != 0 || q[i] != 0
            case .xor: r = (p[i] != 0) != (q[i] != 0)
            }
            out[i] = r ? 1 : 0
        }
        return ConstantTensor(shape: shape, ints: out)
    }
}
