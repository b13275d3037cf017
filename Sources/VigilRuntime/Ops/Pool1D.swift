/// MaxPool1D and AveragePool1D over the time axis of a [L, C] sample: float, int8
/// (keeping the input's parameters) and, for max, plain integers.

// MARK: - Attributes

public struct Pool1DAttributes: Sendable, Equatable {
    public var poolSize: Int
    public var stride: Int
    public var padding: Padding

    public init(poolSize: Int, stride: Int? = nil, padding: Padding = .valid) {
        self.poolSize = poolSize
        self.stride = stride ?? poolSize
        self.padding = padding
    }
}

extension Pool1DAttributes {
    /// Every integer attribute, for validation's bounds check.
    var integers: [Int] { [poolSize, stride] + padding.integers }
}

// MARK: - Shape inference

extension Graph {
    mutating func inferPool1D(_ c: NodeContext, _ p: Pool1DAttributes) throws(GraphError) {
        let name = c.name
        try c.expectInputs(1...1); try c.expectOutputs(1); try c.requireFloat()
        let x = try c.activation(0)
        try c.rank(x, 2, "input")
        if p.poolSize < 1 || p.stride < 1 { throw .badAttribute(node: name, reason: "pool size \(p.poolSize) and stride \(p.stride) must be ≥ 1") }
        let (l, r) = p.padding.amounts(length: x.shape[0], kernel: p.poolSize, stride: p.stride, dilation: 1)
        if l < 0 || r < 0 || l >= p.poolSize || r >= p.poolSize {
            throw .badAttribute(node: name, reason: "padding (\(l), \(r)) must be non-negative and smaller than the pool size \(p.poolSize)")
        }
        let out = p.padding.outputLength(length: x.shape[0], kernel: p.poolSize, stride: p.stride, dilation: 1)
        if out < 1 { throw .shapeMismatch(node: name, reason: "pool size \(p.poolSize) longer than input length \(x.shape[0])") }
        try setOutput(c, [out, x.shape[1]])
    }
}

// MARK: - Kernel parameters

public struct Pool1DParameters: Sendable {
    public var batch: Int
    public var inLength: Int
    public var channels: Int
    public var outLength: Int
    public var poolSize: Int
    public var stride: Int
    public var padLeft: Int

    public init(batch: Int, inLength: Int, channels: Int, outLength: Int, poolSize: Int, stride: Int, padLeft: Int) {
        self.batch = batch; self.inLength = inLength; self.channels = channels
        self.outLength = outLength; self.poolSize = poolSize; self.stride = stride; self.padLeft = padLeft
    }
}

// MARK: - Cost

extension MemoryPlanner {
    /// Every output element visits `poolSize` input positions (padding included).
    static func pool1DVisits(_ node: Node, _ p: Pool1DAttributes, in graph: Graph) -> Int {
        times(product(graph.tensors[node.outputs[0]].shape), p.poolSize)
    }
}

// MARK: - Compilation

extension Interpreter {
    static func pool1DParameters(_ b: StepBuilder, _ a: Pool1DAttributes) -> Pool1DParameters {
        let x = b.shape(b.node.inputs[0])
        let pad = a.padding.amounts(length: x[0], kernel: a.poolSize, stride: a.stride, dilation: 1)
        return Pool1DParameters(batch: b.batch, inLength: x[0], channels: x[1], outLength: b.shape(b.out)[0], poolSize: a.poolSize, stride: a.stride, padLeft: pad.left)
    }

    /// A max pool fused into the int8 convolution before it is a copy of the rows the
    /// convolution left pooled (Ops/Conv1D.swift).
    static func compileMaxPool1D(_ b: inout StepBuilder, _ a: Pool1DAttributes) {
        if b.isInteger {
            b.append(.integer(.maxPool1D(pool1DParameters(b, a), UnsafeRawPointer(b.raw(b.node.inputs[0])), b.raw(b.out)), b.ins[0].dtype))
        } else if b.isInt8 {
            if b.fused[b.index] {
                compileCopy(&b)
            } else {
                b.append(.int8MaxPool(pool1DParameters(b, a), b.ci8(b.node.inputs[0]), b.i8(b.out)))
            }
        } else {
            b.append(.maxPool(pool1DParameters(b, a), b.cf(b.node.inputs[0]), b.f(b.out)))
        }
    }

    static func compileAveragePool1D(_ b: inout StepBuilder, _ a: Pool1DAttributes) {
        if b.isInt8 {
            b.append(.int8AveragePool(pool1DParameters(b, a), b.ci8(b.node.inputs[0]), b.i8(b.out)))
        } else {
            b.append(.averagePool(pool1DParameters(b, a), b.cf(b.node.inputs[0]), b.f(b.out)))
        }
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    public static func maxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for b in 0..<p.batch {
            for t in 0..<p.outLength {
                for c in 0..<p.channels {
                    var m = -Float.infinity
                    for k in 0..<p.poolSize {
                        let pos = t * p.stride + k - p.padLeft
                        if pos < 0 || pos >= p.inLength { continue }
                        let v = input[(b * p.inLength + pos) * p.channels + c]
                        if v > m || v != v { m = v }
                    }
                    output[(b * p.outLength + t) * p.channels + c] = m
                }
            }
        }
    }

    /// Averages only the positions inside the input (padding is not counted), as
    /// Keras `same` pooling and ONNX `count_include_pad=0` do.
    public static func averagePool1D(_ p: Pool1DParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for b in 0..<p.batch {
            for t in 0..<p.outLength {
                for c in 0..<p.channels {
                    var sum: Float = 0
                    var n = 0
                    for k in 0..<p.poolSize {
                        let pos = t * p.stride + k - p.padLeft
                        if pos < 0 || pos >= p.inLength { continue }
                        sum += input[(b * p.inLength + pos) * p.channels + c]
                        n += 1
                    }
                    output[(b * p.outLength + t) * p.channels + c] = sum / Float(n)
                }
            }
        }
    }
}

extension Int8ReferenceKernels {
    /// TFLite int8 MaxPool: the largest in-bounds value (input and output share parameters).
    public static func maxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        for b in 0..<p.batch {
            for t in 0..<p.outLength {
                for c in 0..<p.channels {
                    var m: Int8 = .min
                    for k in 0..<p.poolSize {
                        let pos = t * p.stride + k - p.padLeft
                        if pos < 0 || pos >= p.inLength { continue }
                        let v = input[(b * p.inLength + pos) * p.channels + c]
                        if v > m { m = v }
                    }
                    output[(b * p.outLength + t) * p.channels + c] = m
                }
            }
        }
    }

    /// TFLite int8 AveragePool: the sum of in-bounds values divided by their count,
    /// rounded half away from zero in integers.
    public static func averagePool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        for b in 0..<p.batch {
            for t in 0..<p.outLength {
                for c in 0..<p.channels {
                    var acc: Int32 = 0
                    var n: Int32 = 0
                    for k in 0..<p.poolSize {
                        let pos = t * p.stride + k - p.padLeft
                        if pos < 0 || pos >= p.inLength { continue }
                        acc &+= Int32(input[(b * p.inLength + pos) * p.channels + c])
                        n += 1
                    }
                    if n == 0 { n = 1 }
                    acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n
                    output[(b * p.outLength + t) * p.channels + c] = Int8(clamping: acc)
                }
            }
        }
    }
}

extension IntegerKernels {
    /// Max over each window's positions inside the input (padding never wins).
    public static func maxPool1D<T: FixedWidthInteger>(_ p: Pool1DParameters, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        for b in 0..<p.batch {
            for t in 0..<p.outLength {
                for c in 0..<p.channels {
                    var m = T.min
                    for k in 0..<p.poolSize {
                        let pos = t * p.stride + k - p.padLeft
                        if pos < 0 || pos >= p.inLength { continue }
                        m = Swift.max(m, input[(b * p.inLength + pos) * p.channels + c])
                    }
                    output[(b * p.outLength + t) * p.channels + c] = m
                }
            }
        }
    }
}
