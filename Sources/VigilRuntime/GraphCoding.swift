/// The graph section: tensors, nodes and their attributes in a fixed binary layout.
/// Decoding never trusts a count or an id; `Graph.validated()` then checks meaning.
extension Graph {
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(tensors.count))
        for t in tensors {
            w.string(t.name)
            w.u8(t.dtype.rawValue)
            w.u32(UInt32(t.shape.count))
            for d in t.shape { w.i32(d) }
            switch t.storage {
            case .arena: w.u8(0); w.u64(0)
            case .constant(let offset): w.u8(1); w.u64(UInt64(offset))
            }
            if let q = t.quantization {
                w.u8(1)
                w.i32(q.axis ?? -1)
                w.u32(UInt32(q.scales.count))
                for s in q.scales { w.f32(s) }
                w.u32(UInt32(q.zeroPoints.count))
                for z in q.zeroPoints { w.i32(Int(z)) }
            } else {
                w.u8(0)
            }
        }
        w.u32(UInt32(inputs.count)); for id in inputs { w.u32(UInt32(id)) }
        w.u32(UInt32(outputs.count)); for id in outputs { w.u32(UInt32(id)) }
        w.u32(UInt32(nodes.count))
        for node in nodes {
            w.string(node.name)
            OpCoding.encode(node.op, into: &w)
            w.u32(UInt32(node.inputs.count)); for id in node.inputs { w.u32(UInt32(id)) }
            w.u32(UInt32(node.outputs.count)); for id in node.outputs { w.u32(UInt32(id)) }
        }
        return w.bytes
    }

    /// Decodes a graph section; `constants` becomes the graph's constant data.
    public static func decode(_ bytes: UnsafeRawBufferPointer, constants: [UInt8]) throws(PackageError) -> Graph {
        var r = ByteReader(bytes, context: "graph section")
        var g = Graph()
        g.constantData = constants
        let tensorCount = try r.count(minimumItemBytes: 18)
        for _ in 0..<tensorCount {
            let name = try r.string()
            let rawType = try r.u8()
            guard let dtype = DType(rawValue: rawType) else { throw .malformed(r.context, "tensor '\(name)' has unknown dtype \(rawType)") }
            let rank = try r.count(minimumItemBytes: 4)
            if rank > 8 { throw .malformed(r.context, "tensor '\(name)' has rank \(rank)") }
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(try r.i32()) }
            let storageKind = try r.u8()
            let offset = try r.u64()
            let storage: TensorStorage
            switch storageKind {
            case 0: storage = .arena
            case 1:
                if offset > UInt64(constants.count) { throw .malformed(r.context, "constant '\(name)' offset \(offset) beyond the constant section") }
                storage = .constant(offset: Int(offset))
            default: throw .malformed(r.context, "tensor '\(name)' has unknown storage kind \(storageKind)")
            }
            var quantization: QuantizationParameters?
            if try r.bool() {
                let axis = try r.i32()
                let scaleCount = try r.count(minimumItemBytes: 4)
                var scales: [Float] = []
                for _ in 0..<scaleCount { scales.append(try r.f32()) }
                let zeroCount = try r.count(minimumItemBytes: 4)
                var zeros: [Int32] = []
                for _ in 0..<zeroCount { zeros.append(Int32(truncatingIfNeeded: try r.i32())) }
                if scales.isEmpty || scales.count != zeros.count { throw .malformed(r.context, "tensor '\(name)' has \(scales.count) scales and \(zeros.count) zero points") }
                if axis >= 0 {
                    quantization = QuantizationParameters(scales: scales, zeroPoints: zeros, axis: axis)
                } else {
                    if scales.count != 1 { throw .malformed(r.context, "tensor '\(name)' per-tensor quantization with \(scales.count) scales") }
                    quantization = QuantizationParameters(scale: scales[0], zeroPoint: zeros[0])
                }
            }
            g.tensors.append(TensorDescriptor(name: name, dtype: dtype, shape: shape, quantization: quantization, storage: storage))
        }
        func ids(_ what: String) throws(PackageError) -> [TensorID] {
            let n = try r.count(minimumItemBytes: 4)
            var out: [TensorID] = []
            for _ in 0..<n {
                let id = Int(try r.u32())
                if id >= tensorCount { throw .malformed(r.context, "\(what) refers to tensor \(id) of \(tensorCount)") }
                out.append(id)
            }
            return out
        }
        g.inputs = try ids("graph inputs")
        g.outputs = try ids("graph outputs")
        let nodeCount = try r.count(minimumItemBytes: 13)
        for _ in 0..<nodeCount {
            let name = try r.string()
            let op = try OpCoding.decode(&r, node: name)
            let inputs = try ids("node '\(name)' inputs")
            let outputs = try ids("node '\(name)' outputs")
            g.nodes.append(Node(name: name, op: op, inputs: inputs, outputs: outputs))
        }
        if r.remaining != 0 { throw .malformed(r.context, "\(r.remaining) unexpected trailing bytes") }
        return g
    }
}

/// Attribute layouts of the ops, after each op's tag (`OpTag`, Ops/OpTable.swift). Both
/// are part of the file format.
enum OpCoding {
    static func encode(_ a: Activation, into w: inout ByteWriter) {
        switch a {
        case .linear: w.u8(0); w.f32(0); w.f32(0)
        case .relu: w.u8(1); w.f32(0); w.f32(0)
        case .relu6: w.u8(2); w.f32(0); w.f32(0)
        case .clip(let lo, let hi): w.u8(3); w.f32(lo); w.f32(hi)
        case .leakyRelu(let alpha): w.u8(4); w.f32(alpha); w.f32(0)
        case .sigmoid: w.u8(5); w.f32(0); w.f32(0)
        case .hardSigmoid(let alpha, let beta): w.u8(6); w.f32(alpha); w.f32(beta)
        case .tanh: w.u8(7); w.f32(0); w.f32(0)
        case .elu(let alpha): w.u8(8); w.f32(alpha); w.f32(0)
        case .selu(let alpha, let gamma): w.u8(9); w.f32(alpha); w.f32(gamma)
        case .gelu(let approximate): w.u8(10); w.f32(approximate ? 1 : 0); w.f32(0)
        case .swish: w.u8(11); w.f32(0); w.f32(0)
        case .softplus: w.u8(12); w.f32(0); w.f32(0)
        case .softsign: w.u8(13); w.f32(0); w.f32(0)
        case .hardSwish: w.u8(14); w.f32(0); w.f32(0)
        case .exponential: w.u8(15); w.f32(0); w.f32(0)
        case .mish: w.u8(16); w.f32(0); w.f32(0)
        case .negate: w.u8(17); w.f32(0); w.f32(0)
        case .absolute: w.u8(18); w.f32(0); w.f32(0)
        case .logarithm: w.u8(19); w.f32(0); w.f32(0)
        case .squareRoot: w.u8(20); w.f32(0); w.f32(0)
        case .reciprocal: w.u8(21); w.f32(0); w.f32(0)
        case .errorFunction: w.u8(22); w.f32(0); w.f32(0)
        case .reciprocalSquareRoot: w.u8(23); w.f32(0); w.f32(0)
        }
    }

    static func decodeActivation(_ r: inout ByteReader, node: String) throws(PackageError) -> Activation {
        let tag = try r.u8(), p = try r.f32(), q = try r.f32()
        switch tag {
        case 0: return .linear
        case 1: return .relu
        case 2: return .relu6
        case 3: return .clip(min: p, max: q)
        case 4: return .leakyRelu(alpha: p)
        case 5: return .sigmoid
        case 6: return .hardSigmoid(alpha: p, beta: q)
        case 7: return .tanh
        case 8: return .elu(alpha: p)
        case 9: return .selu(alpha: p, gamma: q)
        case 10:
            guard p == 0 || p == 1 else { throw .malformed(r.context, "node '\(node)' has a gelu flag of \(p), not 0 or 1") }
            return .gelu(approximate: p == 1)
        case 11: return .swish
        case 12: return .softplus
        case 13: return .softsign
        case 14: return .hardSwish
        case 15: return .exponential
        case 16: return .mish
        case 17: return .negate
        case 18: return .absolute
        case 19: return .logarithm
        case 20: return .squareRoot
        case 21: return .reciprocal
        case 22: return .errorFunction
        case 23: return .reciprocalSquareRoot
        default: throw .malformed(r.context, "node '\(node)' has unknown activation tag \(tag)")
        }
    }

    static func encode(_ p: Padding, into w: inout ByteWriter) {
        switch p {
        case .valid: w.u8(0); w.i32(0); w.i32(0)
        case .same: w.u8(1); w.i32(0); w.i32(0)
        case .causal: w.u8(2); w.i32(0); w.i32(0)
        case .explicit(let l, let r): w.u8(3); w.i32(l); w.i32(r)
        }
    }

    static func decodePadding(_ r: inout ByteReader, node: String) throws(PackageError) -> Padding {
        let tag = try r.u8(), left = try r.i32(), right = try r.i32()
        switch tag {
        case 0: return .valid
        case 1: return .same
        case 2: return .causal
        case 3: return .explicit(left: left, right: right)
        default: throw .malformed(r.context, "node '\(node)' has unknown padding tag \(tag)")
        }
    }

    /// The op's tag (`OpTag`), then its attributes.
    static func encode(_ op: Op, into w: inout ByteWriter) {
        w.u8(op.tag.rawValue)
        switch op {
        case .conv1D(let a):
            w.i32(a.kernelSize); w.i32(a.stride); w.i32(a.dilation); encode(a.padding, into: &w); w.i32(a.groups); encode(a.activation, into: &w)
        case .dense(let act), .add(let act), .sub(let act), .mul(let act), .div(let act), .maximum(let act), .minimum(let act), .power(let act), .squaredDifference(let act), .prelu(let act), .activation(let act):
            encode(act, into: &w)
        case .matMul, .globalAveragePool1D, .globalMaxPool1D, .affine, .quantize, .dequantize, .clamp:
            break
        case .concatenate(let axis), .softmax(let axis), .logSoftmax(let axis), .gather(let axis): w.i32(axis)
        case .reshape(let shape): w.u32(UInt32(shape.count)); for d in shape { w.i32(d) }
        case .zeroPadding1D(let l, let r): w.i32(l); w.i32(r)
        case .maxPool1D(let p), .averagePool1D(let p): w.i32(p.poolSize); w.i32(p.stride); encode(p.padding, into: &w)
        case .gru(let a), .lstm(let a):
            encode(a, into: &w)
            if op.tag == .gruWithDirection || op.tag == .lstmWithDirection { w.u8(a.direction.rawValue); w.bool(a.peepholes) }
        case .simpleRNN(let a):
            encode(a, into: &w)
            w.u8(a.direction.rawValue)
        case .transpose(let permutation): encode(permutation, into: &w)
        case .slice(let starts, let steps, let sizes): encode(starts, into: &w); encode(steps, into: &w); encode(sizes, into: &w)
        case .expand(let shape): encode(shape, into: &w)
        case .batchNormalizationTraining(let epsilon, let momentum): w.f32(epsilon); w.f32(momentum)
        case .layerNormalization(let epsilon): w.f32(epsilon)
        case .convND(let a): encode(a.window, into: &w); w.i32(a.groups); encode(a.activation, into: &w)
        case .maxPoolND(let p, let columnMajor): encode(p.window, into: &w); w.bool(p.ceilMode); w.bool(columnMajor)
        case .averagePoolND(let p, let countIncludePad): encode(p.window, into: &w); w.bool(p.ceilMode); w.bool(countIncludePad)
        }
    }

    /// Rank, then kernel, stride, dilation and begin/end padding of each axis.
    static func encode(_ window: WindowND, into w: inout ByteWriter) {
        w.u8(UInt8(truncatingIfNeeded: window.rank))
        for axis in 0..<window.rank {
            w.i32(window.kernel[axis]); w.i32(window.strides[axis]); w.i32(window.dilations[axis])
            w.i32(window.padBegin[axis]); w.i32(window.padEnd[axis])
        }
    }

    static func decodeWindow(_ r: inout ByteReader, node: String) throws(PackageError) -> WindowND {
        let rank = Int(try r.u8())
        if rank < 1 || rank > WindowND.maximumRank {
            throw .malformed(r.context, "node '\(node)' has a window over \(rank) axes (1 to \(WindowND.maximumRank))")
        }
        var w = WindowND(kernel: [], strides: [], dilations: [], padBegin: [], padEnd: [])
        for _ in 0..<rank {
            w.kernel.append(try r.i32()); w.strides.append(try r.i32()); w.dilations.append(try r.i32())
            w.padBegin.append(try r.i32()); w.padEnd.append(try r.i32())
        }
        return w
    }

    /// A count, then the integers (at most 8: one per axis of a sample).
    static func encode(_ values: [Int], into w: inout ByteWriter) {
        w.u32(UInt32(values.count)); for v in values { w.i32(v) }
    }

    static func decodeAxes(_ r: inout ByteReader, node: String) throws(PackageError) -> [Int] {
        let n = try r.count(minimumItemBytes: 4)
        if n > 8 { throw .malformed(r.context, "node '\(node)' has \(n) per-axis values (at most 8)") }
        var values: [Int] = []
        for _ in 0..<n { values.append(try r.i32()) }
        return values
    }

    static func encode(_ a: RecurrentAttributes, into w: inout ByteWriter) {
        w.i32(a.units); w.bool(a.returnSequences); encode(a.activation, into: &w); encode(a.recurrentActivation, into: &w); w.bool(a.resetAfter)
    }

    static func decodeRecurrent(_ r: inout ByteReader, node: String) throws(PackageError) -> RecurrentAttributes {
        let units = try r.i32(), sequences = try r.bool()
        let act = try decodeActivation(&r, node: node), recurrent = try decodeActivation(&r, node: node)
        return RecurrentAttributes(units: units, returnSequences: sequences, activation: act, recurrentActivation: recurrent, resetAfter: try r.bool())
    }

    static func decode(_ r: inout ByteReader, node: String) throws(PackageError) -> Op {
        let rawTag = try r.u8()
        guard let tag = OpTag(rawValue: rawTag) else { throw .malformed(r.context, "node '\(node)' has unknown op tag \(rawTag)") }
        switch tag {
        case .conv1D:
            let k = try r.i32(), s = try r.i32(), d = try r.i32()
            let padding = try decodePadding(&r, node: node)
            let groups = try r.i32()
            return .conv1D(Conv1DAttributes(kernelSize: k, stride: s, dilation: d, padding: padding, groups: groups, activation: try decodeActivation(&r, node: node)))
        case .dense: return .dense(activation: try decodeActivation(&r, node: node))
        case .matMul: return .matMul
        case .add: return .add(activation: try decodeActivation(&r, node: node))
        case .sub: return .sub(activation: try decodeActivation(&r, node: node))
        case .mul: return .mul(activation: try decodeActivation(&r, node: node))
        case .div: return .div(activation: try decodeActivation(&r, node: node))
        case .maximum: return .maximum(activation: try decodeActivation(&r, node: node))
        case .minimum: return .minimum(activation: try decodeActivation(&r, node: node))
        case .power: return .power(activation: try decodeActivation(&r, node: node))
        case .squaredDifference: return .squaredDifference(activation: try decodeActivation(&r, node: node))
        case .prelu: return .prelu(activation: try decodeActivation(&r, node: node))
        case .concatenate: return .concatenate(axis: try r.i32())
        case .reshape:
            let n = try r.count(minimumItemBytes: 4)
            if n > 8 { throw .malformed(r.context, "node '\(node)' reshapes to rank \(n)") }
            var shape: [Int] = []
            for _ in 0..<n { shape.append(try r.i32()) }
            return .reshape(shape: shape)
        case .zeroPadding1D: return .zeroPadding1D(left: try r.i32(), right: try r.i32())
        case .maxPool1D, .averagePool1D:
            let size = try r.i32(), stride = try r.i32()
            let p = Pool1DAttributes(poolSize: size, stride: stride, padding: try decodePadding(&r, node: node))
            return tag == .maxPool1D ? .maxPool1D(p) : .averagePool1D(p)
        case .globalAveragePool1D: return .globalAveragePool1D
        case .globalMaxPool1D: return .globalMaxPool1D
        case .activation: return .activation(try decodeActivation(&r, node: node))
        case .softmax: return .softmax(axis: try r.i32())
        case .logSoftmax: return .logSoftmax(axis: try r.i32())
        case .affine: return .affine
        case .gru: return .gru(try decodeRecurrent(&r, node: node))
        case .lstm: return .lstm(try decodeRecurrent(&r, node: node))
        case .quantize: return .quantize
        case .dequantize: return .dequantize
        case .transpose: return .transpose(permutation: try decodeAxes(&r, node: node))
        case .slice:
            let starts = try decodeAxes(&r, node: node), steps = try decodeAxes(&r, node: node)
            return .slice(starts: starts, steps: steps, sizes: try decodeAxes(&r, node: node))
        case .gather: return .gather(axis: try r.i32())
        case .expand: return .expand(shape: try decodeAxes(&r, node: node))
        case .simpleRNN:
            var a = try decodeRecurrent(&r, node: node)
            let rawDirection = try r.u8()
            guard let direction = RecurrentDirection(rawValue: rawDirection) else {
                throw .malformed(r.context, "node '\(node)' has unknown recurrent direction \(rawDirection)")
            }
            a.direction = direction
            return .simpleRNN(a)
        case .gruWithDirection, .lstmWithDirection:
            var a = try decodeRecurrent(&r, node: node)
            let rawDirection = try r.u8()
            guard let direction = RecurrentDirection(rawValue: rawDirection) else {
                throw .malformed(r.context, "node '\(node)' has unknown recurrent direction \(rawDirection)")
            }
            a.direction = direction
            a.peepholes = try r.bool()
            return tag == .gruWithDirection ? .gru(a) : .lstm(a)
        case .clamp: return .clamp
        case .batchNormalizationTraining: return .batchNormalizationTraining(epsilon: try r.f32(), momentum: try r.f32())
        case .layerNormalization: return .layerNormalization(epsilon: try r.f32())
        case .convND:
            let window = try decodeWindow(&r, node: node), groups = try r.i32()
            return .convND(ConvNDAttributes(window: window, groups: groups, activation: try decodeActivation(&r, node: node)))
        case .maxPoolND:
            let window = try decodeWindow(&r, node: node), ceilMode = try r.bool()
            return .maxPoolND(PoolNDAttributes(window: window, ceilMode: ceilMode), columnMajorIndices: try r.bool())
        case .averagePoolND:
            let window = try decodeWindow(&r, node: node), ceilMode = try r.bool()
            return .averagePoolND(PoolNDAttributes(window: window, ceilMode: ceilMode), countIncludePad: try r.bool())
        }
    }
}
