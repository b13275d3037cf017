import VigilRuntime

/// ONNX's quantized model formats, as ONNX Runtime's quantizer writes them:
///
/// - **QDQ**: QuantizeLinear / DequantizeLinear pairs around float ops. A run-time
///   QuantizeLinear is Vigil's Quantize into an int8 tensor with the node's scale and
///   zero point, the DequantizeLinear reading it Vigil's Dequantize; DequantizeLinear
///   of a constant (weights, per axis; int32 biases) folds to the float constant.
/// - **QOperator**: QLinearConv, QLinearMatMul, MatMulInteger and ONNX Runtime's
///   com.microsoft QLinearAdd, QLinearMul, QGemm, QLinearGlobalAveragePool,
///   QLinearSoftmax, QLinearConcat, QLinearSigmoid and QLinearLeakyRelu, each lowered to
///   its definition: DequantizeLinear of its inputs, the float op, QuantizeLinear.
///
/// uint8 data is stored as int8 minus 128 with its zero point moved alike, which
/// represents the same real values exactly. ONNX rounds ties to even where Vigil's
/// Quantize, as TFLite's, rounds them away from zero: a value exactly halfway between
/// two steps can land one step apart.
extension ONNXGraphConverter {
    /// The quantized element types: int8, and uint8 stored as int8 − 128.
    enum QuantizedType: Equatable {
        case int8, uint8

        var range: ClosedRange<Int64> { self == .int8 ? -128...127 : 0...255 }
        /// What storing the value in Vigil's int8 adds to it.
        var offset: Int32 { self == .int8 ? 0 : -128 }
        var name: String { self == .int8 ? "int8" : "uint8" }
    }

    static let quantizedOps: [String] = [
        "QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul", "MatMulInteger",
    ]

    /// ONNX Runtime's contrib ops (domain com.microsoft) the importer lowers.
    static let microsoftOps: [String] = [
        "QLinearAdd", "QLinearMul", "QGemm", "QLinearGlobalAveragePool", "QLinearSoftmax", "QLinearConcat",
        "QLinearSigmoid", "QLinearLeakyRelu",
    ]

    /// The element type of a zero point (or, without one, `otherwise`).
    func zeroPointType(_ node: ONNXNode, _ i: Int, otherwise: QuantizedType) throws -> QuantizedType {
        guard i < node.proto.input.count, !node.proto.input[i].isEmpty else { return otherwise }
        switch constantTypes[node.proto.input[i]] {
        case .int8?: return .int8
        case .uint8?: return .uint8
        case let t:
            throw ImportError.unsupportedAttribute(node: node.name, reason: "zero point '\(node.proto.input[i])' is \(t.map { "\($0)" } ?? "not an initializer"); Vigil reads int8 or uint8 zero points")
        }
    }

    /// Scales (all finite and > 0) and zero points (in `type`'s range), one per slice of
    /// `axis` or one for the tensor.
    func quantizationConstants(_ node: ONNXNode, scale: Int, zeroPoint: Int, type: QuantizedType?) throws -> (scales: [Float], zeroPoints: [Int64]) {
        guard let s = try constantInput(node, scale, role: "scale") else {
            throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' (\(node.type)) lacks its scale (input \(scale))")
        }
        let scales = s.floats
        if scales.isEmpty || scales.contains(where: { !($0 > 0) || !$0.isFinite }) {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "scale \(scales.prefix(4)) must be finite and greater than 0")
        }
        guard let z = try constantInput(node, zeroPoint, role: "zero point") else {
            return (scales, [Int64](repeating: 0, count: scales.count))
        }
        if z.isFloat || z.count != scales.count {
            throw ImportError.shapeMismatch(node: node.name, reason: "zero point \(z.shape) must be integers, one per scale (\(scales.count))")
        }
        if let type, let bad = z.ints.first(where: { !type.range.contains($0) }) {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "zero point \(bad) is outside \(type.name)")
        }
        return (scales, z.ints)
    }

    /// The slice index of each element of `shape` along `axis` (per-axis parameters), or
    /// all 0 for per-tensor ones.
    func sliceIndices(shape: [Int], axis: Int, count: Int, node: ONNXNode) throws -> (Int) -> Int {
        if count == 1 { return { _ in 0 } }
        let a = try self.axis(axis, rank: shape.count, node: node)
        guard shape[a] == count else {
            throw ImportError.shapeMismatch(node: node.name, reason: "\(count) scales for axis \(a) of \(shape)")
        }
        let inner = shape[(a + 1)...].reduce(1, *)
        return { ($0 / inner) % count }
    }

    mutating func quantizeLinear(_ node: ONNXNode) throws {
        if case let t = try node.attributes.int("output_dtype", default: 0), t != 0 {
            guard let d = TensorProtoDecoding.DataType(rawValue: Int32(clamping: t)), d == .int8 || d == .uint8 else {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "QuantizeLinear to element type \(t); Vigil quantizes to int8 or uint8")
            }
        }
        let type = try zeroPointType(node, 2, otherwise: .uint8)
        let (scales, zeros) = try quantizationConstants(node, scale: 1, zeroPoint: 2, type: type)
        switch try input(node, 0) {
        case .constant(let c):
            guard c.isFloat else { throw ImportError.unsupportedAttribute(node: node.name, reason: "QuantizeLinear of integers") }
            let slice = try sliceIndices(shape: c.shape, axis: try node.attributes.int("axis", default: 1), count: scales.count, node: node)
            let values = c.floats
            var q = [Int64](repeating: 0, count: values.count)
            for i in values.indices {
                let k = slice(i)
                let r = (Double(values[i]) / Double(scales[k])).rounded(.toNearestOrEven)
                q[i] = r.isNaN ? zeros[k] : min(max(Int64(max(min(r, 1e12), -1e12)) + zeros[k], type.range.lowerBound), type.range.upperBound)
            }
            let name = try outputName(node)
            try setOutput(node, 0, .constant(ConstantTensor(shape: c.shape, ints: q)))
            constantTypes[name] = type == .int8 ? .int8 : .uint8
        case .runtime(var v):
            guard elementType(v) == .float32 else {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "QuantizeLinear of \(elementType(v).name) data; Vigil quantizes float32")
            }
            guard scales.count == 1 else {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "QuantizeLinear of run-time data with \(scales.count) scales; Vigil quantizes activations per tensor")
            }
            let out = graph.addTensor(name: node.name + ":0", dtype: .int8, shape: v.storedShape)
            graph.tensors[out].quantization = QuantizationParameters(scale: scales[0], zeroPoint: Int32(zeros[0]) + type.offset)
            graph.nodes.append(Node(name: node.name, op: .quantize, inputs: [v.id], outputs: [out]))
            if type == .uint8 { storedAsShiftedUInt8.insert(out) }
            v.id = out
            try setOutput(node, 0, .runtime(v))
        }
    }

    mutating func dequantizeLinear(_ node: ONNXNode) throws {
        switch try input(node, 0) {
        case .constant(let c):
            let name = node.proto.input[0]
            let type = constantTypes[name]
            guard !c.isFloat, type == .int8 || type == .uint8 || type == .int32 else {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "DequantizeLinear of '\(name)' (\(type.map { "\($0)" } ?? "a computed constant")); Vigil dequantizes int8, uint8 and int32 constants")
            }
            let (scales, zeros) = try quantizationConstants(node, scale: 1, zeroPoint: 2, type: nil)
            let slice = try sliceIndices(shape: c.shape, axis: try node.attributes.int("axis", default: 1), count: scales.count, node: node)
            let q = c.ints
            // (q − zero point) × scale, one rounding to float (exact integers below 2^24).
            let values = q.indices.map { i in Float(q[i] - zeros[slice(i)]) * scales[slice(i)] }
            try setOutput(node, 0, .constant(ConstantTensor(shape: c.shape, floats: values)))
        case .runtime(var v):
            let t = graph.tensors[v.id]
            guard t.dtype == .int8, let p = t.quantization, p.scales.count == 1 else {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "DequantizeLinear of '\(node.proto.input[0])' (\(t.dtype.name)), which no QuantizeLinear wrote; Vigil dequantizes the int8 or uint8 data of a QuantizeLinear or QLinear op")
            }
            let shifted = storedAsShiftedUInt8.contains(v.id)
            let type = try zeroPointType(node, 2, otherwise: shifted ? .uint8 : .int8)
            let (scales, zeros) = try quantizationConstants(node, scale: 1, zeroPoint: 2, type: type)
            guard (type == .uint8) == shifted, scales.count == 1, scales[0] == p.scales[0], Int32(zeros[0]) + type.offset == p.zeroPoints[0] else {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "DequantizeLinear of '\(node.proto.input[0])' with \(type.name) scale \(scales.first ?? 0) and zero point \(zeros.first ?? 0), not those it was quantized with; Vigil reads quantized data back with its own parameters")
            }
            v.id = emit(.dequantize, [v.id], node: node, shape: v.storedShape)
            graph.tensors[v.id].dtype = .float32
            graph.tensors[v.id].quantization = nil
            storedAsShiftedUInt8.remove(v.id)
            try setOutput(node, 0, .runtime(v))
        }
    }

    // MARK: - QOperator

    /// Input names of a lowered node's parts.
    private func part(_ node: ONNXNode, _ what: String) -> String { "\(node.name)/\(what):0" }

    /// DequantizeLinear of input `x` with the scale and zero point inputs after it.
    private mutating func dequantized(_ node: ONNXNode, _ x: Int, scale: Int, zeroPoint: Int, as what: String, axis: Int64? = nil) throws -> String {
        _ = try input(node, x)
        let inputs = [node.proto.input[x], try name(node, scale)] + (optionalName(node, zeroPoint).map { [$0] } ?? [])
        try lower("DequantizeLinear", name: node.name + "/" + what, inputs: inputs, outputs: [part(node, what)],
                  attributes: axis.map { ["axis": .int($0)] } ?? [:])
        return part(node, what)
    }

    /// QuantizeLinear of the lowered float result into the node's output.
    private mutating func requantized(_ node: ONNXNode, _ value: String, scale: Int, zeroPoint: Int) throws {
        let inputs = [value, try name(node, scale)] + (optionalName(node, zeroPoint).map { [$0] } ?? [])
        try lower("QuantizeLinear", name: node.name, inputs: inputs, outputs: [try outputName(node)])
    }

    private func name(_ node: ONNXNode, _ i: Int) throws -> String {
        _ = try input(node, i)
        return node.proto.input[i]
    }

    private func optionalName(_ node: ONNXNode, _ i: Int) -> String? {
        i < node.proto.input.count && !node.proto.input[i].isEmpty ? node.proto.input[i] : nil
    }

    /// An int32 bias of scale x_scale · w_scale[c], as the float bias it stands for.
    private mutating func integerBias(_ node: ONNXNode, _ i: Int, inputScale: Int, weightScale: Int) throws -> ConstantTensor? {
        guard let b = try constantInput(node, i, role: "bias") else { return nil }
        guard !b.isFloat, let xs = try constantInput(node, inputScale, role: "scale"), xs.count == 1,
              let ws = try constantInput(node, weightScale, role: "scale"), ws.count == 1 || ws.count == b.count else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "the bias must be int32 with one weight scale per output channel")
        }
        let w = ws.floats, s = xs.floats[0]
        return ConstantTensor(shape: b.shape, floats: b.ints.indices.map { c in Float(b.ints[c]) * (s * w[w.count == 1 ? 0 : c]) })
    }

    /// Attributes copied onto a lowered node.
    private func copied(_ node: ONNXNode, _ names: [String]) -> [String: LoweredAttribute] {
        var out: [String: LoweredAttribute] = [:]
        for n in names { if let a = node.attributes.proto(n) { out[n] = .copied(a) } }
        return out
    }

    mutating func qLinearConv(_ node: ONNXNode) throws {
        let x = try dequantized(node, 0, scale: 1, zeroPoint: 2, as: "x")
        let w = try dequantized(node, 3, scale: 4, zeroPoint: 5, as: "w", axis: 0)
        let bias = try integerBias(node, 8, inputScale: 1, weightScale: 4)
        try lower("Conv", name: node.name + "/conv", inputs: [x, w], tensors: bias.map { [$0] } ?? [], outputs: [part(node, "conv")],
                  attributes: copied(node, ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"]))
        try requantized(node, part(node, "conv"), scale: 6, zeroPoint: 7)
    }

    mutating func qLinearMatMul(_ node: ONNXNode) throws {
        let a = try dequantized(node, 0, scale: 1, zeroPoint: 2, as: "a")
        let b = try dequantized(node, 3, scale: 4, zeroPoint: 5, as: "b", axis: -1)
        try lower("MatMul", name: node.name + "/matmul", inputs: [a, b], outputs: [part(node, "matmul")])
        try requantized(node, part(node, "matmul"), scale: 6, zeroPoint: 7)
    }

    /// QGemm: A·B (+ C, int32 of scale a_scale · b_scale) × alpha, quantized to y_scale
    /// and y_zero_point, or float without them.
    mutating func qGemm(_ node: ONNXNode) throws {
        let transB = try node.attributes.int("transB", default: 0)
        let a = try dequantized(node, 0, scale: 1, zeroPoint: 2, as: "a")
        let b = try dequantized(node, 3, scale: 4, zeroPoint: 5, as: "b", axis: transB != 0 ? 0 : 1)
        let bias = try integerBias(node, 6, inputScale: 1, weightScale: 4)
        let quantizedOutput = optionalName(node, 7) != nil
        let gemmOut = quantizedOutput ? part(node, "gemm") : try outputName(node)
        try lower("Gemm", name: node.name + "/gemm", inputs: [a, b], tensors: bias.map { [$0] } ?? [], outputs: [gemmOut],
                  attributes: copied(node, ["alpha", "transA", "transB"]))
        if quantizedOutput { try requantized(node, gemmOut, scale: 7, zeroPoint: 8) }
    }

    /// QLinearAdd / QLinearMul: (A, A_scale, A_zero_point, B, B_scale, B_zero_point,
    /// C_scale, C_zero_point).
    mutating func qLinearBinary(_ node: ONNXNode, _ op: String) throws {
        let a = try dequantized(node, 0, scale: 1, zeroPoint: 2, as: "a")
        let b = try dequantized(node, 3, scale: 4, zeroPoint: 5, as: "b")
        try lower(op, name: node.name + "/" + op, inputs: [a, b], outputs: [part(node, op)])
        try requantized(node, part(node, op), scale: 6, zeroPoint: 7)
    }

    /// One-input QLinear ops (X, X_scale, X_zero_point, Y_scale, Y_zero_point).
    mutating func qLinearUnary(_ node: ONNXNode, _ op: String, attributes: [String: LoweredAttribute] = [:]) throws {
        let x = try dequantized(node, 0, scale: 1, zeroPoint: 2, as: "x")
        try lower(op, name: node.name + "/" + op, inputs: [x], outputs: [part(node, op)], attributes: attributes)
        try requantized(node, part(node, op), scale: 3, zeroPoint: 4)
    }

    mutating func qLinearGlobalAveragePool(_ node: ONNXNode) throws {
        if try node.attributes.int("channels_last", default: 0) != 0 {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "QLinearGlobalAveragePool with channels_last")
        }
        try qLinearUnary(node, "GlobalAveragePool")
    }

    mutating func qLinearSoftmax(_ node: ONNXNode) throws {
        // com.microsoft QLinearSoftmax: `axis` (default -1) with opset-13 semantics when
        // `opset` ≥ 13; older ones flatten from the axis, as Softmax-11 does.
        let opsetOfSoftmax = try node.attributes.int("opset", default: 13)
        if opsetOfSoftmax < 13 {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "QLinearSoftmax of opset \(opsetOfSoftmax); Vigil reads the opset-13 form")
        }
        try qLinearUnary(node, "Softmax", attributes: ["axis": .int(Int64(try node.attributes.int("axis", default: -1)))])
    }

    /// QLinearConcat: (Y_scale, Y_zero_point, then X, X_scale, X_zero_point per input).
    mutating func qLinearConcat(_ node: ONNXNode) throws {
        let count = node.proto.input.count - 2
        guard count > 0, count % 3 == 0 else {
            throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' (QLinearConcat) has \(node.proto.input.count) inputs; it takes 2 + 3 per concatenated tensor")
        }
        var parts: [String] = []
        for k in 0..<(count / 3) {
            parts.append(try dequantized(node, 2 + 3 * k, scale: 3 + 3 * k, zeroPoint: 4 + 3 * k, as: "x\(k)"))
        }
        try lower("Concat", name: node.name + "/concat", inputs: parts, outputs: [part(node, "concat")],
                  attributes: ["axis": .int(Int64(try node.attributes.int("axis", default: 0)))])
        try requantized(node, part(node, "concat"), scale: 0, zeroPoint: 1)
    }

    /// MatMulInteger: (A − a_zero_point)·(B − b_zero_point), A the int8 or uint8 output of
    /// a QuantizeLinear with scale s and zero point z, B constant. With Bc = B − b_zp:
    /// Σ (q − a_zp)·Bc = (1/s)·Σ dequantized(A)·Bc + (z − a_zp)·Σ Bc, computed in float
    /// (within float rounding of the int32 result); a Cast to float then reads it as it is.
    mutating func matMulInteger(_ node: ONNXNode) throws {
        guard let b = try constantInput(node, 1, role: "B"), b.shape.count == 2, !b.isFloat else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "MatMulInteger needs a constant 2-D integer B")
        }
        var a = try runtimeInput(node, 0)
        guard graph.tensors[a.id].dtype == .int8, let p = graph.tensors[a.id].quantization, p.scales.count == 1 else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "MatMulInteger of \(graph.tensors[a.id].dtype.name) data; Vigil reads the int8 or uint8 output of a QuantizeLinear (dynamic quantization computes scales at run time, which a static int8 graph does not)")
        }
        let shifted = storedAsShiftedUInt8.contains(a.id)
        let aType = try zeroPointType(node, 2, otherwise: shifted ? .uint8 : .int8)
        guard (aType == .uint8) == shifted else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "a_zero_point is \(aType.name), A is not")
        }
        let aZero = try constantInput(node, 2, role: "a_zero_point")?.ints ?? [0]
        let bZero = try constantInput(node, 3, role: "b_zero_point")?.ints ?? [0]
        let (k, n) = (b.shape[0], b.shape[1])
        guard aZero.count == 1, bZero.count == 1 || bZero.count == n else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "MatMulInteger takes one zero point for A and one per column of B")
        }
        let q = b.ints
        let centered = q.indices.map { i in Double(q[i] - bZero[bZero.count == 1 ? 0 : i % n]) }
        let s = Double(p.scales[0]), shift = Double(Int64(p.zeroPoints[0] - aType.offset) - aZero[0])
        var columnSums = [Double](repeating: 0, count: n)
        for r in 0..<k { for j in 0..<n { columnSums[j] += centered[r * n + j] } }
        a.id = emit(.dequantize, [a.id], node: node, suffix: "/a", shape: a.storedShape)
        graph.tensors[a.id].dtype = .float32
        graph.tensors[a.id].quantization = nil
        storedAsShiftedUInt8.remove(a.id)
        try bind(part(node, "a"), .runtime(a))
        try lower("MatMul", name: node.name + "/matmul", inputs: [part(node, "a")],
                  tensors: [ConstantTensor(shape: b.shape, floats: centered.map { Float($0 / s) })], outputs: [part(node, "matmul")])
        try lower("Add", name: node.name, inputs: [part(node, "matmul")],
                  tensors: [ConstantTensor(shape: [n], floats: columnSums.map { Float(shift * $0) })], outputs: [try outputName(node)])
    }
}
