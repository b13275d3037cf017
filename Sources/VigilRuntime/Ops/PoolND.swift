/// MaxPoolND and AveragePoolND: pooling over one to three spatial axes of a
/// channels-last sample, in float (a max pool may also output the ONNX positions of
/// its maxima) and, for max, plain integers.

// MARK: - Attributes

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
    mutating func inferPoolND(_ c: NodeContext, _ p: PoolNDAttributes) throws(GraphError) {
        let name = c.name
        try c.expectInputs(1...1); try c.requireFloat()
        // A max pool may also output the positions of its maxima.
        if case .maxPoolND = c.node.op, c.node.outputs.count == 2 {} else { try c.expectOutputs(1) }
        let x = try c.activation(0)
        let shape = try Graph.windowNDOutputSpatialShape(p.window, ceilMode: p.ceilMode, input: x, node: name) + [x.shape.last!]
        // As for the 1-D pools (and in ONNX Runtime): a pad as wide as the window
        // could leave a window of padding alone, with no maximum or average.
        for axis in 0..<p.window.rank {
            let field = (p.window.kernel[axis] - 1) * p.window.dilations[axis] + 1
            if p.window.padBegin[axis] >= field || p.window.padEnd[axis] >= field {
                throw .badAttribute(node: name, reason: "padding \(p.window.padBegin)/\(p.window.padEnd) must be smaller than the window \(p.window.kernel) on every axis")
            }
        }
        try setOutput(c, shape)
        if c.node.outputs.count == 2 { try setOutput(c, shape, dtype: .int64, at: 1) }
    }

    func checkIntegerMaxPoolND(_ c: NodeContext) throws(GraphError) {
        if c.node.outputs.count != 1 {
            throw .badAttribute(node: c.name, reason: "an integer \(c.node.op.name) outputs no indices of its maxima")
        }
    }
}

// MARK: - Kernel parameters

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

// MARK: - Cost

extension MemoryPlanner {
    /// Every output element visits every kernel position (the kernels loop over them
    /// all, padding and dilation holes included): what a pool with huge windows costs.
    static func poolNDVisits(_ node: Node, _ p: PoolNDAttributes, in graph: Graph) -> Int {
        times(product(graph.tensors[node.outputs[0]].shape), product(p.window.kernel))
    }
}

// MARK: - Compilation

extension Interpreter {
    static func compilePoolND(_ b: inout StepBuilder, _ a: PoolNDAttributes, isMax: Bool, countIncludePad: Bool, columnMajorIndices: Bool) {
        let node = b.node
        let x = b.shape(node.inputs[0]), y = b.shape(b.out)
        let geometry = WindowNDGeometry(a.window, inSize: Array(x.dropLast()), outSize: Array(y.dropLast()), batch: b.batch)
        if b.isInteger {
            let p = b.outOfLine(PoolNDParameters(geometry: geometry, channels: x[x.count - 1], isMax: true, countIncludePad: false))
            b.append(.integer(.maxPoolND(p, UnsafeRawPointer(b.raw(node.inputs[0])), b.raw(b.out)), b.ins[0].dtype))
            return
        }
        let p = b.outOfLine(PoolNDParameters(geometry: geometry, channels: x.last!, isMax: isMax, countIncludePad: countIncludePad, columnMajorIndices: columnMajorIndices))
        let indices = node.outputs.count == 2 ? b.raw(node.outputs[1]).assumingMemoryBound(to: Int64.self) : nil
        b.append(.poolND(p, b.cf(node.inputs[0]), b.f(b.out), indices))
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
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

extension IntegerKernels {
    /// `ReferenceKernels.poolND`'s max over one to three spatial axes.
    public static func maxPoolND<T: FixedWidthInteger>(_ p: PoolNDParameters, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        let g = p.geometry
        let (n0, n1, n2) = g.inSize, (m0, m1, m2) = g.outSize, (k0, k1, k2) = g.kernel
        let (s0, s1, s2) = g.stride, (d0, d1, d2) = g.dilation, (b0, b1, b2) = g.padBegin
        let channels = p.channels
        var y = output
        for b in 0..<g.batch {
            let x = input + b * g.inPositions * channels
            for t0 in 0..<m0 { for t1 in 0..<m1 { for t2 in 0..<m2 {
                for c in 0..<channels {
                    var m = T.min
                    for j0 in 0..<k0 {
                        let i0 = t0 * s0 + j0 * d0 - b0
                        if i0 < 0 || i0 >= n0 { continue }
                        for j1 in 0..<k1 {
                            let i1 = t1 * s1 + j1 * d1 - b1
                            if i1 < 0 || i1 >= n1 { continue }
                            for j2 in 0..<k2 {
                                let i2 = t2 * s2 + j2 * d2 - b2
                                if i2 < 0 || i2 >= n2 { continue }
                                m = Swift.max(m, x[((i0 * n1 + i1) * n2 + i2) * channels + c])
                            }
                        }
                    }
                    y[c] = m
                }
                y += channels
            } } }
        }
    }
}
