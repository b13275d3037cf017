/// Compilation of int8 nodes and of the Quantize/Dequantize boundary into steps. All
/// scale arithmetic (TFLite's Prepare functions) happens here, once; the tables it
/// makes are owned by the interpreter and freed with it.
extension Interpreter {
    static func int8ScratchBytes(_ g: Graph, _ node: Node, batch: Int) -> Int? {
        guard case .conv1D(let a) = node.op, g.tensors[node.inputs[0]].dtype == .int8 else { return nil }
        return Kernels.int8Conv1DScratchBytes(conv1DParameters(g, node, a, batch: batch))
    }

    /// Appends the steps of `node` if it is an int8 or boundary node; returns false for
    /// float nodes, which the float compiler handles.
    ///
    /// A MaxPool1D that only pools an int8 convolution's output is fused into it
    /// (`Int8Conv1DParameters.pool`); `fused` marks such pools, whose own step is then a
    /// copy of the pooled rows the convolution left in its output tensor. The copy keeps
    /// the memory plan as it is: the convolution still writes only its own output.
    static func compileInt8(_ g: Graph, index: Int, batch: Int, raw: (TensorID) -> UnsafeMutableRawPointer, scratch: UnsafeMutableRawPointer?, fused: inout [Bool], into steps: inout [Step], tables: inout [UnsafeMutableRawPointer]) throws(GraphError) -> Bool {
        let node = g.nodes[index]
        let ins = node.inputs.map { g.tensors[$0] }
        let outID = node.outputs[0]
        let outT = g.tensors[outID]
        func i8(_ id: TensorID) -> UnsafeMutablePointer<Int8> { raw(id).assumingMemoryBound(to: Int8.self) }
        func ci8(_ id: TensorID) -> UnsafePointer<Int8> { UnsafePointer(i8(id)) }
        func params(_ t: TensorDescriptor) -> (scale: Float, zeroPoint: Int32) {
            (t.quantization?.scales.first ?? 1, t.quantization?.zeroPoints.first ?? 0)
        }
        func table32(_ values: [Int32]) -> UnsafePointer<Int32> {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(4 * values.count, 16), alignment: 16)
            tables.append(buffer)
            let p = buffer.bindMemory(to: Int32.self, capacity: values.count)
            for i in values.indices { p[i] = values[i] }
            return UnsafePointer(p)
        }
        func table8(_ values: [Int8]) -> UnsafePointer<Int8> {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(values.count, 16), alignment: 16)
            tables.append(buffer)
            let p = buffer.bindMemory(to: Int8.self, capacity: values.count)
            for i in values.indices { p[i] = values[i] }
            return UnsafePointer(p)
        }
        func elements(_ id: TensorID) -> Int { g.tensors[id].elementCount }
        func requantization(_ weight: TensorDescriptor, channelAxis: Int, activation: Activation) throws(GraphError) -> Int8Requantization {
            let x = params(ins[0]), y = params(outT)
            let scales = try Graph.weightScales(weight, channelAxis: channelAxis, node: node.name)
            let (m, s) = Int8Quantization.channelMultipliers(inputScale: x.scale, weightScales: scales, outputScale: y.scale)
            let range = Int8Quantization.activationRange(activation, scale: y.scale, zeroPoint: y.zeroPoint)
            return Int8Requantization(multipliers: table32(m), shifts: table32(s), outputOffset: y.zeroPoint,
                                      activationMin: range.min, activationMax: range.max)
        }
        func bias(_ i: Int) -> UnsafePointer<Int32>? {
            node.inputs.count > i ? UnsafePointer(raw(node.inputs[i]).assumingMemoryBound(to: Int32.self)) : nil
        }

        switch node.op {
        case .quantize:
            let y = params(outT)
            if ins[0].dtype == .int8 {
                let x = params(ins[0])
                let (m, s) = FixedPoint.quantizeMultiplier(Double(x.scale) / Double(y.scale))
                let count = batch * elements(outID)
                steps.append(.int8Requantize(Int8RequantizeParameters(outer: 1, chunk: count, stride: count, inputZeroPoint: x.zeroPoint, outputZeroPoint: y.zeroPoint, multiplier: m, shift: s), ci8(node.inputs[0]), i8(outID)))
            } else {
                steps.append(.quantize(count: batch * elements(outID), scale: y.scale, zeroPoint: y.zeroPoint,
                                       UnsafePointer(raw(node.inputs[0]).assumingMemoryBound(to: Float.self)), i8(outID)))
            }
            return true
        case .dequantize:
            let x = params(ins[0])
            steps.append(.dequantize(count: batch * elements(outID), scale: x.scale, zeroPoint: x.zeroPoint, ci8(node.inputs[0]),
                                     raw(outID).assumingMemoryBound(to: Float.self)))
            return true
        default:
            break
        }
        guard Graph.runsAsInt8(node.op, ins) else { return false }
        let x = params(ins[0]), y = params(outT)

        switch node.op {
        case .conv1D(let a):
            var p = Int8Conv1DParameters(conv: conv1DParameters(g, node, a, batch: batch), inputOffset: -x.zeroPoint,
                                         output: try requantization(ins[1], channelAxis: 2, activation: a.activation))
            let preparedBytes = Kernels.int8Conv1DPreparedBytes(p.conv)
            if preparedBytes > 0 && ins[1].isConstant && (ins.count < 3 || ins[2].isConstant) {
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: preparedBytes, alignment: 64)
                tables.append(buffer)
                Kernels.int8Conv1DPrepare(p, weight: ci8(node.inputs[1]), bias: bias(2), into: buffer)
                p.prepared = UnsafeRawPointer(buffer)
            }
            if let pool = fusibleMaxPool(g, after: index) {
                p.pool = pool.size
                fused[pool.node] = true
            }
            steps.append(.int8Conv1D(p, ci8(node.inputs[0]), ci8(node.inputs[1]), bias(2), i8(outID), scratch))
        case .dense(let act):
            let w = ins[1].shape
            let scales = try Graph.weightScales(ins[1], channelAxis: 1, node: node.name)
            var mantissas: [UInt64] = [], exponents: [Int32] = []
            for ws in scales {
                let d = FixedPoint.decompose(Double(x.scale) * Double(ws) / Double(y.scale))
                mantissas.append(d.mantissa); exponents.append(d.exponent)
            }
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(8 * mantissas.count, 16), alignment: 16)
            tables.append(buffer)
            let mp = buffer.bindMemory(to: UInt64.self, capacity: mantissas.count)
            for i in mantissas.indices { mp[i] = mantissas[i] }
            let range = Int8Quantization.activationRange(act, scale: y.scale, zeroPoint: y.zeroPoint)
            let output = Int8ExactRequantization(mantissas: UnsafePointer(mp), exponents: table32(exponents), outputOffset: y.zeroPoint,
                                                 activationMin: range.min, activationMax: range.max)
            let p = Int8DenseParameters(rows: batch * elements(node.inputs[0]) / w[0], inFeatures: w[0], outFeatures: w[1],
                                        inputOffset: -x.zeroPoint, output: output)
            steps.append(.int8Dense(p, ci8(node.inputs[0]), ci8(node.inputs[1]), bias(2), i8(outID)))
        case .add(let act):
            guard let shape = binaryParameters(op: .add, activation: .linear, a: ins[0], b: ins[1], out: outT.shape, batch: batch) else {
                throw .badAttribute(node: node.name, reason: "elementwise ops support at most 4 dimensions besides the batch")
            }
            let b = params(ins[1])
            let q = Int8Quantization.addParameters(scale1: x.scale, scale2: b.scale, outputScale: y.scale)
            let range = Int8Quantization.activationRange(act, scale: y.scale, zeroPoint: y.zeroPoint)
            let p = Int8AddParameters(shape: shape, input1Offset: -x.zeroPoint, input2Offset: -b.zeroPoint, leftShift: q.left,
                                      input1Multiplier: q.m1, input1Shift: q.s1, input2Multiplier: q.m2, input2Shift: q.s2,
                                      outputMultiplier: q.mo, outputShift: q.so, outputOffset: y.zeroPoint,
                                      activationMin: range.min, activationMax: range.max)
            steps.append(.int8Add(p, ci8(node.inputs[0]), ci8(node.inputs[1]), i8(outID)))
        case .concatenate(let axis):
            let outShape = outT.shape
            let (a, outer, inner) = concatenationLayout(outShape, axis: axis, batch: batch, elementBytes: 1)
            var offset = 0
            for (i, id) in node.inputs.enumerated() {
                let chunk = ins[i].shape[a] * inner
                let stride = outShape[a] * inner
                if ins[i].quantization == outT.quantization {
                    steps.append(.interleave(outer: outer, chunk: chunk, stride: stride, UnsafeRawPointer(raw(id)), raw(outID) + offset))
                } else {
                    let xi = params(ins[i])
                    let (m, s) = FixedPoint.quantizeMultiplier(Double(xi.scale) / Double(y.scale))
                    steps.append(.int8Requantize(Int8RequantizeParameters(outer: outer, chunk: chunk, stride: stride, inputZeroPoint: xi.zeroPoint, outputZeroPoint: y.zeroPoint, multiplier: m, shift: s), ci8(id), i8(outID) + offset))
                }
                offset += chunk
            }
        case .reshape, .maxPool1D where fused[index]:
            steps.append(.copy(bytes: batch * outT.byteCount, from: UnsafeRawPointer(raw(node.inputs[0])), to: raw(outID)))
        case .maxPool1D(let p), .averagePool1D(let p):
            let s = ins[0].shape
            let pad = p.padding.amounts(length: s[0], kernel: p.poolSize, stride: p.stride, dilation: 1)
            let pp = Pool1DParameters(batch: batch, inLength: s[0], channels: s[1], outLength: outT.shape[0], poolSize: p.poolSize, stride: p.stride, padLeft: pad.left)
            if case .maxPool1D = node.op {
                steps.append(.int8MaxPool(pp, ci8(node.inputs[0]), i8(outID)))
            } else {
                steps.append(.int8AveragePool(pp, ci8(node.inputs[0]), i8(outID)))
            }
        case .globalAveragePool1D:
            let s = ins[0].shape
            let (m, sh) = Int8Quantization.meanParameters(inputScale: x.scale, outputScale: y.scale, count: s[0])
            steps.append(.int8Mean(Int8MeanParameters(batch: batch, length: s[0], channels: s[1], inputZeroPoint: x.zeroPoint, outputZeroPoint: y.zeroPoint, multiplier: m, shift: sh), ci8(node.inputs[0]), i8(outID)))
        case .globalMaxPool1D:
            let s = ins[0].shape
            steps.append(.int8GlobalMax(batch: batch, length: s[0], channels: s[1], ci8(node.inputs[0]), i8(outID)))
        case .activation(let act):
            let table = table8(Int8Compilation.activationTable(act, input: x, output: y))
            steps.append(.int8Lookup(table, ci8(node.inputs[0]), i8(outID), count: batch * elements(outID)))
        case .softmax:
            let width = outT.shape.last!
            let s = Int8Quantization.softmaxParameters(inputScale: x.scale)
            let exponentials = Int8SoftmaxParameters.exponentialTable(inputMultiplier: s.multiplier, inputLeftShift: s.leftShift, diffMin: s.diffMin)
            let p = Int8SoftmaxParameters(rows: batch * elements(outID) / width, width: width, exponentials: table32(exponentials))
            steps.append(.int8Softmax(p, ci8(node.inputs[0]), i8(outID)))
        default:
            return false
        }
        return true
    }
}

extension Interpreter {
    /// The max pool node that alone consumes int8 conv node `index`'s output, with
    /// windows that tile it (valid padding, stride = pool size) and the same
    /// quantization, so that pooling the requantized rows is what the two nodes compute.
    static func fusibleMaxPool(_ g: Graph, after index: Int) -> (node: Int, size: Int)? {
        let out = g.nodes[index].outputs[0]
        guard !g.outputs.contains(out) else { return nil }
        var consumer: Int? = nil
        for (j, node) in g.nodes.enumerated() where node.inputs.contains(out) {
            guard consumer == nil else { return nil }
            consumer = j
        }
        guard let j = consumer, j > index, case .maxPool1D(let a) = g.nodes[j].op, a.poolSize >= 1, a.stride == a.poolSize,
              g.nodes[j].inputs.count == 1 else { return nil }
        let x = g.tensors[out], y = g.tensors[g.nodes[j].outputs[0]]
        guard x.dtype == .int8, y.dtype == .int8, x.quantization == y.quantization, x.shape.count == 2,
              a.padding.amounts(length: x.shape[0], kernel: a.poolSize, stride: a.stride, dilation: 1) == (0, 0),
              y.shape == [x.shape[0] / a.poolSize, x.shape[1]] else { return nil }
        return (j, a.poolSize)
    }
}

public enum Int8Compilation {
    /// The 256-entry table of an int8 activation, indexed by the input's bit pattern.
    /// Clamps requantize exactly as TFLite's int8 RELU/RELU6 (`ReluX`); sigmoid and
    /// tanh tabulate the float function as TFLite's int8 LUT kernels do
    /// (`LUTPopulate`: dequantize, apply, round(y / s_out) + zp, clamp).
    public static func activationTable(_ a: Activation, input x: (scale: Float, zeroPoint: Int32), output y: (scale: Float, zeroPoint: Int32)) -> [Int8] {
        var table = [Int8](repeating: 0, count: 256)
        if a.isClamp {
            let (m, s) = FixedPoint.quantizeMultiplier(Double(x.scale) / Double(y.scale))
            let range = Int8Quantization.activationRange(a, scale: y.scale, zeroPoint: y.zeroPoint)
            for v in -128...127 {
                var q = y.zeroPoint &+ FixedPoint.multiplyByQuantizedMultiplier(Int32(v) - x.zeroPoint, m, s)
                q = max(range.min, min(range.max, q))
                table[Int(UInt8(bitPattern: Int8(v)))] = Int8(truncatingIfNeeded: q)
            }
            return table
        }
        let inverse = 1 / y.scale
        for v in -128...127 {
            let dequantized = x.scale * Float(Int32(v) - x.zeroPoint)
            let transformed: Float
            switch a {
            case .sigmoid: transformed = 1 / (1 + VMath.exp(-dequantized))
            default: transformed = ReferenceKernels.apply(a, dequantized)
            }
            let rescaled = Int8Quantization.roundHalfAwayFromZero(transformed * inverse)
            let q = rescaled >= 1000 ? 1000 : (rescaled <= -1000 ? -1000 : Int32(rescaled))
            table[Int(UInt8(bitPattern: Int8(v)))] = Int8(clamping: q &+ y.zeroPoint)
        }
        return table
    }
}
