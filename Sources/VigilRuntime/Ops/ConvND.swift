/// ConvND: convolution over one to three spatial axes of a channels-last sample (the
/// window machinery is shared with the N-d pools: WindowND.swift).

// MARK: - Attributes

public struct ConvNDAttributes: Sendable, Equatable {
    public var window: WindowND
    /// Input and output channels split into this many groups, as in `Conv1DAttributes`.
    public var groups: Int
    public var activation: Activation

    public init(window: WindowND, groups: Int = 1, activation: Activation = .linear) {
        self.window = window
        self.groups = groups
        self.activation = activation
    }
}

// MARK: - Shape inference

extension Graph {
    mutating func inferConvND(_ c: NodeContext, _ a: ConvNDAttributes) throws(GraphError) {
        let name = c.name
        let ins = c.ins
        try c.expectInputs(2...3); try c.expectOutputs(1); try c.requireFloat(); try c.checkActivation(a.activation)
        let x = try c.activation(0), w = try c.constant(1, role: "weight")
        let b = ins.count == 3 ? try c.constant(2, role: "bias") : nil
        try setOutput(c, try Graph.convNDOutputShape(a, input: x, weight: w, bias: b, node: name))
    }

    /// Checks an N-d convolution's weight [K…, Cin/groups, Cout] and optional bias [Cout]
    /// against input `x` and returns the output shape [S'…, Cout].
    static func convNDOutputShape(_ a: ConvNDAttributes, input x: TensorDescriptor, weight w: TensorDescriptor, bias: TensorDescriptor?, node: String) throws(GraphError) -> [Int] {
        let spatial = try windowNDOutputSpatialShape(a.window, ceilMode: false, input: x, node: node)
        let n = a.window.rank
        try checkConvPadding(a.window, node: node)
        if a.groups < 1 { throw .badAttribute(node: node, reason: "groups \(a.groups) must be ≥ 1") }
        if w.shape.count != n + 2 {
            throw .shapeMismatch(node: node, reason: "weight '\(w.name)' has shape \(w.shape); expected [\(n) kernel axes, input channels / groups, output channels]")
        }
        if Array(w.shape[0..<n]) != a.window.kernel {
            throw .shapeMismatch(node: node, reason: "weight kernel \(Array(w.shape[0..<n])) ≠ attribute \(a.window.kernel)")
        }
        let cin = x.shape[n], cinPerGroup = w.shape[n], cout = w.shape[n + 1]
        if cin % a.groups != 0 || cout % a.groups != 0 {
            throw .badAttribute(node: node, reason: "groups \(a.groups) must divide input channels \(cin) and output channels \(cout)")
        }
        if cinPerGroup * a.groups != cin {
            throw .shapeMismatch(node: node, reason: "weight expects \(cinPerGroup * a.groups) input channels, input has \(cin)")
        }
        if let bias, bias.shape != [cout] {
            throw .shapeMismatch(node: node, reason: "bias shape \(bias.shape) ≠ [\(cout)]")
        }
        return spatial + [cout]
    }

    /// Padding within what the kernel field needs (field − 1) or `Graph.maximumPadding`,
    /// whichever is larger, on every side: a file's padding cannot inflate the output
    /// (a padding of 10^6 around a 3-tap kernel made 2·10^6 outputs of bias alone).
    static func checkConvPadding(_ w: WindowND, node: String) throws(GraphError) {
        for axis in 0..<w.rank {
            let field = (w.kernel[axis] - 1) * w.dilations[axis] + 1
            let allowed = max(field - 1, Graph.maximumPadding)
            if w.padBegin[axis] > allowed || w.padEnd[axis] > allowed {
                throw .badAttribute(node: node, reason: "padding \(w.padBegin)/\(w.padEnd) exceeds Graph.maximumPadding (\(Graph.maximumPadding)) and the kernel field − 1 on axis \(axis) (kernel \(w.kernel), dilations \(w.dilations))")
            }
        }
    }
}

// MARK: - Kernel parameters

public struct ConvNDParameters: Sendable {
    public var geometry: WindowNDGeometry
    public var inChannels: Int
    public var outChannels: Int
    public var groups: Int
    public var activation: Activation

    public init(geometry: WindowNDGeometry, inChannels: Int, outChannels: Int, groups: Int, activation: Activation) {
        self.geometry = geometry; self.inChannels = inChannels; self.outChannels = outChannels
        self.groups = groups; self.activation = activation
    }
}

// MARK: - Cost

extension MemoryPlanner {
    static func convNDMACs(_ node: Node, in graph: Graph) -> Int {
        // Output positions × channels, each summing kernel positions × group inputs.
        let out = graph.tensors[node.outputs[0]].shape, w = graph.tensors[node.inputs[1]].shape
        return times(product(out), product(w.dropLast()))
    }
}

// MARK: - Compilation

extension Interpreter {
    static func compileConvND(_ b: inout StepBuilder, _ a: ConvNDAttributes) {
        let node = b.node
        let x = b.shape(node.inputs[0]), y = b.shape(b.out)
        let geometry = WindowNDGeometry(a.window, inSize: Array(x.dropLast()), outSize: Array(y.dropLast()), batch: b.batch)
        let p = b.outOfLine(ConvNDParameters(geometry: geometry, inChannels: x.last!, outChannels: y.last!, groups: a.groups, activation: a.activation))
        b.append(.convND(p, b.cf(node.inputs[0]), b.cf(node.inputs[1]), b.optionalInput(2), b.f(b.out)))
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    /// out[b, t, o] = act(bias[o] + Σ_k Σ_c x[b, t·s + k·d − padBegin, g·cpg + c] · w[k, c, o])
    /// with t and k running over three axes; positions outside the input add nothing.
    public static func convND(_ p: ConvNDParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let g = p.geometry
        let (n0, n1, n2) = g.inSize, (m0, m1, m2) = g.outSize, (k0, k1, k2) = g.kernel
        let (s0, s1, s2) = g.stride, (d0, d1, d2) = g.dilation, (b0, b1, b2) = g.padBegin
        let cin = p.inChannels, cout = p.outChannels
        let cpg = cin / p.groups, opg = cout / p.groups
        var y = output
        for b in 0..<g.batch {
            let x = input + b * g.inPositions * cin
            for t0 in 0..<m0 { for t1 in 0..<m1 { for t2 in 0..<m2 {
                for o in 0..<cout {
                    let group = o / opg
                    var sum: Float = bias?[o] ?? 0
                    for j0 in 0..<k0 {
                        let i0 = t0 * s0 + j0 * d0 - b0
                        if i0 < 0 || i0 >= n0 { continue }
                        for j1 in 0..<k1 {
                            let i1 = t1 * s1 + j1 * d1 - b1
                            if i1 < 0 || i1 >= n1 { continue }
                            for j2 in 0..<k2 {
                                let i2 = t2 * s2 + j2 * d2 - b2
                                if i2 < 0 || i2 >= n2 { continue }
                                let row = x + ((i0 * n1 + i1) * n2 + i2) * cin + group * cpg
                                let wk = weight + ((j0 * k1 + j1) * k2 + j2) * cpg * cout + o
                                for c in 0..<cpg { sum += row[c] * wk[c * cout] }
                            }
                        }
                    }
                    y[o] = apply(p.activation, sum)
                }
                y += cout
            } } }
        }
    }
}
