import VigilRuntime

/// Conv, MaxPool, AveragePool and the global pools. ONNX states them for any number of
/// spatial axes; Vigil runs one, so all spatial axes but one must be size 1 (which is
/// how tf2onnx writes a Keras Conv1D: a 2-D Conv over [N, C, 1, L]).
extension ONNXGraphConverter {
    /// The window settings along the one spatial axis that is run.
    struct Window {
        var axis: Int
        var kernel: Int
        var stride: Int
        var dilation: Int
        var padding: Padding
        var ceilMode: Bool
    }

    /// Reads kernel_shape/strides/dilations/pads/auto_pad for input `x` and picks the
    /// spatial axis to run.
    func window(_ node: ONNXNode, x: RuntimeValue, kernelShape: [Int]) throws -> Window {
        let spatial = x.rank - 2
        guard spatial >= 1 else { throw ImportError.shapeMismatch(node: node.name, reason: "input shape \(x.shape) has no spatial axis") }
        let a = node.attributes
        guard kernelShape.count == spatial else {
            throw ImportError.shapeMismatch(node: node.name, reason: "kernel_shape \(kernelShape) does not fit input \(x.shape)")
        }
        let strides = try a.ints("strides") ?? [Int](repeating: 1, count: spatial)
        let dilations = try a.ints("dilations") ?? [Int](repeating: 1, count: spatial)
        let pads = try a.ints("pads") ?? [Int](repeating: 0, count: 2 * spatial)
        guard strides.count == spatial, dilations.count == spatial, pads.count == 2 * spatial else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "strides \(strides), dilations \(dilations) or pads \(pads) do not fit \(spatial) spatial axes")
        }
        for v in kernelShape + strides + dilations where v < 1 {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "kernel, stride and dilation must be ≥ 1 (kernel \(kernelShape), strides \(strides), dilations \(dilations))")
        }
        for p in pads where p < 0 { throw ImportError.unsupportedAttribute(node: node.name, reason: "negative pads \(pads)") }
        let autoPad = try a.string("auto_pad", default: "NOTSET")
        let ceilMode = try a.int("ceil_mode", default: 0) != 0

        let active = (0..<spatial).filter { i in x.shape[2 + i] != 1 || kernelShape[i] != 1 || pads[i] != 0 || pads[spatial + i] != 0 }
        if active.count > 1 {
            let dims = (0..<spatial).map { x.shape[2 + $0] }
            throw ImportError.unsupportedAttribute(node: node.name, reason: "a \(active.count)-D window (input spatial size \(dims), kernel \(kernelShape)) is outside Vigil's 1-D scope")
        }
        let i = active.first ?? spatial - 1
        let padding: Padding
        switch autoPad {
        case "NOTSET":
            padding = pads[i] == 0 && pads[spatial + i] == 0 ? .valid : .explicit(left: pads[i], right: pads[spatial + i])
        case "VALID":
            padding = .valid
        case "SAME_UPPER":
            padding = .same
        case "SAME_LOWER":
            let (l, r) = Padding.same.amounts(length: x.shape[2 + i], kernel: kernelShape[i], stride: strides[i], dilation: dilations[i])
            padding = .explicit(left: r, right: l)
        default:
            throw ImportError.unsupportedAttribute(node: node.name, reason: "auto_pad '\(autoPad)'")
        }
        return Window(axis: 2 + i, kernel: kernelShape[i], stride: strides[i], dilation: dilations[i], padding: padding, ceilMode: ceilMode)
    }

    /// The output layout of a window op: [N, C, spatial…] stored as [N, L', C].
    func windowOutput(_ x: RuntimeValue, window: Window, length: Int, channels: Int, id: TensorID) -> RuntimeValue {
        var shape = x.shape
        shape[1] = channels
        shape[window.axis] = length
        return RuntimeValue(id: id, shape: shape, storedAxes: [0, window.axis, 1])
    }

    mutating func conv(_ node: ONNXNode) throws {
        let x = try runtimeInput(node, 0)
        guard let w = try constantInput(node, 1, role: "the weight") else { throw ImportError.malformedFile(path: path, reason: "Conv '\(node.name)' has no weight") }
        guard w.shape.count == x.rank, x.rank >= 3 else {
            throw ImportError.shapeMismatch(node: node.name, reason: "input \(x.shape) and weight \(w.shape) must both have rank ≥ 3, equal")
        }
        let kernelShape = try node.attributes.ints("kernel_shape") ?? Array(w.shape[2...])
        if kernelShape != Array(w.shape[2...]) {
            throw ImportError.shapeMismatch(node: node.name, reason: "kernel_shape \(kernelShape) differs from the weight's \(Array(w.shape[2...]))")
        }
        let win = try window(node, x: x, kernelShape: kernelShape)
        let groups = try node.attributes.int("group", default: 1)
        let (cout, cinPerGroup, cin) = (w.shape[0], w.shape[1], x.shape[1])
        guard groups >= 1, cinPerGroup * groups == cin, cout % groups == 0 else {
            throw ImportError.shapeMismatch(node: node.name, reason: "weight \(w.shape) with group \(groups) does not fit \(cin) input channels")
        }
        if win.stride > 1 && win.dilation > 1 {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "stride \(win.stride) together with dilation \(win.dilation)")
        }
        if win.ceilMode { throw ImportError.unsupportedAttribute(node: node.name, reason: "ceil_mode") }
        // [Cout, Cin/g, 1…, K, 1…] → [K, Cin/g, Cout].
        let k = win.kernel
        let flat = ConstantFolding.reshape(w, to: [cout, cinPerGroup, k]).transposed([2, 1, 0])
        let weightName = node.proto.input[1]
        let wid = try weight(weightName, shape: [k, cinPerGroup, cout], values: flat.floats, tensor: weightName)
        var inputs = [0, wid]
        if let b = try constantInput(node, 2, role: "the bias") {
            guard b.count == cout else { throw ImportError.shapeMismatch(node: node.name, reason: "bias shape \(b.shape) ≠ [\(cout)]") }
            inputs.append(try weight(node.proto.input[2], shape: [cout], values: b.floats, tensor: node.proto.input[2]))
        }
        let length = win.padding.outputLength(length: x.shape[win.axis], kernel: k, stride: win.stride, dilation: win.dilation)
        if length < 1 {
            throw ImportError.shapeMismatch(node: node.name, reason: "kernel field \((k - 1) * win.dilation + 1) is longer than the padded input \(x.shape[win.axis])")
        }
        inputs[0] = try conform(x, to: [0, win.axis, 1], node: node, need: "Conv reads channels last")
        let attributes = Conv1DAttributes(kernelSize: k, stride: win.stride, dilation: win.dilation, padding: win.padding, groups: groups)
        let id = emit(.conv1D(attributes), inputs, node: node, shape: [length, cout])
        try setOutput(node, 0, .runtime(windowOutput(x, window: win, length: length, channels: cout, id: id)))
    }

    mutating func pool(_ node: ONNXNode) throws {
        let isMax = node.type == "MaxPool"
        if isMax && isRead(node, output: 1) {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "MaxPool's Indices output is used")
        }
        let x = try runtimeInput(node, 0)
        guard let kernelShape = try node.attributes.ints("kernel_shape") else {
            throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' has no kernel_shape")
        }
        let win = try window(node, x: x, kernelShape: kernelShape)
        if win.dilation != 1 { throw ImportError.unsupportedAttribute(node: node.name, reason: "pooling with dilation \(win.dilation)") }
        let includePad = try node.attributes.int("count_include_pad", default: 0) != 0 && !isMax
        let length = x.shape[win.axis], k = win.kernel, s = win.stride
        var (left, right) = win.padding.amounts(length: length, kernel: k, stride: s, dilation: 1)
        var outLength = win.padding.outputLength(length: length, kernel: k, stride: s, dilation: 1)
        if win.ceilMode {
            // ceil((L + pads − k) / s) + 1, less one if the last window would start in
            // the right padding; the extra windows read past the end, which Vigil skips.
            let span = length + left + right - k
            var ceilLength = span < 0 ? 0 : (span + s - 1) / s + 1
            if ceilLength > 0 && (ceilLength - 1) * s >= length + left { ceilLength -= 1 }
            if ceilLength > outLength {
                if includePad {
                    throw ImportError.unsupportedAttribute(node: node.name, reason: "ceil_mode with count_include_pad")
                }
                right += (ceilLength - 1) * s + k - (length + left + right)
                outLength = ceilLength
            }
        }
        if outLength < 1 { throw ImportError.shapeMismatch(node: node.name, reason: "pool size \(k) is longer than the padded input \(length)") }
        var id = try conform(x, to: [0, win.axis, 1], node: node, need: "pooling reads channels last")
        let channels = x.shape[1]
        var padding: Padding = left == 0 && right == 0 ? .valid : .explicit(left: left, right: right)
        if includePad && (left > 0 || right > 0) {
            // Padding counted in the average: pad with zeros, then pool without padding.
            id = emit(.zeroPadding1D(left: left, right: right), [id], node: node, suffix: "/pad", shape: [length + left + right, channels])
            padding = .valid
        } else if left >= k || right >= k {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "padding (\(left), \(right)) not smaller than the pool size \(k)")
        }
        let attributes = Pool1DAttributes(poolSize: k, stride: s, padding: padding)
        let out = emit(isMax ? .maxPool1D(attributes) : .averagePool1D(attributes), [id], node: node, shape: [outLength, channels])
        try setOutput(node, 0, .runtime(windowOutput(x, window: win, length: outLength, channels: channels, id: out)))
    }

    mutating func globalPool(_ node: ONNXNode) throws {
        let x = try runtimeInput(node, 0)
        guard x.rank >= 3 else { throw ImportError.shapeMismatch(node: node.name, reason: "input shape \(x.shape) has no spatial axis") }
        let active = (2..<x.rank).filter { x.shape[$0] != 1 }
        if active.count > 1 {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "pooling over \(active.count) spatial axes is outside Vigil's 1-D scope")
        }
        let t = active.first ?? x.rank - 1
        let id = try conform(x, to: [0, t, 1], node: node, need: "pooling reads channels last")
        let out = emit(node.type == "GlobalMaxPool" ? .globalMaxPool1D : .globalAveragePool1D, [id], node: node, shape: [x.shape[1]])
        var shape = x.shape
        for a in 2..<x.rank { shape[a] = 1 }
        try setOutput(node, 0, .runtime(RuntimeValue(id: out, shape: shape, storedAxes: [0, 1])))
    }
}
