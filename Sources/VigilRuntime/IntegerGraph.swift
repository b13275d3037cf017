/// Type rules and compilation of nodes over plain integer tensors (an integer dtype
/// without quantization parameters; see `DType`). A node runs its integer kernel when
/// its first input is a plain integer; shape inference computes shapes as for float
/// and then calls `checkInteger`, which requires every operand to have that one type.
extension Graph {
    /// Ops with integer kernels (reshape only moves bytes).
    static func runsAsInteger(_ op: Op, _ ins: [TensorDescriptor]) -> Bool {
        guard let first = ins.first, first.isPlainInteger else { return false }
        switch op {
        case .add, .sub, .mul, .div, .clamp, .maxPool1D, .maxPoolND, .reshape: return true
        default: return false
        }
    }

    static func typeDescription(_ t: TensorDescriptor) -> String {
        t.quantization == nil ? t.dtype.name : "quantized \(t.dtype.name)"
    }

    /// Checks node `index` as an integer node and types its output like its first input.
    mutating func checkInteger(ofNode index: Int) throws(GraphError) {
        let node = nodes[index]
        let ins = node.inputs.map { tensors[$0] }
        let x = ins[0]
        func sameType(_ i: Int) throws(GraphError) {
            let t = ins[i]
            if t.dtype != x.dtype || !t.isPlainInteger {
                throw .typeMismatch(node: node.name, reason: "'\(t.name)' is \(Graph.typeDescription(t)), '\(x.name)' is \(x.dtype.name); \(node.op.name) needs operands of one integer type")
            }
        }
        switch node.op {
        case .add(let act), .sub(let act), .mul(let act), .div(let act):
            try sameType(1)
            if act != .linear { throw .badAttribute(node: node.name, reason: "an integer \(node.op.name) fuses no activation, not \(act.name)") }
        case .clamp:
            try sameType(1); try sameType(2)
        case .maxPoolND where node.outputs.count != 1:
            throw .badAttribute(node: node.name, reason: "an integer \(node.op.name) outputs no indices of its maxima")
        case .maxPool1D, .maxPoolND, .reshape:
            break
        default:
            throw .typeMismatch(node: node.name, reason: "\(node.op.name) has no \(x.dtype.name) kernel")
        }
        for id in node.outputs {
            tensors[id].dtype = x.dtype
            tensors[id].quantization = nil
        }
    }

    /// Sets output `position` of node `index` to `shape`, checking it against a declared
    /// shape as `inferShapes` does.
    mutating func setInferredOutput(ofNode index: Int, _ position: Int, shape: [Int], dtype: DType) throws(GraphError) {
        let node = nodes[index]
        let id = node.outputs[position]
        for d in shape where d <= 0 {
            throw .shapeMismatch(node: node.name, reason: "output shape \(shape) has a zero or negative dimension")
        }
        if Graph.boundedProduct(shape) == nil { throw .tooLarge(tensor: tensors[id].name, shape: shape) }
        let declared = tensors[id].shape
        if !declared.isEmpty && declared != shape {
            throw .shapeMismatch(node: node.name, reason: "output '\(tensors[id].name)' declared \(declared), computed \(shape)")
        }
        tensors[id].shape = shape
        tensors[id].dtype = dtype
    }

    /// Clamp: a plain integer activation and two one-element constant bounds.
    mutating func inferClampShape(ofNode index: Int) throws(GraphError) {
        let node = nodes[index]
        if node.inputs.count != 3 { throw .wrongInputCount(node: node.name, expected: "3", got: node.inputs.count) }
        if node.outputs.count != 1 { throw .badAttribute(node: node.name, reason: "expects 1 output(s), has \(node.outputs.count)") }
        let x = tensors[node.inputs[0]]
        if x.isConstant { throw .badAttribute(node: node.name, reason: "input 0 ('\(x.name)') must be an activation, not a constant") }
        if !x.isPlainInteger {
            throw .typeMismatch(node: node.name, reason: "'\(x.name)' is \(Graph.typeDescription(x)); Clamp computes on plain integers (a float clip is an activation)")
        }
        for (i, role) in [(1, "min"), (2, "max")] {
            let t = tensors[node.inputs[i]]
            if !t.isConstant { throw .badAttribute(node: node.name, reason: "\(role) ('\(t.name)') must be a constant") }
            if t.elementCount != 1 { throw .shapeMismatch(node: node.name, reason: "\(role) '\(t.name)' has shape \(t.shape); it must hold one value") }
        }
        try setInferredOutput(ofNode: index, 0, shape: x.shape, dtype: x.dtype)
    }
}

extension Interpreter {
    /// Appends the steps of `node` if it runs on plain integers; returns false otherwise.
    /// Out-of-line parameters go to `tables`, which the interpreter frees.
    static func compileInteger(_ g: Graph, node: Node, batch: Int, raw: (TensorID) -> UnsafeMutableRawPointer, into steps: inout [Step], tables: inout [UnsafeMutableRawPointer]) throws(GraphError) -> Bool {
        let ins = node.inputs.map { g.tensors[$0] }
        guard Graph.runsAsInteger(node.op, ins) else { return false }
        let type = ins[0].dtype
        let out = node.outputs[0]
        func input(_ i: Int) -> UnsafeRawPointer { UnsafeRawPointer(raw(node.inputs[i])) }
        switch node.op {
        case .add, .sub, .mul, .div:
            guard let op = node.op.binaryOperator, let p = binaryParameters(op: op, activation: .linear, a: ins[0], b: ins[1], out: g.tensors[out].shape, batch: batch) else {
                throw .badAttribute(node: node.name, reason: "elementwise ops support at most 4 dimensions besides the batch")
            }
            steps.append(.integer(.binary(p, input(0), input(1), raw(out)), type))
        case .clamp:
            steps.append(.integer(.clamp(count: batch * g.tensors[out].elementCount, input(0), min: input(1), max: input(2), raw(out)), type))
        case .maxPool1D(let a):
            let x = ins[0].shape
            let pad = a.padding.amounts(length: x[0], kernel: a.poolSize, stride: a.stride, dilation: 1)
            let p = Pool1DParameters(batch: batch, inLength: x[0], channels: x[1], outLength: g.tensors[out].shape[0], poolSize: a.poolSize, stride: a.stride, padLeft: pad.left)
            steps.append(.integer(.maxPool1D(p, input(0), raw(out)), type))
        case .maxPoolND(let a, _):
            let x = ins[0].shape, y = g.tensors[out].shape
            let geometry = WindowNDGeometry(a.window, inSize: Array(x.dropLast()), outSize: Array(y.dropLast()), batch: batch)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<PoolNDParameters>.stride, alignment: MemoryLayout<PoolNDParameters>.alignment)
            tables.append(buffer)
            let p = buffer.initializeMemory(as: PoolNDParameters.self, repeating: PoolNDParameters(geometry: geometry, channels: x[x.count - 1], isMax: true, countIncludePad: false), count: 1)
            steps.append(.integer(.maxPoolND(UnsafePointer(p), input(0), raw(out)), type))
        case .reshape:
            steps.append(.copy(bytes: batch * g.tensors[out].byteCount, from: input(0), to: raw(out)))
        default:
            return false
        }
        return true
    }
}
