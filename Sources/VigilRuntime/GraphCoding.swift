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

/// Op tags and attribute layouts. Tags are part of the file format: never reuse one.
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

    static func encode(_ op: Op, into w: inout ByteWriter) {
        switch op {
        case .conv1D(let a):
            w.u8(1); w.i32(a.kernelSize); w.i32(a.stride); w.i32(a.dilation); encode(a.padding, into: &w); w.i32(a.groups); encode(a.activation, into: &w)
        case .dense(let act): w.u8(2); encode(act, into: &w)
        case .matMul: w.u8(3)
        case .add(let act): w.u8(4); encode(act, into: &w)
        case .sub(let act): w.u8(5); encode(act, into: &w)
        case .mul(let act): w.u8(6); encode(act, into: &w)
        case .div(let act): w.u8(7); encode(act, into: &w)
        case .concatenate(let axis): w.u8(8); w.i32(axis)
        case .reshape(let shape): w.u8(9); w.u32(UInt32(shape.count)); for d in shape { w.i32(d) }
        case .zeroPadding1D(let l, let r): w.u8(10); w.i32(l); w.i32(r)
        case .maxPool1D(let p): w.u8(11); w.i32(p.poolSize); w.i32(p.stride); encode(p.padding, into: &w)
        case .averagePool1D(let p): w.u8(12); w.i32(p.poolSize); w.i32(p.stride); encode(p.padding, into: &w)
        case .globalAveragePool1D: w.u8(13)
        case .globalMaxPool1D: w.u8(14)
        case .activation(let act): w.u8(15); encode(act, into: &w)
        case .softmax(let axis): w.u8(16); w.i32(axis)
        case .affine: w.u8(17)
        // Forward layers without peepholes keep their first tags, so files written
        // before directions existed read the same; the others add direction and peepholes.
        case .gru(let a) where a.direction == .forward && !a.peepholes: w.u8(18); encode(a, into: &w)
        case .lstm(let a) where a.direction == .forward && !a.peepholes: w.u8(19); encode(a, into: &w)
        case .gru(let a): w.u8(54); encode(a, into: &w); w.u8(a.direction.rawValue); w.bool(a.peepholes)
        case .lstm(let a): w.u8(55); encode(a, into: &w); w.u8(a.direction.rawValue); w.bool(a.peepholes)
        case .quantize: w.u8(20)
        case .dequantize: w.u8(21)
        // Data movement takes tags from 50 on.
        case .transpose(let permutation): w.u8(50); encode(permutation, into: &w)
        case .slice(let starts, let steps, let sizes): w.u8(51); encode(starts, into: &w); encode(steps, into: &w); encode(sizes, into: &w)
        case .gather(let axis): w.u8(52); w.i32(axis)
        case .expand(let shape): w.u8(53); encode(shape, into: &w)
        // Plain integer and training-mode ops take tags from 60 on.
        case .clamp: w.u8(60)
        case .batchNormalizationTraining(let epsilon, let momentum): w.u8(61); w.f32(epsilon); w.f32(momentum)
        // N-d windows take tags from 40 on, clear of the 1-D ops' neighbourhood.
        case .convND(let a): w.u8(40); encode(a.window, into: &w); w.i32(a.groups); encode(a.activation, into: &w)
        case .maxPoolND(let p, let columnMajor): w.u8(41); encode(p.window, into: &w); w.bool(p.ceilMode); w.bool(columnMajor)
        case .averagePoolND(let p, let countIncludePad): w.u8(42); encode(p.window, into: &w); w.bool(p.ceilMode); w.bool(countIncludePad)
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
        let tag = try r.u8()
        switch tag {
        case 1:
            let k = try r.i32(), s = try r.i32(), d = try r.i32()
            let padding = try decodePadding(&r, node: node)
            let groups = try r.i32()
            return .conv1D(Conv1DAttributes(kernelSize: k, stride: s, dilation: d, padding: padding, groups: groups, activation: try decodeActivation(&r, node: node)))
        case 2: return .dense(activation: try decodeActivation(&r, node: node))
        case 3: return .matMul
        case 4: return .add(activation: try decodeActivation(&r, node: node))
        case 5: return .sub(activation: try decodeActivation(&r, node: node))
        case 6: return .mul(activation: try decodeActivation(&r, node: node))
        case 7: return .div(activation: try decodeActivation(&r, node: node))
        case 8: return .concatenate(axis: try r.i32())
        case 9:
            let n = try r.count(minimumItemBytes: 4)
            if n > 8 { throw .malformed(r.context, "node '\(node)' reshapes to rank \(n)") }
            var shape: [Int] = []
            for _ in 0..<n { shape.append(try r.i32()) }
            return .reshape(shape: shape)
        case 10: return .zeroPadding1D(left: try r.i32(), right: try r.i32())
        case 11, 12:
            let size = try r.i32(), stride = try r.i32()
            let p = Pool1DAttributes(poolSize: size, stride: stride, padding: try decodePadding(&r, node: node))
            return tag == 11 ? .maxPool1D(p) : .averagePool1D(p)
        case 13: return .globalAveragePool1D
        case 14: return .globalMaxPool1D
        case 15: return .activation(try decodeActivation(&r, node: node))
        case 16: return .softmax(axis: try r.i32())
        case 17: return .affine
        case 18: return .gru(try decodeRecurrent(&r, node: node))
        case 19: return .lstm(try decodeRecurrent(&r, node: node))
        case 20: return .quantize
        case 21: return .dequantize
        case 50: return .transpose(permutation: try decodeAxes(&r, node: node))
        case 51:
            let starts = try decodeAxes(&r, node: node), steps = try decodeAxes(&r, node: node)
            return .slice(starts: starts, steps: steps, sizes: try decodeAxes(&r, node: node))
        case 52: return .gather(axis: try r.i32())
        case 53: return .expand(shape: try decodeAxes(&r, node: node))
        case 54, 55:
            var a = try decodeRecurrent(&r, node: node)
            let rawDirection = try r.u8()
            guard let direction = RecurrentDirection(rawValue: rawDirection) else {
                throw .malformed(r.context, "node '\(node)' has unknown recurrent direction \(rawDirection)")
            }
            a.direction = direction
            a.peepholes = try r.bool()
            return tag == 54 ? .gru(a) : .lstm(a)
        case 60: return .clamp
        case 61: return .batchNormalizationTraining(epsilon: try r.f32(), momentum: try r.f32())
        case 40:
            let window = try decodeWindow(&r, node: node), groups = try r.i32()
            return .convND(ConvNDAttributes(window: window, groups: groups, activation: try decodeActivation(&r, node: node)))
        case 41:
            let window = try decodeWindow(&r, node: node), ceilMode = try r.bool()
            return .maxPoolND(PoolNDAttributes(window: window, ceilMode: ceilMode), columnMajorIndices: try r.bool())
        case 42:
            let window = try decodeWindow(&r, node: node), ceilMode = try r.bool()
            return .averagePoolND(PoolNDAttributes(window: window, ceilMode: ceilMode), countIncludePad: try r.bool())
        default: throw .malformed(r.context, "node '\(node)' has unknown op tag \(tag)")
        }
    }
}
