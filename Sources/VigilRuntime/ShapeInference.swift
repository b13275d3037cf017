extension Graph {
    /// Checks node `index`'s inputs and attributes and sets its output shapes.
    /// Shapes exclude the batch dimension; constants have none.
    mutating func inferShapes(ofNode index: Int) throws(GraphError) {
        let node = nodes[index]
        let name = node.name
        let ins = node.inputs.map { tensors[$0] }
        // int8 nodes run the same ops with integer kernels; `checkInt8` below checks
        // their types and quantization once the shapes are known.
        let int8Node = Graph.runsAsInt8(node.op, ins)
        // Likewise plain integer nodes, checked by `checkInteger` (IntegerGraph.swift).
        let integerNode = Graph.runsAsInteger(node.op, ins)

        func expectInputs(_ range: ClosedRange<Int>) throws(GraphError) {
            if !range.contains(ins.count) {
                let expected = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
                throw .wrongInputCount(node: name, expected: expected, got: ins.count)
            }
        }
        func expectOutputs(_ n: Int) throws(GraphError) {
            if node.outputs.count != n { throw .badAttribute(node: name, reason: "expects \(n) output(s), has \(node.outputs.count)") }
        }
        func activation(_ i: Int) throws(GraphError) -> TensorDescriptor {
            let t = ins[i]
            if t.isConstant { throw .badAttribute(node: name, reason: "input \(i) ('\(t.name)') must be an activation, not a constant") }
            return t
        }
        func constant(_ i: Int, role: String) throws(GraphError) -> TensorDescriptor {
            let t = ins[i]
            if !t.isConstant { throw .badAttribute(node: name, reason: "\(role) ('\(t.name)') must be a constant") }
            return t
        }
        func checkActivation(_ a: Activation) throws(GraphError) {
            switch a {
            case .clip(let lo, let hi):
                if !(lo <= hi) { throw .badAttribute(node: name, reason: "clip range [\(lo), \(hi)] is empty") }
            case .leakyRelu(let alpha):
                if !alpha.isFinite { throw .badAttribute(node: name, reason: "leaky ReLU alpha is not finite") }
            case .hardSigmoid(let alpha, let beta):
                if !alpha.isFinite || !beta.isFinite { throw .badAttribute(node: name, reason: "hard sigmoid alpha/beta not finite") }
            default: break
            }
        }
        func requireFloat() throws(GraphError) {
            if int8Node || integerNode { return }
            for t in ins where t.dtype != .float32 {
                throw .typeMismatch(node: name, reason: "'\(t.name)' is \(t.dtype.name); this op needs float32")
            }
        }
        func rank(_ t: TensorDescriptor, _ r: Int, _ role: String) throws(GraphError) {
            if t.shape.count != r { throw .shapeMismatch(node: name, reason: "\(role) '\(t.name)' has shape \(t.shape), expected rank \(r)") }
        }
        func setOutput(_ shape: [Int], dtype: DType = .float32, at position: Int = 0) throws(GraphError) {
            for d in shape where d <= 0 {
                throw .shapeMismatch(node: name, reason: "output shape \(shape) has a zero or negative dimension")
            }
            if Graph.boundedProduct(shape) == nil { throw .tooLarge(tensor: tensors[node.outputs[position]].name, shape: shape) }
            let id = node.outputs[position]
            let declared = tensors[id].shape
            if !declared.isEmpty && declared != shape {
                throw .shapeMismatch(node: name, reason: "output '\(tensors[id].name)' declared \(declared), computed \(shape)")
            }
            tensors[id].shape = shape
            tensors[id].dtype = dtype
        }
        /// Activation inputs must have known shapes (an earlier node produced them).
        for t in ins where !t.isConstant && t.shape.isEmpty {
            throw .shapeMismatch(node: name, reason: "input '\(t.name)' has no shape")
        }

        for value in node.op.integerAttributes where value > Graph.maximumDimension || value < -Graph.maximumDimension {
            throw .badAttribute(node: name, reason: "attribute value \(value) is out of range (|value| ≤ \(Graph.maximumDimension))")
        }

        switch node.op {
        case .conv1D(let a):
            try expectInputs(2...3); try expectOutputs(1); try requireFloat()
            let x = try activation(0), w = try constant(1, role: "weight")
            try rank(x, 2, "input"); try rank(w, 3, "weight")
            if a.kernelSize < 1 || a.stride < 1 || a.dilation < 1 || a.groups < 1 {
                throw .badAttribute(node: name, reason: "kernel \(a.kernelSize), stride \(a.stride), dilation \(a.dilation), groups \(a.groups) must all be ≥ 1")
            }
            if case .explicit(let l, let r) = a.padding, l < 0 || r < 0 {
                throw .badAttribute(node: name, reason: "negative padding (\(l), \(r))")
            }
            if a.stride > 1 && a.dilation > 1 {
                throw .badAttribute(node: name, reason: "stride and dilation both above 1 are not supported")
            }
            try checkActivation(a.activation)
            let (length, cin) = (x.shape[0], x.shape[1])
            let (k, cinPerGroup, cout) = (w.shape[0], w.shape[1], w.shape[2])
            if k != a.kernelSize { throw .shapeMismatch(node: name, reason: "weight kernel size \(k) ≠ attribute \(a.kernelSize)") }
            if cin % a.groups != 0 || cout % a.groups != 0 {
                throw .badAttribute(node: name, reason: "groups \(a.groups) must divide input channels \(cin) and output channels \(cout)")
            }
            if cinPerGroup * a.groups != cin {
                throw .shapeMismatch(node: name, reason: "weight expects \(cinPerGroup * a.groups) input channels, input has \(cin)")
            }
            if ins.count == 3 {
                let b = try constant(2, role: "bias")
                if b.shape != [cout] { throw .shapeMismatch(node: name, reason: "bias shape \(b.shape) ≠ [\(cout)]") }
            }
            let out = a.padding.outputLength(length: length, kernel: k, stride: a.stride, dilation: a.dilation)
            if out < 1 { throw .shapeMismatch(node: name, reason: "kernel field \((k - 1) * a.dilation + 1) longer than padded input \(length)") }
            try setOutput([out, cout])

        case .dense(let act):
            try expectInputs(2...3); try expectOutputs(1); try requireFloat(); try checkActivation(act)
            let x = try activation(0), w = try constant(1, role: "weight")
            try rank(w, 2, "weight")
            if x.shape.isEmpty || x.shape.last! != w.shape[0] {
                throw .shapeMismatch(node: name, reason: "input \(x.shape) last dimension ≠ weight rows \(w.shape[0])")
            }
            if ins.count == 3 {
                let b = try constant(2, role: "bias")
                if b.shape != [w.shape[1]] { throw .shapeMismatch(node: name, reason: "bias shape \(b.shape) ≠ [\(w.shape[1])]") }
            }
            try setOutput(Array(x.shape.dropLast()) + [w.shape[1]])

        case .matMul:
            try expectInputs(2...2); try expectOutputs(1); try requireFloat()
            let a = try activation(0), b = ins[1]
            if a.shape.count < 1 { throw .shapeMismatch(node: name, reason: "left operand is a scalar") }
            if b.isConstant && b.shape.count > 2 {
                try setOutput(try Graph.slicedMatMulShape(a, b, node: name))
                break
            }
            if b.shape.count != 2 { throw .shapeMismatch(node: name, reason: "right operand shape \(b.shape) must be [K, N]") }
            if a.shape.last! != b.shape[0] {
                throw .shapeMismatch(node: name, reason: "inner dimensions differ: \(a.shape) · \(b.shape)")
            }
            if !b.isConstant && a.shape.count != 2 {
                throw .shapeMismatch(node: name, reason: "a batched right operand needs a left operand of rank 2, got \(a.shape)")
            }
            try setOutput(Array(a.shape.dropLast()) + [b.shape[1]])

        case .add(let act), .sub(let act), .mul(let act), .div(let act):
            try expectInputs(2...2); try expectOutputs(1); try requireFloat(); try checkActivation(act)
            let a = ins[0], b = ins[1]
            if a.isConstant && b.isConstant { throw .badAttribute(node: name, reason: "both operands are constants; fold the node at import") }
            guard let shape = Broadcast.shape(a.shape, b.shape) else {
                throw .shapeMismatch(node: name, reason: "shapes \(a.shape) and \(b.shape) do not broadcast")
            }
            // Batched operands align at the batch axis, so two of them need equal rank; a
            // constant aligns at the last axis and may not add dimensions.
            if !a.isConstant && !b.isConstant && a.shape.count != b.shape.count {
                throw .shapeMismatch(node: name, reason: "batched operands \(a.shape) and \(b.shape) differ in rank")
            }
            if (a.isConstant && a.shape.count > b.shape.count) || (b.isConstant && b.shape.count > a.shape.count) {
                throw .shapeMismatch(node: name, reason: "constant operand has more dimensions than the batched one: \(a.shape), \(b.shape)")
            }
            try setOutput(shape)

        case .concatenate(let axis):
            if ins.isEmpty { throw .wrongInputCount(node: name, expected: "at least 1", got: 0) }
            try expectOutputs(1); try requireFloat()
            if ins.allSatisfy({ $0.isConstant }) { throw .badAttribute(node: name, reason: "every operand is a constant; fold the node at import") }
            if int8Node, let c = ins.first(where: { $0.isConstant }) {
                throw .typeMismatch(node: name, reason: "an int8 Concatenate takes no constant operand ('\(c.name)')")
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
            try setOutput(shape)

        case .reshape(let target):
            try expectInputs(1...1); try expectOutputs(1)
            let x = try activation(0)
            var known = 1
            var unknown = -1
            for (i, d) in target.enumerated() {
                if d == -1 {
                    if unknown >= 0 { throw .badAttribute(node: name, reason: "more than one -1 in target shape \(target)") }
                    unknown = i
                } else if d <= 0 {
                    throw .badAttribute(node: name, reason: "target shape \(target) has a zero or negative dimension")
                } else {
                    let (product, overflow) = known.multipliedReportingOverflow(by: d)
                    if overflow || product > Graph.maximumElements {
                        throw .shapeMismatch(node: name, reason: "target shape \(target) is larger than the input \(x.shape)")
                    }
                    known = product
                }
            }
            if target.count > 8 { throw .badAttribute(node: name, reason: "target rank \(target.count) above 8") }
            var shape = target
            if unknown >= 0 {
                if x.elementCount % known != 0 { throw .shapeMismatch(node: name, reason: "cannot reshape \(x.shape) to \(target)") }
                shape[unknown] = x.elementCount / known
            }
            if shape.isEmpty || known * (unknown >= 0 ? shape[unknown] : 1) != x.elementCount {
                throw .shapeMismatch(node: name, reason: "cannot reshape \(x.shape) (\(x.elementCount) elements) to \(target)")
            }
            try setOutput(shape, dtype: x.dtype)

        case .zeroPadding1D(let left, let right):
            try expectInputs(1...1); try expectOutputs(1); try requireFloat()
            let x = try activation(0)
            try rank(x, 2, "input")
            if left < 0 || right < 0 { throw .badAttribute(node: name, reason: "negative padding (\(left), \(right))") }
            try setOutput([x.shape[0] + left + right, x.shape[1]])

        case .maxPool1D(let p), .averagePool1D(let p):
            try expectInputs(1...1); try expectOutputs(1); try requireFloat()
            let x = try activation(0)
            try rank(x, 2, "input")
            if p.poolSize < 1 || p.stride < 1 { throw .badAttribute(node: name, reason: "pool size \(p.poolSize) and stride \(p.stride) must be ≥ 1") }
            let (l, r) = p.padding.amounts(length: x.shape[0], kernel: p.poolSize, stride: p.stride, dilation: 1)
            if l < 0 || r < 0 || l >= p.poolSize || r >= p.poolSize {
                throw .badAttribute(node: name, reason: "padding (\(l), \(r)) must be non-negative and smaller than the pool size \(p.poolSize)")
            }
            let out = p.padding.outputLength(length: x.shape[0], kernel: p.poolSize, stride: p.stride, dilation: 1)
            if out < 1 { throw .shapeMismatch(node: name, reason: "pool size \(p.poolSize) longer than input length \(x.shape[0])") }
            try setOutput([out, x.shape[1]])

        case .globalAveragePool1D, .globalMaxPool1D:
            try expectInputs(1...1); try expectOutputs(1); try requireFloat()
            let x = try activation(0)
            try rank(x, 2, "input")
            try setOutput([x.shape[1]])

        case .convND(let a):
            try expectInputs(2...3); try expectOutputs(1); try requireFloat(); try checkActivation(a.activation)
            let x = try activation(0), w = try constant(1, role: "weight")
            let b = ins.count == 3 ? try constant(2, role: "bias") : nil
            try setOutput(try Graph.convNDOutputShape(a, input: x, weight: w, bias: b, node: name))

        case .maxPoolND(let p, _), .averagePoolND(let p, _):
            try expectInputs(1...1); try requireFloat()
            // A max pool may also output the positions of its maxima.
            if case .maxPoolND = node.op, node.outputs.count == 2 {} else { try expectOutputs(1) }
            let x = try activation(0)
            let shape = try Graph.windowNDOutputSpatialShape(p.window, ceilMode: p.ceilMode, input: x, node: name) + [x.shape.last!]
            // As for the 1-D pools (and in ONNX Runtime): a pad as wide as the window
            // could leave a window of padding alone, with no maximum or average.
            for axis in 0..<p.window.rank {
                let field = (p.window.kernel[axis] - 1) * p.window.dilations[axis] + 1
                if p.window.padBegin[axis] >= field || p.window.padEnd[axis] >= field {
                    throw .badAttribute(node: name, reason: "padding \(p.window.padBegin)/\(p.window.padEnd) must be smaller than the window \(p.window.kernel) on every axis")
                }
            }
            try setOutput(shape)
            if node.outputs.count == 2 { try setOutput(shape, dtype: .int64, at: 1) }

        case .activation(let act):
            try expectInputs(1...1); try expectOutputs(1); try requireFloat(); try checkActivation(act)
            try setOutput(try activation(0).shape)

        case .softmax(let axis):
            try expectInputs(1...1); try expectOutputs(1); try requireFloat()
            let x = try activation(0)
            let r = x.shape.count
            let a = axis < 0 ? axis + r + 1 : axis
            if a != r { throw .badAttribute(node: name, reason: "softmax runs over the last axis only; axis \(axis) of rank \(r + 1)") }
            try setOutput(x.shape)

        case .affine:
            try expectInputs(3...3); try expectOutputs(1); try requireFloat()
            let x = try activation(0)
            let c = x.shape.last ?? 0
            for i in 1...2 {
                let t = try constant(i, role: i == 1 ? "scale" : "shift")
                if t.shape != [c] { throw .shapeMismatch(node: name, reason: "'\(t.name)' shape \(t.shape) ≠ [\(c)]") }
            }
            try setOutput(x.shape)

        case .gru(let a), .lstm(let a):
            let gates: Int
            if case .gru = node.op { gates = 3 } else { gates = 4 }
            if a.peepholes {
                if gates == 3 { throw .badAttribute(node: name, reason: "a GRU has no peepholes") }
                try expectInputs(5...5)
            } else {
                try expectInputs(3...4)
            }
            // An LSTM may also output its last cell state.
            if gates == 3 || node.outputs.count != 2 { try expectOutputs(1) }
            try requireFloat()
            try checkActivation(a.activation); try checkActivation(a.recurrentActivation)
            let x = try activation(0)
            let k = try constant(1, role: "kernel"), rk = try constant(2, role: "recurrent kernel")
            try rank(x, 2, "input")
            if a.units < 1 { throw .badAttribute(node: name, reason: "units \(a.units) must be ≥ 1") }
            let u = a.units
            // A bidirectional layer's weights carry the two directions on a leading axis.
            let lead = a.direction == .bidirectional ? [2] : []
            if k.shape != lead + [x.shape[1], gates * u] {
                throw .shapeMismatch(node: name, reason: "kernel shape \(k.shape) ≠ \(lead + [x.shape[1], gates * u])")
            }
            if rk.shape != lead + [u, gates * u] {
                throw .shapeMismatch(node: name, reason: "recurrent kernel shape \(rk.shape) ≠ \(lead + [u, gates * u])")
            }
            if ins.count >= 4 {
                let b = try constant(3, role: "bias")
                let expected = lead + (gates == 3 && a.resetAfter ? [2, gates * u] : [gates * u])
                if b.shape != expected { throw .shapeMismatch(node: name, reason: "bias shape \(b.shape) ≠ \(expected)") }
            }
            if ins.count == 5 {
                let p = try constant(4, role: "peepholes")
                if p.shape != lead + [3 * u] { throw .shapeMismatch(node: name, reason: "peephole shape \(p.shape) ≠ \(lead + [3 * u])") }
            }
            let directions = a.directions
            if a.returnSequences {
                try setOutput(directions == 1 ? [x.shape[0], u] : [x.shape[0], directions, u])
            } else {
                try setOutput(directions == 1 ? [u] : [directions, u])
            }
            if node.outputs.count == 2 { try setOutput(directions == 1 ? [u] : [directions, u], at: 1) }

        case .clamp:
            try inferClampShape(ofNode: index)

        case .batchNormalizationTraining(let epsilon, let momentum):
            try inferBatchNormalizationTrainingShapes(ofNode: index, epsilon: epsilon, momentum: momentum)

        case .transpose, .slice, .gather, .expand:
            try expectOutputs(1)
            // Elements move unchanged, so plain integers move as floats do; quantized
            // int8 would need its parameters carried, which no int8 kernel here does.
            if let x = ins.first, x.dtype != .float32 && !x.isPlainInteger {
                throw .typeMismatch(node: name, reason: "'\(x.name)' is \(x.dtype.name)\(x.quantization == nil ? "" : " (quantized)"); \(node.op.name) moves float32 or plain integer data")
            }
            try setOutput(try dataMovementShape(node), dtype: ins.first?.dtype ?? .float32)
            // What moves is plain, so is the result, whatever a file declared: int8 declared
            // quantized here would reach a quantized consumer as values it never scaled.
            tensors[node.outputs[0]].quantization = nil

        case .quantize, .dequantize:
            try expectInputs(1...1); try expectOutputs(1)
            let x = try activation(0)
            try setOutput(x.shape, dtype: node.op == .quantize ? .int8 : .float32)
            try checkBoundary(ofNode: index)
        }
        if int8Node { try checkInt8(ofNode: index) }
        if integerNode { try checkInteger(ofNode: index) }
    }
}

/// Numpy broadcasting of shapes aligned at their last dimension.
public enum Broadcast {
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }
}
