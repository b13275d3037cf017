/// Concatenate: operands joined along one axis, float, int8 (requantizing operands
/// whose parameters differ from the output's) or any type whose bytes just move. A
/// constant operand holds one sample, repeated for every batch item.

// MARK: - Shape inference

extension Graph {
    mutating func inferConcatenate(_ c: NodeContext, _ axis: Int) throws(GraphError) {
        let name = c.name
        let ins = c.ins
        if ins.isEmpty { throw .wrongInputCount(node: name, expected: "at least 1", got: 0) }
        try c.expectOutputs(1); try c.requireFloat()
        if ins.allSatisfy({ $0.isConstant }) { throw .badAttribute(node: name, reason: "every operand is a constant; fold the node at import") }
        if c.int8, let constant = ins.first(where: { $0.isConstant }) {
            throw .typeMismatch(node: name, reason: "an int8 Concatenate takes no constant operand ('\(constant.name)')")
        }
        let r = ins[0].shape.count
        let a = axis < 0 ? axis + r + 1 : axis
        if a < 1 || a > r { throw .badAttribute(node: name, reason: "axis \(axis) is the batch axis or out of range for rank \(r + 1)") }
        var shape = ins[0].shape
        shape[a - 1] = 0
        for t in ins {
            if t.shape.count != r { throw .shapeMismatch(node: name, reason: "inputs differ in rank: \(ins[0].shape) and \(t.shape)") }
            for d in 0..<r where d != a - 1 && t.shape[d] != ins[0].shape[d] {
                throw .shapeMismatch(node: name, reason: "inputs \(ins[0].shape) and \(t.shape) differ outside axis \(axis)")
            }
            shape[a - 1] += t.shape[a - 1]
        }
        try setOutput(c, shape)
    }

    mutating func checkInt8Concatenate(_ c: NodeContext) throws(GraphError) {
        var first: QuantizationParameters?
        var allEqual = true
        for i in c.ins.indices {
            _ = try int8Input(c, i)
            if i == 0 { first = c.ins[0].quantization } else if c.ins[i].quantization != first { allEqual = false }
        }
        _ = try int8Output(c, inheriting: allEqual ? first : nil)
    }
}

// MARK: - Compilation

extension Interpreter {
    /// A concatenation along `axis` (the batch counted as 0, negative from the end) into
    /// an output of per-sample shape `outShape`: the per-sample axis it joins, how many
    /// outer blocks (the batch included) each operand contributes to, and the bytes one
    /// entry of the joined axis spans.
    static func concatenationLayout(_ outShape: [Int], axis: Int, batch: Int, elementBytes: Int) -> (axis: Int, outer: Int, inner: Int) {
        let a = (axis < 0 ? axis + outShape.count + 1 : axis) - 1
        var outer = batch
        for d in 0..<a { outer *= outShape[d] }
        var inner = elementBytes
        for d in (a + 1)..<outShape.count { inner *= outShape[d] }
        return (a, outer, inner)
    }

    /// One step per operand: a copy of its chunks into their place in the output, a
    /// requantization for an int8 operand with other parameters, or a strided copy of a
    /// constant operand's one sample into every batch item.
    static func compileConcatenate(_ b: inout StepBuilder, _ axis: Int) {
        let node = b.node, ins = b.ins
        let outT = b.graph.tensors[b.out]
        let outShape = outT.shape
        let int8 = b.isInt8
        let (a, outer, inner) = concatenationLayout(outShape, axis: axis, batch: b.batch, elementBytes: int8 ? 1 : 4)
        let stride = outShape[a] * inner
        var offset = 0
        for (i, id) in node.inputs.enumerated() {
            let chunk = ins[i].shape[a] * inner
            if int8 && ins[i].quantization != outT.quantization {
                let xi = b.params(ins[i]), y = b.params(outT)
                let (m, s) = FixedPoint.quantizeMultiplier(Double(xi.scale) / Double(y.scale))
                b.append(.int8Requantize(Int8RequantizeParameters(outer: outer, chunk: chunk, stride: stride, inputZeroPoint: xi.zeroPoint, outputZeroPoint: y.zeroPoint, multiplier: m, shift: s), b.ci8(id), b.i8(b.out) + offset))
            } else if ins[i].isConstant {
                let step = concatenateConstantStep(&b, constant: id, byteOffset: offset)
                b.append(step)
            } else {
                b.append(.interleave(outer: outer, chunk: chunk, stride: stride, UnsafeRawPointer(b.raw(id)), b.raw(b.out) + offset))
            }
            offset += chunk
        }
    }

    /// The step that writes a constant operand of a concatenation, whose first element
    /// lands `byteOffset` into the output: the one sample the constant holds, repeated
    /// for every batch item.
    static func concatenateConstantStep(_ b: inout StepBuilder, constant: TensorID, byteOffset: Int) -> Step {
        let c = b.graph.tensors[constant], y = b.graph.tensors[b.out]
        let e = c.dtype.byteSize
        let inStrides = [0] + StepBuilder.byteStrides(c.shape, elementBytes: e)
        let outStrides = StepBuilder.byteStrides([b.batch] + y.shape, elementBytes: e)
        let p = b.stridedCopy(sizes: [b.batch] + c.shape, inputStrides: inStrides, outputStrides: outStrides, elementBytes: e)
        return .stridedCopy(p, UnsafeRawPointer(b.raw(constant)), b.raw(b.out) + byteOffset)
    }
}
