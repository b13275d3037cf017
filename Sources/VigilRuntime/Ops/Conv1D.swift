/// Conv1D: a 1-D convolution, grouped or depthwise, float and int8 (TFLite
/// CONV_2D / DEPTHWISE_CONV_2D on one spatial axis), with a max pool fused into the
/// int8 kernel where one alone consumes it.

// MARK: - Attributes

public struct Conv1DAttributes: Sendable, Equatable {
    public var kernelSize: Int
    public var stride: Int
    public var dilation: Int
    public var padding: Padding
    /// Input and output channels split into this many groups; groups == input
    /// channels is a depthwise convolution.
    public var groups: Int
    public var activation: Activation

    public init(kernelSize: Int, stride: Int = 1, dilation: Int = 1, padding: Padding = .valid, groups: Int = 1, activation: Activation = .linear) {
        self.kernelSize = kernelSize
        self.stride = stride
        self.dilation = dilation
        self.padding = padding
        self.groups = groups
        self.activation = activation
    }
}

extension Conv1DAttributes {
    /// Every integer attribute, for validation's bounds check.
    var integers: [Int] { [kernelSize, stride, dilation, groups] + padding.integers }
}

// MARK: - Shape inference

extension Graph {
    mutating func inferConv1D(_ c: NodeContext, _ a: Conv1DAttributes) throws(GraphError) {
        let name = c.name
        let ins = c.ins
        try c.expectInputs(2...3); try c.expectOutputs(1); try c.requireFloat()
        let x = try c.activation(0), w = try c.constant(1, role: "weight")
        try c.rank(x, 2, "input"); try c.rank(w, 3, "weight")
        if a.kernelSize < 1 || a.stride < 1 || a.dilation < 1 || a.groups < 1 {
            throw .badAttribute(node: name, reason: "kernel \(a.kernelSize), stride \(a.stride), dilation \(a.dilation), groups \(a.groups) must all be ≥ 1")
        }
        if case .explicit(let l, let r) = a.padding, l < 0 || r < 0 {
            throw .badAttribute(node: name, reason: "negative padding (\(l), \(r))")
        }
        // Padding bounded as `checkConvPadding` bounds convND's.
        if case .explicit(let l, let r) = a.padding, max(l, r) > max((a.kernelSize - 1) * a.dilation, Graph.maximumPadding) {
            throw .badAttribute(node: name, reason: "padding (\(l), \(r)) exceeds Graph.maximumPadding (\(Graph.maximumPadding)) and the kernel field − 1 (\((a.kernelSize - 1) * a.dilation))")
        }
        if a.stride > 1 && a.dilation > 1 {
            throw .badAttribute(node: name, reason: "stride and dilation both above 1 are not supported")
        }
        try c.checkActivation(a.activation)
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
            let b = try c.constant(2, role: "bias")
            if b.shape != [cout] { throw .shapeMismatch(node: name, reason: "bias shape \(b.shape) ≠ [\(cout)]") }
        }
        let out = a.padding.outputLength(length: length, kernel: k, stride: a.stride, dilation: a.dilation)
        if out < 1 { throw .shapeMismatch(node: name, reason: "kernel field \((k - 1) * a.dilation + 1) longer than padded input \(length)") }
        try setOutput(c, [out, cout])
    }

    mutating func checkInt8Conv1D(_ c: NodeContext, _ a: Conv1DAttributes) throws(GraphError) {
        let x = try int8Input(c, 0)
        let scales = try Graph.weightScales(c.ins[1], channelAxis: 2, node: c.name)
        if c.ins.count == 3 { try Graph.checkBias(c.ins[2], inputScale: x.scale, weightScales: scales, node: c.name) }
        try requireClamp(c, a.activation)
        _ = try int8Output(c)
    }
}

// MARK: - Kernel parameters

public struct Conv1DParameters: Sendable {
    public var batch: Int
    public var inLength: Int
    public var inChannels: Int
    public var outLength: Int
    public var outChannels: Int
    public var kernelSize: Int
    public var stride: Int
    public var dilation: Int
    public var padLeft: Int
    public var groups: Int
    public var activation: Activation

    public init(batch: Int, inLength: Int, inChannels: Int, outLength: Int, outChannels: Int, kernelSize: Int, stride: Int, dilation: Int, padLeft: Int, groups: Int, activation: Activation) {
        self.batch = batch; self.inLength = inLength; self.inChannels = inChannels
        self.outLength = outLength; self.outChannels = outChannels; self.kernelSize = kernelSize
        self.stride = stride; self.dilation = dilation; self.padLeft = padLeft
        self.groups = groups; self.activation = activation
    }

    public var isDepthwise: Bool { groups > 1 && groups == inChannels }
}

public struct Int8Conv1DParameters {
    /// Shapes, stride, dilation, padding and groups, as for float (its activation is unused).
    public var conv: Conv1DParameters
    /// −(input zero point): added to every input value (padding contributes nothing).
    public var inputOffset: Int32
    public var output: Int8Requantization
    /// Constant data the kernel set derived from the weights and bias once, at compile
    /// time (`KernelSet.int8Conv1DPrepare`: packed weights); nil when it wants none.
    public var prepared: UnsafeRawPointer?
    /// A max pool fused after the convolution: each output row is the maximum of `pool`
    /// consecutive requantized rows (windows of stride `pool`, a last partial window
    /// dropped, as a valid MaxPool1D does), so the output has conv.outLength / pool rows.
    /// 1: no pooling. Fusing saves requantizing and storing rows only to compare them.
    public var pool: Int

    public init(conv: Conv1DParameters, inputOffset: Int32, output: Int8Requantization, prepared: UnsafeRawPointer? = nil, pool: Int = 1) {
        self.conv = conv; self.inputOffset = inputOffset; self.output = output; self.prepared = prepared; self.pool = pool
    }
}

// MARK: - Cost

extension MemoryPlanner {
    static func conv1DMACs(_ node: Node, in graph: Graph) -> Int {
        // Each output element sums kernel × (input channels of its group) products.
        let out = graph.tensors[node.outputs[0]].shape, w = graph.tensors[node.inputs[1]].shape
        return product([out[0], out[1], w[0], w[1]])
    }
}

// MARK: - Compilation

extension Interpreter {
    static func conv1DParameters(_ g: Graph, _ node: Node, _ a: Conv1DAttributes, batch: Int) -> Conv1DParameters {
        let x = g.tensors[node.inputs[0]].shape, y = g.tensors[node.outputs[0]].shape
        let pad = a.padding.amounts(length: x[0], kernel: a.kernelSize, stride: a.stride, dilation: a.dilation)
        return Conv1DParameters(batch: batch, inLength: x[0], inChannels: x[1], outLength: y[0], outChannels: y[1],
                                kernelSize: a.kernelSize, stride: a.stride, dilation: a.dilation, padLeft: pad.left,
                                groups: a.groups, activation: a.activation)
    }

    static func conv1DScratchBytes(_ g: Graph, _ node: Node, _ a: Conv1DAttributes, batch: Int) -> Int {
        let p = conv1DParameters(g, node, a, batch: batch)
        return g.tensors[node.inputs[0]].dtype == .int8 ? Kernels.int8Conv1DScratchBytes(p) : Kernels.conv1DScratchBytes(p)
    }

    /// A float convolution is one step. An int8 one computes its requantization and,
    /// when the kernel set asks, prepared weights once; a MaxPool1D that only pools its
    /// output is fused into it (`Int8Conv1DParameters.pool`), and `fused` marks such
    /// pools, whose own step is then a copy of the pooled rows the convolution left in
    /// its output tensor. The copy keeps the memory plan as it is: the convolution still
    /// writes only its own output.
    static func compileConv1D(_ b: inout StepBuilder, _ a: Conv1DAttributes) throws(GraphError) {
        let node = b.node, ins = b.ins
        guard b.isInt8 else {
            b.append(.conv1D(conv1DParameters(b.graph, node, a, batch: b.batch), b.cf(node.inputs[0]), b.cf(node.inputs[1]), b.optionalInput(2), b.f(b.out), b.scratch))
            return
        }
        let x = b.params(ins[0]), y = b.params(b.graph.tensors[b.out])
        let scales = try Graph.weightScales(ins[1], channelAxis: 2, node: node.name)
        let (m, s) = Int8Quantization.channelMultipliers(inputScale: x.scale, weightScales: scales, outputScale: y.scale)
        let range = Int8Quantization.activationRange(a.activation, scale: y.scale, zeroPoint: y.zeroPoint)
        let requantization = Int8Requantization(multipliers: b.table(m), shifts: b.table(s), outputOffset: y.zeroPoint,
                                                activationMin: range.min, activationMax: range.max)
        var p = Int8Conv1DParameters(conv: conv1DParameters(b.graph, node, a, batch: b.batch), inputOffset: -x.zeroPoint, output: requantization)
        let preparedBytes = Kernels.int8Conv1DPreparedBytes(p.conv)
        if preparedBytes > 0 && ins[1].isConstant && (ins.count < 3 || ins[2].isConstant) {
            let buffer = b.buffer(bytes: preparedBytes)
            Kernels.int8Conv1DPrepare(p, weight: b.ci8(node.inputs[1]), bias: b.bias32(2), into: buffer)
            p.prepared = UnsafeRawPointer(buffer)
        }
        if let pool = fusibleMaxPool(b.graph, after: b.index) {
            p.pool = pool.size
            b.fused[pool.node] = true
        }
        b.append(.int8Conv1D(p, b.ci8(node.inputs[0]), b.ci8(node.inputs[1]), b.bias32(2), b.i8(b.out), b.scratch))
    }

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

// MARK: - Reference kernels

extension ReferenceKernels {
    /// out[b, t, o] = act(bias[o] + Σ_k Σ_c x[b, t·s + k·d − padLeft, g·cpg + c] · w[k, c, o]).
    public static func conv1D(_ p: Conv1DParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let cpg = p.inChannels / p.groups
        let opg = p.outChannels / p.groups
        for b in 0..<p.batch {
            let x = input + b * p.inLength * p.inChannels
            let y = output + b * p.outLength * p.outChannels
            for t in 0..<p.outLength {
                for o in 0..<p.outChannels {
                    let g = o / opg
                    var sum: Float = bias?[o] ?? 0
                    for k in 0..<p.kernelSize {
                        let pos = t * p.stride + k * p.dilation - p.padLeft
                        if pos < 0 || pos >= p.inLength { continue }
                        let row = x + pos * p.inChannels + g * cpg
                        let wk = weight + k * cpg * p.outChannels + o
                        for c in 0..<cpg { sum += row[c] * wk[c * p.outChannels] }
                    }
                    y[t * p.outChannels + o] = apply(p.activation, sum)
                }
            }
        }
    }
}

extension Int8ReferenceKernels {
    /// TFLite `ConvPerChannel` / `DepthwiseConvPerChannel` on a 1-D signal:
    /// acc = Σ w · (x + inputOffset) over in-bounds taps, + bias, requantized per
    /// output channel, clamped.
    public static func conv1D(_ p: Int8Conv1DParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>) {
        let c = p.conv
        let cpg = c.inChannels / c.groups
        let opg = c.outChannels / c.groups
        let pool = max(p.pool, 1)
        let rows = c.outLength / pool
        for b in 0..<c.batch {
            let x = input + b * c.inLength * c.inChannels
            let y = output + b * rows * c.outChannels
            for u in 0..<rows {
                for o in 0..<c.outChannels {
                    let g = o / opg
                    var best = Int8.min
                    for t in u * pool..<(u + 1) * pool {
                        var acc: Int32 = 0
                        for k in 0..<c.kernelSize {
                            let pos = t * c.stride + k * c.dilation - c.padLeft
                            if pos < 0 || pos >= c.inLength { continue }
                            let row = x + pos * c.inChannels + g * cpg
                            let wk = weight + k * cpg * c.outChannels + o
                            for i in 0..<cpg {
                                acc = acc &+ Int32(wk[i * c.outChannels]) &* (Int32(row[i]) &+ p.inputOffset)
                            }
                        }
                        if let bias { acc = acc &+ bias[o] }
                        best = max(best, p.output.apply(acc, channel: o))
                    }
                    y[u * c.outChannels + o] = best
                }
            }
        }
    }
}
