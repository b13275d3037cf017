/// Convolution and pooling windows over one to three spatial axes of a channels-last
/// sample [spatial…, C]: the 2-D and 3-D counterparts of `conv1D` and the 1-D pools,
/// run by portable reference kernels. The 1-D ops keep their own host kernels; these
/// ops cover what they cannot express (several spatial axes, stride with dilation,
/// dilated or ceil-mode pooling, padding counted in averages).
///
/// Padding is explicit per axis: every sample shape is fixed, so importers resolve
/// SAME-style padding to amounts once.
public struct WindowND: Sendable, Equatable {
    public var kernel: [Int]
    public var strides: [Int]
    public var dilations: [Int]
    public var padBegin: [Int]
    public var padEnd: [Int]

    /// Kernels take fixed three-axis parameters so that a planned step holds no arrays.
    public static let maximumRank = 3

    public init(kernel: [Int], strides: [Int]? = nil, dilations: [Int]? = nil, padBegin: [Int]? = nil, padEnd: [Int]? = nil) {
        let ones = [Int](repeating: 1, count: kernel.count), zeros = [Int](repeating: 0, count: kernel.count)
        self.kernel = kernel
        self.strides = strides ?? ones
        self.dilations = dilations ?? ones
        self.padBegin = padBegin ?? zeros
        self.padEnd = padEnd ?? zeros
    }

    public var rank: Int { kernel.count }

    var integers: [Int] { kernel + strides + dilations + padBegin + padEnd }

    /// Output size along `axis` for an input of `length`, or a non-positive number when
    /// the window does not fit. In ceil mode a last partial window is kept if it starts
    /// inside the input or its leading padding (ONNX `ceil_mode`, PyTorch's rule).
    public func outputSize(axis: Int, length: Int, ceilMode: Bool) -> Int {
        let field = (kernel[axis] - 1) * dilations[axis] + 1
        let span = length + padBegin[axis] + padEnd[axis] - field
        if span < 0 { return 0 }
        let s = strides[axis]
        if !ceilMode { return span / s + 1 }
        var out = (span + s - 1) / s + 1
        if (out - 1) * s >= length + padBegin[axis] { out -= 1 }
        return out
    }
}

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

public struct PoolNDAttributes: Sendable, Equatable {
    public var window: WindowND
    /// Round output sizes up; windows reaching past the padded input read only what
    /// lies inside the input.
    public var ceilMode: Bool

    public init(window: WindowND, ceilMode: Bool = false) {
        self.window = window
        self.ceilMode = ceilMode
    }
}

// MARK: - Shape inference

extension Graph {
    /// The output shape of an N-d window op on input [spatial…, C], before the channel
    /// count (the caller appends it).
    static func windowNDOutputSpatialShape(_ w: WindowND, ceilMode: Bool, input: TensorDescriptor, node: String) throws(GraphError) -> [Int] {
        let n = w.rank
        if n < 1 || n > WindowND.maximumRank {
            throw .badAttribute(node: node, reason: "a window covers 1 to \(WindowND.maximumRank) spatial axes, not \(n)")
        }
        if w.strides.count != n || w.dilations.count != n || w.padBegin.count != n || w.padEnd.count != n {
            throw .badAttribute(node: node, reason: "kernel \(w.kernel), strides \(w.strides), dilations \(w.dilations) and pads \(w.padBegin)/\(w.padEnd) differ in length")
        }
        for v in w.kernel + w.strides + w.dilations where v < 1 {
            throw .badAttribute(node: node, reason: "kernel \(w.kernel), strides \(w.strides) and dilations \(w.dilations) must all be ≥ 1")
        }
        for v in w.padBegin + w.padEnd where v < 0 {
            throw .badAttribute(node: node, reason: "negative padding \(w.padBegin)/\(w.padEnd)")
        }
        if input.shape.count != n + 1 {
            throw .shapeMismatch(node: node, reason: "input '\(input.name)' has shape \(input.shape); a \(n)-D window needs [\(n) spatial axes, channels]")
        }
        var out: [Int] = []
        for axis in 0..<n {
            let size = w.outputSize(axis: axis, length: input.shape[axis], ceilMode: ceilMode)
            if size < 1 {
                throw .shapeMismatch(node: node, reason: "window field \((w.kernel[axis] - 1) * w.dilations[axis] + 1) of axis \(axis) is longer than the padded input \(input.shape[axis] + w.padBegin[axis] + w.padEnd[axis])")
            }
            out.append(size)
        }
        return out
    }

    /// Checks an N-d convolution's weight [K…, Cin/groups, Cout] and optional bias [Cout]
    /// against input `x` and returns the output shape [S'…, Cout].
    static func convNDOutputShape(_ a: ConvNDAttributes, input x: TensorDescriptor, weight w: TensorDescriptor, bias: TensorDescriptor?, node: String) throws(GraphError) -> [Int] {
        let spatial = try windowNDOutputSpatialShape(a.window, ceilMode: false, input: x, node: node)
        let n = a.window.rank
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
}

// MARK: - Kernel parameters

/// Window geometry for the kernels, with unused leading axes of size 1 (unit kernel,
/// stride and dilation, no padding), which leave the memory order unchanged.
public struct WindowNDGeometry: Sendable {
    public var batch: Int
    public var inSize: (Int, Int, Int)
    public var outSize: (Int, Int, Int)
    public var kernel: (Int, Int, Int)
    public var stride: (Int, Int, Int)
    public var dilation: (Int, Int, Int)
    public var padBegin: (Int, Int, Int)
    public var padEnd: (Int, Int, Int)

    public init(_ w: WindowND, inSize: [Int], outSize: [Int], batch: Int) {
        func axes(_ v: [Int], fill: Int) -> (Int, Int, Int) {
            let p = [Int](repeating: fill, count: WindowND.maximumRank - v.count) + v
            return (p[0], p[1], p[2])
        }
        self.batch = batch
        self.inSize = axes(inSize, fill: 1)
        self.outSize = axes(outSize, fill: 1)
        self.kernel = axes(w.kernel, fill: 1)
        self.stride = axes(w.strides, fill: 1)
        self.dilation = axes(w.dilations, fill: 1)
        self.padBegin = axes(w.padBegin, fill: 0)
        self.padEnd = axes(w.padEnd, fill: 0)
    }

    var inPositions: Int { inSize.0 * inSize.1 * inSize.2 }
}

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

public struct PoolNDParameters: Sendable {
    public var geometry: WindowNDGeometry
    public var channels: Int
    public var isMax: Bool
    /// Average pooling divides by the window positions inside the padded input (ONNX
    /// `count_include_pad`) instead of those inside the input.
    public var countIncludePad: Bool
    /// Max pooling's indices count spatial positions column-major (ONNX `storage_order` 1).
    public var columnMajorIndices: Bool

    public init(geometry: WindowNDGeometry, channels: Int, isMax: Bool, countIncludePad: Bool, columnMajorIndices: Bool = false) {
        self.geometry = geometry; self.channels = channels; self.isMax = isMax; self.countIncludePad = countIncludePad
        self.columnMajorIndices = columnMajorIndices
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

    /// Max or average over each window's positions inside the input. NaN wins a max, as
    /// in `maxPool1D`, and so does the first of equal maxima; `indices`, when given,
    /// receives each maximum's position in the batch flattened channels first, as ONNX
    /// numbers it. An average divides by the positions inside the input, or with
    /// `countIncludePad` by those inside the padded input (never the ceil-mode overhang).
    public static func poolND(_ p: PoolNDParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int64>?) {
        let g = p.geometry
        let (n0, n1, n2) = g.inSize, (m0, m1, m2) = g.outSize, (k0, k1, k2) = g.kernel
        let (s0, s1, s2) = g.stride, (d0, d1, d2) = g.dilation, (b0, b1, b2) = g.padBegin, (e0, e1, e2) = g.padEnd
        let channels = p.channels
        var y = output
        var index = indices
        for b in 0..<g.batch {
            let x = input + b * g.inPositions * channels
            for t0 in 0..<m0 { for t1 in 0..<m1 { for t2 in 0..<m2 {
                for c in 0..<channels {
                    var acc: Float = p.isMax ? -Float.infinity : 0
                    var inside = 0, padded = 0
                    var position = 0
                    for j0 in 0..<k0 {
                        let i0 = t0 * s0 + j0 * d0 - b0
                        if i0 >= n0 + e0 { continue }
                        for j1 in 0..<k1 {
                            let i1 = t1 * s1 + j1 * d1 - b1
                            if i1 >= n1 + e1 { continue }
                            for j2 in 0..<k2 {
                                let i2 = t2 * s2 + j2 * d2 - b2
                                if i2 >= n2 + e2 { continue }
                                padded += 1
                                if i0 < 0 || i0 >= n0 || i1 < 0 || i1 >= n1 || i2 < 0 || i2 >= n2 { continue }
                                let v = x[((i0 * n1 + i1) * n2 + i2) * channels + c]
                                inside += 1
                                if p.isMax {
                                    if v > acc || (v != v && acc == acc) {
                                        acc = v
                                        position = p.columnMajorIndices ? i0 + n0 * (i1 + n1 * i2) : (i0 * n1 + i1) * n2 + i2
                                    }
                                } else {
                                    acc += v
                                }
                            }
                        }
                    }
                    y[c] = p.isMax ? acc : acc / Float(p.countIncludePad ? padded : inside)
                    index?[c] = Int64((b * channels + c) * g.inPositions + position)
                }
                y += channels
                index = index.map { $0 + channels }
            } } }
        }
    }
}
