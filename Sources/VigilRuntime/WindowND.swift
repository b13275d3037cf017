/// Convolution and pooling windows over one to three spatial axes of a channels-last
/// sample [spatial…, C]: the 2-D and 3-D counterparts of `conv1D` and the 1-D pools,
/// run by portable reference kernels. The 1-D ops keep their own host kernels; these
/// ops cover what they cannot express (several spatial axes, stride with dilation,
/// dilated or ceil-mode pooling, padding counted in averages).
///
/// Padding is explicit per axis: every sample shape is fixed, so importers resolve
/// SAME-style padding to amounts once.
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
}

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
