import VigilRuntime

/// Conv, MaxPool, AveragePool and the global pools over any number of spatial axes.
/// Spatial axes of size 1 that the window leaves alone (kernel 1, no padding) are
/// dropped, which is how tf2onnx's 2-D Conv over [N, C, 1, L] for a Keras Conv1D
/// becomes a 1-D op. A window over one axis runs as Vigil's 1-D ops, which have host
/// kernels, whenever they can express it; anything else (several axes, stride with
/// dilation, dilated or ceil-mode pooling that counts padding, MaxPool's Indices)
/// runs as the N-d ops over up to `WindowND.maximumRank` axes.
///
/// In a batch-free import the ONNX N axis is per-sample data, so it becomes one more
/// window axis, leading, with a window of 1 (stride 1, no padding) that keeps the items
/// apart; like any unit axis the window leaves alone it is dropped when N is 1.
extension ONNXGraphConverter {
    /// kernel_shape/strides/dilations/pads/auto_pad/ceil_mode for every window axis,
    /// with auto_pad resolved into explicit amounts.
    struct WindowAttributes {
        /// The ONNX axis each window axis runs along: the spatial axes, after the N axis
        /// in a batch-free import.
        var axes: [Int]
        var kernel: [Int]
        var strides: [Int]
        var dilations: [Int]
        var padBegin: [Int]
        var padEnd: [Int]
        var autoPad: String
        var ceilMode: Bool
        /// Window axes (indices into `axes`) that the window changes.
        var active: [Int]

        /// The window over the active axes.
        var activeWindow: WindowND {
            WindowND(kernel: active.map { kernel[$0] }, strides: active.map { strides[$0] }, dilations: active.map { dilations[$0] },
                     padBegin: active.map { padBegin[$0] }, padEnd: active.map { padEnd[$0] })
        }

        /// The 1-D padding of window axis `i`; Keras/TF `same` is ONNX's SAME_UPPER.
        func padding1D(_ i: Int) -> Padding {
            if autoPad == "SAME_UPPER" { return .same }
            return padBegin[i] == 0 && padEnd[i] == 0 ? .valid : .explicit(left: padBegin[i], right: padEnd[i])
        }
    }

    func windowAttributes(_ node: ONNXNode, x: RuntimeValue, kernelShape: [Int]) throws -> WindowAttributes {
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
        var begin = Array(pads[..<spatial]), end = Array(pads[spatial...])
        switch autoPad {
        case "NOTSET":
            break
        case "VALID":
            begin = [Int](repeating: 0, count: spatial)
            end = begin
        case "SAME_UPPER", "SAME_LOWER":
            // Output ceil(L / stride); the odd padding element goes after (UPPER) or before.
            for i in 0..<spatial {
                let (small, large) = Padding.same.amounts(length: x.shape[2 + i], kernel: kernelShape[i], stride: strides[i], dilation: dilations[i])
                (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, large) : (large, small)
            }
        default:
            throw ImportError.unsupportedAttribute(node: node.name, reason: "auto_pad '\(autoPad)'")
        }
        var w = WindowAttributes(axes: Array(2..<x.rank), kernel: kernelShape, strides: strides, dilations: dilations, padBegin: begin, padEnd: end,
                                 autoPad: autoPad, ceilMode: try a.int("ceil_mode", default: 0) != 0, active: [])
        if x.isBatchFree {
            w.axes.insert(0, at: 0)
            (w.kernel, w.strides, w.dilations) = ([1] + w.kernel, [1] + w.strides, [1] + w.dilations)
            (w.padBegin, w.padEnd) = ([0] + w.padBegin, [0] + w.padEnd)
        }
        w.active = w.axes.indices.filter { i in x.shape[w.axes[i]] != 1 || w.kernel[i] != 1 || w.padBegin[i] != 0 || w.padEnd[i] != 0 }
        return w
    }

    /// The ONNX axes a window op stores channels last: batch (-1 for a batch-free import's
    /// unit batch), active window axes, channels.
    func channelsLastAxes(_ w: WindowAttributes, x: RuntimeValue) -> [Int] {
        [x.isBatchFree ? -1 : 0] + (w.active.isEmpty ? [x.rank - 1] : w.active.map { w.axes[$0] }) + [1]
    }

    /// Refuses windows over more axes than the N-d ops run.
    func checkRank(_ w: WindowAttributes, node: ONNXNode, x: RuntimeValue) throws {
        if w.active.count > WindowND.maximumRank {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "a \(w.active.count)-D window (input size \(w.axes.map { x.shape[$0] }), kernel \(w.kernel)) is outside Vigil's 1-D to \(WindowND.maximumRank)-D scope")
        }
    }

    /// The output value of a window op: ONNX shape [N, C, spatial…] stored with the
    /// axes `stored` names, the active window axes resized to `sizes`.
    func windowOutput(_ x: RuntimeValue, stored: [Int], sizes: [Int], channels: Int, id: TensorID) -> RuntimeValue {
        var shape = x.shape
        shape[1] = channels
        for (axis, size) in zip(stored.dropFirst().dropLast(), sizes) { shape[axis] = size }
        return RuntimeValue(id: id, shape: shape, storedAxes: stored)
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
        let win = try windowAttributes(node, x: x, kernelShape: kernelShape)
        try checkRank(win, node: node, x: x)
        let groups = try node.attributes.int("group", default: 1)
        let (cout, cinPerGroup, cin) = (w.shape[0], w.shape[1], x.shape[1])
        guard groups >= 1, cinPerGroup * groups == cin, cout % groups == 0 else {
            throw ImportError.shapeMismatch(node: node.name, reason: "weight \(w.shape) with group \(groups) does not fit \(cin) input channels")
        }
        if win.ceilMode { throw ImportError.unsupportedAttribute(node: node.name, reason: "ceil_mode") }
        let window = win.activeWindow
        let n = window.rank
        var sizes: [Int] = []
        for axis in 0..<n {
            let length = x.shape[win.axes[win.active[axis]]]
            let size = window.outputSize(axis: axis, length: length, ceilMode: false)
            if size < 1 {
                throw ImportError.shapeMismatch(node: node.name, reason: "kernel field \((window.kernel[axis] - 1) * window.dilations[axis] + 1) is longer than the padded input \(length)")
            }
            sizes.append(size)
        }
        // [Cout, Cin/g, K…] → [K…, Cin/g, Cout], the inactive unit kernel axes dropped.
        let k = window.kernel.isEmpty ? [1] : window.kernel
        let flat = ConstantFolding.reshape(w, to: [cout, cinPerGroup] + k).transposed(Array(2..<(k.count + 2)) + [1, 0])
        let weightName = node.proto.input[1]
        let wid = try weight(weightName, shape: k + [cinPerGroup, cout], values: flat.floats, tensor: weightName)
        var inputs = [0, wid]
        if let b = try constantInput(node, 2, role: "the bias") {
            guard b.count == cout else { throw ImportError.shapeMismatch(node: node.name, reason: "bias shape \(b.shape) ≠ [\(cout)]") }
            inputs.append(try weight(node.proto.input[2], shape: [cout], values: b.floats, tensor: node.proto.input[2]))
        }
        let stored = channelsLastAxes(win, x: x)
        inputs[0] = try conform(x, to: stored, node: node, need: "Conv reads channels last")
        let op: Op
        let i = win.active.first ?? win.axes.count - 1
        if n <= 1 && !(win.strides[i] > 1 && win.dilations[i] > 1) {
            op = .conv1D(Conv1DAttributes(kernelSize: k[0], stride: win.strides[i], dilation: win.dilations[i], padding: win.padding1D(i), groups: groups))
            if sizes.isEmpty { sizes = [1] }
        } else {
            op = .convND(ConvNDAttributes(window: window, groups: groups))
        }
        let id = emit(op, inputs, node: node, shape: sizes + [cout])
        try setOutput(node, 0, .runtime(windowOutput(x, stored: stored, sizes: sizes, channels: cout, id: id)))
    }

    mutating func pool(_ node: ONNXNode) throws {
        let isMax = node.type == "MaxPool"
        let withIndices = isMax && isRead(node, output: 1)
        let x = try runtimeInput(node, 0)
        guard let kernelShape = try node.attributes.ints("kernel_shape") else {
            throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' has no kernel_shape")
        }
        var win = try windowAttributes(node, x: x, kernelShape: kernelShape)
        try checkRank(win, node: node, x: x)
        if withIndices && win.active.contains(where: { win.axes[$0] == 0 }) {
            // The kernels number (channel · positions of the sample) + position, so N would
            // count inside each channel; ONNX numbers ((n · C) + channel) · positions + position.
            throw ImportError.unsupportedAttribute(node: node.name, reason: "MaxPool's Indices of a batch-free input with \(x.shape[0]) items: Vigil numbers positions across the items within each channel, ONNX numbers each item's channels in turn")
        }
        let includePad = try node.attributes.int("count_include_pad", default: 0) != 0 && !isMax
        let stored = channelsLastAxes(win, x: x)
        let channels = x.shape[1]
        if win.active.count <= 1 && !withIndices, try pool1D(node, x, win, stored: stored, isMax: isMax, includePad: includePad) { return }
        // A window over no axis runs over the last (unit) one, which `stored` holds.
        if win.active.isEmpty { win.active = [win.axes.count - 1] }

        let window = win.activeWindow
        var sizes: [Int] = []
        for axis in 0..<window.rank {
            let length = x.shape[win.axes[win.active[axis]]]
            let size = window.outputSize(axis: axis, length: length, ceilMode: win.ceilMode)
            if size < 1 {
                throw ImportError.shapeMismatch(node: node.name, reason: "pool field \((window.kernel[axis] - 1) * window.dilations[axis] + 1) is longer than the padded input \(length)")
            }
            sizes.append(size)
        }
        let id = try conform(x, to: stored, node: node, need: "pooling reads channels last")
        let attributes = PoolNDAttributes(window: window, ceilMode: win.ceilMode)
        let columnMajor = try node.attributes.int("storage_order", default: 0) != 0
        let out = emit(isMax ? .maxPoolND(attributes, columnMajorIndices: columnMajor) : .averagePoolND(attributes, countIncludePad: includePad), [id], node: node, shape: sizes + [channels])
        try setOutput(node, 0, .runtime(windowOutput(x, stored: stored, sizes: sizes, channels: channels, id: out)))
        if withIndices {
            // Indices, in ONNX's channels-first numbering of the input, as a second output.
            let indices = graph.addTensor(name: node.name + ":1", dtype: .int64, shape: sizes + [channels])
            graph.nodes[graph.nodes.count - 1].outputs.append(indices)
            try setOutput(node, 1, .runtime(windowOutput(x, stored: stored, sizes: sizes, channels: channels, id: indices)))
        }
    }

    /// Emits a pooling over at most one active axis as a 1-D op; false when the 1-D ops
    /// cannot express it (dilation, ceil mode with counted padding, padding as wide as
    /// the pool).
    private mutating func pool1D(_ node: ONNXNode, _ x: RuntimeValue, _ win: WindowAttributes, stored: [Int], isMax: Bool, includePad: Bool) throws -> Bool {
        let i = win.active.first ?? win.axes.count - 1
        let length = x.shape[win.axes[i]], k = win.kernel[i], s = win.strides[i]
        if win.dilations[i] != 1 && k > 1 { return false }
        let padding = win.padding1D(i)
        var (left, right) = padding.amounts(length: length, kernel: k, stride: s, dilation: 1)
        var outLength = padding.outputLength(length: length, kernel: k, stride: s, dilation: 1)
        if win.ceilMode {
            // Windows the ceil adds read past the end, which Vigil skips: widen the right padding.
            let ceilLength = WindowND(kernel: [k], strides: [s], padBegin: [left], padEnd: [right]).outputSize(axis: 0, length: length, ceilMode: true)
            if ceilLength > outLength {
                if includePad { return false }
                right += (ceilLength - 1) * s + k - (length + left + right)
                outLength = ceilLength
            }
        }
        if outLength < 1 { throw ImportError.shapeMismatch(node: node.name, reason: "pool size \(k) is longer than the padded input \(length)") }
        if !(includePad && (left > 0 || right > 0)) && (left >= k || right >= k) { return false }
        var id = try conform(x, to: stored, node: node, need: "pooling reads channels last")
        let channels = x.shape[1]
        var padding1D: Padding = left == 0 && right == 0 ? .valid : .explicit(left: left, right: right)
        if includePad && (left > 0 || right > 0) {
            // Padding counted in the average: pad with zeros, then pool without padding.
            id = emit(.zeroPadding1D(left: left, right: right), [id], node: node, suffix: "/pad", shape: [length + left + right, channels])
            padding1D = .valid
        }
        let attributes = Pool1DAttributes(poolSize: k, stride: s, padding: padding1D)
        let out = emit(isMax ? .maxPool1D(attributes) : .averagePool1D(attributes), [id], node: node, shape: [outLength, channels])
        try setOutput(node, 0, .runtime(windowOutput(x, stored: stored, sizes: [outLength], channels: channels, id: out)))
        return true
    }

    /// Channels-last spatial axes are contiguous per channel, so pooling over several of
    /// them is a 1-D global pool over their flattened product. A batch-free input with
    /// several items along N pools each item apart: a 2-D pool over [N, positions, C]
    /// whose window is 1 along N.
    mutating func globalPool(_ node: ONNXNode) throws {
        let x = try runtimeInput(node, 0)
        guard x.rank >= 3 else { throw ImportError.shapeMismatch(node: node.name, reason: "input shape \(x.shape) has no spatial axis") }
        var active = (2..<x.rank).filter { x.shape[$0] != 1 }
        if active.isEmpty { active = [x.rank - 1] }
        let batch = x.isBatchFree ? -1 : 0
        let items = x.isBatchFree ? x.shape[0] : 1, channels = x.shape[1]
        let kept = items > 1 ? [0] : []
        var id = try conform(x, to: [batch] + kept + active + [1], node: node, need: "pooling reads channels last")
        let positions = active.reduce(1) { $0 * x.shape[$1] }
        let isMax = node.type == "GlobalMaxPool"
        var shape = x.shape
        for a in 2..<x.rank { shape[a] = 1 }
        if items == 1 {
            if active.count > 1 { id = reshaped(id, to: [positions, channels], node: node) }
            let out = emit(isMax ? .globalMaxPool1D : .globalAveragePool1D, [id], node: node, shape: [channels])
            try setOutput(node, 0, .runtime(RuntimeValue(id: out, shape: shape, storedAxes: [batch, 1])))
            return
        }
        if active.count > 1 { id = reshaped(id, to: [items, positions, channels], node: node) }
        let attributes = PoolNDAttributes(window: WindowND(kernel: [1, positions]))
        let out = emit(isMax ? .maxPoolND(attributes, columnMajorIndices: false) : .averagePoolND(attributes, countIncludePad: false), [id], node: node, shape: [items, 1, channels])
        try setOutput(node, 0, .runtime(RuntimeValue(id: out, shape: shape, storedAxes: [batch, 0, x.rank - 1, 1])))
    }
}

extension ONNXGraphConverter {
    /// Pad in constant mode by zeros along the time axis of a 1-D signal (tf2onnx's
    /// causal Conv1D): a ZeroPadding1D, which the graph rewriter folds into the
    /// convolution after it.
    mutating func pad(_ node: ONNXNode) throws {
        let mode = try node.attributes.string("mode", default: "constant")
        if mode != "constant" { throw ImportError.unsupportedAttribute(node: node.name, reason: "Pad mode '\(mode)'; Vigil pads with zeros (mode 'constant')") }
        let x = try runtimeInput(node, 0)
        guard let padsTensor = try constantInput(node, 1, role: "pads") else { throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' (Pad) lacks its pads") }
        // Quantized data (QOperator) pads with its zero point: a real zero.
        let quantized = graph.tensors[x.id].dtype == .int8 ? graph.tensors[x.id].quantization : nil
        let zero = quantized.map { Float($0.zeroPoints[0] - (storedAsShiftedUInt8.contains(x.id) ? -128 : 0)) } ?? 0
        if let value = try constantInput(node, 2, role: "constant_value"), value.floats.contains(where: { $0 != zero }) {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "Pad value \(value.floats); Vigil pads with zeros\(quantized == nil ? "" : " (the zero point \(Int(zero)) of quantized data)")")
        }
        var axes = Array(0..<x.rank)
        if let a = try constantInput(node, 3, role: "axes") { axes = try a.ints.map { try axis(Int($0), rank: x.rank, node: node) } }
        let pads = padsTensor.ints.map { Int($0) }
        if pads.count != 2 * axes.count { throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' has \(pads.count) pads for \(axes.count) axes") }
        var padded: (axis: Int, left: Int, right: Int)? = nil
        for (i, a) in axes.enumerated() where pads[i] != 0 || pads[i + axes.count] != 0 {
            if padded != nil { throw ImportError.unsupportedAttribute(node: node.name, reason: "Pad along more than one axis; Vigil pads 1-D signals along time") }
            padded = (a, pads[i], pads[i + axes.count])
        }
        guard let (a, left, right) = padded else { try setOutput(node, 0, .runtime(x)); return }
        if left < 0 || right < 0 || left > 1 << 16 || right > 1 << 16 { throw ImportError.unsupportedAttribute(node: node.name, reason: "Pad amounts \(left), \(right)") }
        // The padded axis must be the stored length axis of a [L, C] sample.
        guard x.storedShape.count == 2, x.storedAxes.count == 3, x.storedAxes[1] == a, a != x.batchAxis else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "Pad along ONNX axis \(a) of \(x.shape); Vigil pads the time axis of a [length, channels] signal")
        }
        var out = x
        out.shape[a] += left + right
        out.origin = nil
        if quantized != nil {
            // Dequantized, padded with zeros, quantized back with the same parameters: exact.
            let real = emit(.dequantize, [x.id], node: node, suffix: "/dequantized", shape: x.storedShape)
            graph.tensors[real].dtype = .float32
            graph.tensors[real].quantization = nil
            let padded = emit(.zeroPadding1D(left: left, right: right), [real], node: node, suffix: "/padded", shape: out.storedShape)
            out.id = graph.addTensor(name: node.name + ":0", dtype: .int8, shape: out.storedShape)
            graph.tensors[out.id].quantization = quantized
            graph.nodes.append(Node(name: node.name, op: .quantize, inputs: [padded], outputs: [out.id]))
            if storedAsShiftedUInt8.contains(x.id) { storedAsShiftedUInt8.insert(out.id) }
        } else {
            out.id = emit(.zeroPadding1D(left: left, right: right), [x.id], node: node, shape: out.storedShape)
        }
        try setOutput(node, 0, .runtime(out))
    }
}

extension ONNXGraphConverter {
    /// ConvTranspose along one axis (a 2-D or 3-D one whose other spatial axes have size
    /// 1 goes through a Reshape to [N, C, L] and back) as the convolution it is the
    /// transpose of: the input with strides − 1 zeros between its steps (a Concat of
    /// one zero step and a Gather over time), padded by kernel − 1 less `pads` on each
    /// side (plus `output_padding` on the right) and convolved with the weight flipped
    /// in time, its channel axes swapped. Groups and dilations other than 1 are refused.
    mutating func convTranspose(_ node: ONNXNode) throws {
        let x = try runtimeInput(node, 0)
        guard let w = try constantInput(node, 1, role: "the weight") else { throw ImportError.malformedFile(path: path, reason: "ConvTranspose '\(node.name)' has no weight") }
        let spatial = x.rank - 2
        guard x.rank >= 3, w.shape.count == x.rank, x.batchAxis == 0 else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "ConvTranspose of \(x.shape) by \(w.shape); Vigil reads [N, C, spatial…] with a batch axis")
        }
        let attributes = node.attributes
        if try attributes.int("group", default: 1) != 1 { throw ImportError.unsupportedAttribute(node: node.name, reason: "ConvTranspose with group \(try attributes.int("group", default: 1)); Vigil reads group 1") }
        if try attributes.string("auto_pad", default: "NOTSET") != "NOTSET" || attributes.has("output_shape") {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "ConvTranspose with auto_pad or output_shape; Vigil reads explicit pads")
        }
        let kernel = Array(w.shape[2...])
        if let ks = try attributes.ints("kernel_shape"), ks != kernel { throw ImportError.shapeMismatch(node: node.name, reason: "kernel_shape \(ks) differs from the weight's \(kernel)") }
        let strides = try attributes.ints("strides") ?? [Int](repeating: 1, count: spatial)
        let dilations = try attributes.ints("dilations") ?? [Int](repeating: 1, count: spatial)
        let pads = try attributes.ints("pads") ?? [Int](repeating: 0, count: 2 * spatial)
        let outputPadding = try attributes.ints("output_padding") ?? [Int](repeating: 0, count: spatial)
        guard strides.count == spatial, dilations.count == spatial, pads.count == 2 * spatial, outputPadding.count == spatial else {
            throw ImportError.shapeMismatch(node: node.name, reason: "strides, dilations, pads and output_padding do not fit \(spatial) spatial axes")
        }
        // The one axis that moves; the others must be identities of size 1.
        let moving = (0..<spatial).filter { x.shape[2 + $0] != 1 || kernel[$0] != 1 || strides[$0] != 1 || pads[$0] != 0 || pads[spatial + $0] != 0 || outputPadding[$0] != 0 }
        if moving.count > 1 { throw ImportError.unsupportedAttribute(node: node.name, reason: "ConvTranspose along \(moving.count) spatial axes; Vigil transposes along one") }
        let a = moving.first ?? spatial - 1
        if dilations.contains(where: { $0 != 1 }) { throw ImportError.unsupportedAttribute(node: node.name, reason: "ConvTranspose dilations \(dilations); Vigil reads 1") }
        let (cin, cout, k, s) = (w.shape[0], w.shape[1], kernel[a], strides[a])
        let (padLeft, padRight, extra) = (pads[a], pads[spatial + a], outputPadding[a])
        guard x.shape[1] == cin, s >= 1, s <= 4096, k >= 1, k <= 4096, padLeft >= 0, padLeft < k, padRight >= 0, padRight < k, extra >= 0, extra < s else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "ConvTranspose of \(x.shape) by \(w.shape) with strides \(strides), pads \(pads), output_padding \(outputPadding)")
        }
        let steps = x.shape[2 + a]
        let (stuffed, overflow) = (steps - 1).multipliedReportingOverflow(by: s)
        guard !overflow, stuffed < 1 << 24 else { throw ImportError.shapeMismatch(node: node.name, reason: "\(steps) steps at stride \(s) is too long") }
        let outLength = stuffed + 1 + extra + k - 1 - padLeft - padRight
        if outLength < 1 { throw ImportError.shapeMismatch(node: node.name, reason: "ConvTranspose output of length \(outLength)") }
        var source = node.proto.input[0]
        if spatial > 1 {
            try lower("Reshape", name: node.name + "/as_1d", inputs: [source], constants: [[0, Int64(cin), Int64(steps)]], outputs: [node.name + "/as_1d:0"])
            source = node.name + "/as_1d:0"
        }
        if s > 1 {
            let zero = ConstantTensor(shape: [1, cin, 1], floats: [Float](repeating: 0, count: cin))
            try lower("Concat", name: node.name + "/with_zero", inputs: [source], tensors: [zero], outputs: [node.name + "/with_zero:0"], attributes: ["axis": .int(2)])
            let indices = (0...stuffed).map { Int64($0 % s == 0 ? $0 / s : steps) }
            try lower("Gather", name: node.name + "/stuffed", inputs: [node.name + "/with_zero:0"], constants: [indices],
                      outputs: [node.name + "/stuffed:0"], attributes: ["axis": .int(2)])
            source = node.name + "/stuffed:0"
        }
        // ONNX ConvTranspose weight [Cin, Cout, K] → Conv weight [Cout, Cin, K], flipped.
        let values = w.floats
        var flipped = [Float](repeating: 0, count: values.count)
        for co in 0..<cout { for ci in 0..<cin { for t in 0..<k {
            flipped[(co * cin + ci) * k + t] = values[(ci * cout + co) * k + (k - 1 - t)]
        } } }
        var tensors = [ConstantTensor(shape: [cout, cin, k], floats: flipped)]
        if let b = try constantInput(node, 2, role: "the bias") { tensors.append(b) }
        let convOutput = spatial > 1 ? node.name + "/conv:0" : try outputName(node)
        try lower("Conv", name: node.name, inputs: [source], tensors: tensors, outputs: [convOutput],
                  attributes: ["kernel_shape": .ints([Int64(k)]), "pads": .ints([Int64(k - 1 - padLeft), Int64(k - 1 - padRight + extra)])])
        if spatial > 1 {
            var shape: [Int64] = [0, Int64(cout)] + [Int64](repeating: 1, count: spatial)
            shape[2 + a] = Int64(outLength)
            try lower("Reshape", name: node.name + "/back", inputs: [convOutput], constants: [shape], outputs: [try outputName(node)])
        }
    }
}
