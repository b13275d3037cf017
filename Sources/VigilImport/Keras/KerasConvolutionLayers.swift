import VigilRuntime

/// Conv1D, DepthwiseConv1D and SeparableConv1D as Vigil (grouped) convolutions. Keras'
/// kernel layouts are Vigil's: Conv1D [K, Cin/groups, Cout]; a depthwise kernel
/// [K, Cin, multiplier] read row-major is the grouped kernel [K, 1, Cin·multiplier]
/// whose output channel c·multiplier + m reads input channel c.
extension KerasGraphTranslator {
    mutating func conv1D(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        try layer.requireChannelsLast()
        let x = try singleInput(call, rank: 2)
        let filters = try layer.int("filters"), groups = try layer.int("groups", default: 1)
        let window = try convolutionWindow(layer, allowCausal: true)
        let useBias = try layer.bool("use_bias", default: true)
        let activation = try layer.activation(dialect: dialect)
        let inChannels = x.shape[1]
        if groups < 1 || inChannels % groups != 0 || filters % groups != 0 {
            throw .shapeMismatch(node: layer.name, reason: "groups \(groups) must divide the \(inChannels) input channels and \(filters) filters")
        }
        let w = try weights.weights(of: layer, useBias ? [KerasWeightSpec(name: "kernel"), KerasWeightSpec(name: "bias")] : [KerasWeightSpec(name: "kernel")])
        try w[0].expectShape([window.kernelSize, inChannels / groups, filters], layer: layer.name)
        if useBias { try w[1].expectShape([filters], layer: layer.name) }
        let kernel = constant(w[0]), bias = useBias ? constant(w[1]) : nil
        let attributes = Conv1DAttributes(kernelSize: window.kernelSize, stride: window.stride, dilation: window.dilation,
                                          padding: window.padding, groups: groups, activation: activation.fused)
        return finish(builder.conv1D(x.id, weight: kernel, bias: bias, attributes, name: call.nodeName), activation, call)
    }

    mutating func depthwiseConv1D(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        try layer.requireChannelsLast()
        let x = try singleInput(call, rank: 2)
        let multiplier = try layer.int("depth_multiplier", default: 1)
        let window = try convolutionWindow(layer, allowCausal: true)
        let useBias = try layer.bool("use_bias", default: true)
        let activation = try layer.activation(dialect: dialect)
        let channels = x.shape[1]
        let kernelSpec = KerasWeightSpec(name: "kernel", aliases: ["depthwise_kernel"])
        let w = try weights.weights(of: layer, useBias ? [kernelSpec, KerasWeightSpec(name: "bias")] : [kernelSpec])
        try w[0].expectShape([window.kernelSize, channels, multiplier], layer: layer.name)
        if useBias { try w[1].expectShape([channels * multiplier], layer: layer.name) }
        let kernel = constant(w[0], shape: [window.kernelSize, 1, channels * multiplier])
        let bias = useBias ? constant(w[1]) : nil
        let attributes = Conv1DAttributes(kernelSize: window.kernelSize, stride: window.stride, dilation: window.dilation,
                                          padding: window.padding, groups: channels, activation: activation.fused)
        return finish(builder.conv1D(x.id, weight: kernel, bias: bias, attributes, name: call.nodeName), activation, call)
    }

    /// A depthwise convolution (stride, dilation and padding) followed by a pointwise
    /// one that adds the bias and applies the activation.
    mutating func separableConv1D(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        try layer.requireChannelsLast()
        let x = try singleInput(call, rank: 2)
        let filters = try layer.int("filters"), multiplier = try layer.int("depth_multiplier", default: 1)
        let window = try convolutionWindow(layer, allowCausal: true)
        let useBias = try layer.bool("use_bias", default: true)
        let activation = try layer.activation(dialect: dialect)
        let channels = x.shape[1]
        var specs = [KerasWeightSpec(name: "depthwise_kernel"), KerasWeightSpec(name: "pointwise_kernel")]
        if useBias { specs.append(KerasWeightSpec(name: "bias")) }
        let w = try weights.weights(of: layer, specs)
        try w[0].expectShape([window.kernelSize, channels, multiplier], layer: layer.name)
        try w[1].expectShape([1, channels * multiplier, filters], layer: layer.name)
        if useBias { try w[2].expectShape([filters], layer: layer.name) }

        let depthwise = constant(w[0], shape: [window.kernelSize, 1, channels * multiplier])
        let mid = builder.conv1D(x.id, weight: depthwise, Conv1DAttributes(kernelSize: window.kernelSize, stride: window.stride, dilation: window.dilation,
                                                                            padding: window.padding, groups: channels),
                                 name: call.nodeName + "/depthwise")
        let pointwise = constant(w[1]), bias = useBias ? constant(w[2]) : nil
        let y = builder.conv1D(mid, weight: pointwise, bias: bias, Conv1DAttributes(kernelSize: 1, activation: activation.fused), name: call.nodeName)
        return finish(y, activation, call)
    }

    private struct ConvolutionWindow {
        var kernelSize: Int
        var stride: Int
        var dilation: Int
        var padding: Padding
    }

    private func convolutionWindow(_ layer: KerasLayer, allowCausal: Bool) throws(ImportError) -> ConvolutionWindow {
        let window = ConvolutionWindow(kernelSize: try layer.int("kernel_size"), stride: try layer.int("strides", default: 1),
                                       dilation: try layer.int("dilation_rate", default: 1), padding: try layer.padding(allowCausal: allowCausal))
        if window.kernelSize < 1 || window.stride < 1 || window.dilation < 1 {
            throw .unsupportedAttribute(node: layer.name, reason: "kernel_size \(window.kernelSize), strides \(window.stride) and dilation_rate \(window.dilation) must be ≥ 1")
        }
        if window.stride > 1 && window.dilation > 1 {
            throw .unsupportedAttribute(node: layer.name, reason: "strides and dilation_rate both above 1")
        }
        return window
    }
}

extension KerasGraphTranslator {
    /// Keras `Conv1DTranspose` as the convolution it is the transpose of: the input with
    /// strides − 1 zero steps between its steps (a gather from the input and one zero
    /// row), padded by kernel − 1 on each side (less the crop of `same` padding) and
    /// convolved with the kernel flipped in time, its channel axes swapped.
    mutating func conv1DTranspose(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        try layer.requireChannelsLast()
        let x = try singleInput(call, rank: 2)
        let steps = x.shape[0], channels = x.shape[1]
        let filters = try layer.int("filters"), k = try layer.int("kernel_size"), s = try layer.int("strides", default: 1)
        let dilation = try layer.int("dilation_rate", default: 1)
        guard filters >= 1, k >= 1, s >= 1, k <= 4096, s <= 4096 else {
            throw .unsupportedAttribute(node: layer.name, reason: "filters \(filters), kernel_size \(k) and strides \(s) must be from 1 to 4096")
        }
        if dilation != 1 { throw .unsupportedAttribute(node: layer.name, reason: "Conv1DTranspose with dilation_rate \(dilation) is not supported") }
        if layer.value("output_padding") != nil { throw .unsupportedAttribute(node: layer.name, reason: "Conv1DTranspose with output_padding is not supported") }
        let padding = try layer.string("padding", default: "valid").lowercased()
        let (cropLeft, cropTotal): (Int, Int)
        switch padding {
        case "valid": (cropLeft, cropTotal) = (0, 0)
        case "same":
            guard k >= s else { throw .unsupportedAttribute(node: layer.name, reason: "Conv1DTranspose with padding 'same' and kernel_size \(k) < strides \(s) is not supported") }
            (cropLeft, cropTotal) = ((k - s) / 2, k - s)
        default: throw .unsupportedAttribute(node: layer.name, reason: "Conv1DTranspose padding '\(padding)' is not supported")
        }
        let (stuffed, overflow) = (steps - 1).multipliedReportingOverflow(by: s)
        guard !overflow, stuffed < KerasLayer.largestInteger else { throw .shapeMismatch(node: layer.name, reason: "\(steps) steps at stride \(s) is too long") }
        let useBias = try layer.bool("use_bias", default: true)
        let activation = try layer.activation(dialect: dialect)
        let w = try weights.weights(of: layer, useBias ? [KerasWeightSpec(name: "kernel"), KerasWeightSpec(name: "bias")] : [KerasWeightSpec(name: "kernel")])
        try w[0].expectShape([k, filters, channels], layer: layer.name)
        if useBias { try w[1].expectShape([filters], layer: layer.name) }
        var input = x.id
        if s > 1 {
            let zero = builder.constant(call.nodeName + "/zero_step", shape: [1, channels], values: [Float](repeating: 0, count: channels))
            let withZero = builder.node(.concatenate(axis: 1), [x.id, zero], name: call.nodeName + "/with_zero")
            let indices = (0...stuffed).map { Int32($0 % s == 0 ? $0 / s : steps) }
            let table = builder.constant(call.nodeName + "/stuffing", shape: [stuffed + 1], values: indices)
            input = builder.node(.gather(axis: 0), [withZero, table], name: call.nodeName + "/stuffed")
        }
        var flipped = [Float](repeating: 0, count: k * channels * filters)
        for t in 0..<k { for ci in 0..<channels { for co in 0..<filters {
            flipped[(t * channels + ci) * filters + co] = w[0].values[((k - 1 - t) * filters + co) * channels + ci]
        } } }
        let kernel = builder.constant(w[0].name, shape: [k, channels, filters], values: flipped)
        let bias = useBias ? constant(w[1]) : nil
        let attributes = Conv1DAttributes(kernelSize: k, padding: .explicit(left: k - 1 - cropLeft, right: k - 1 - (cropTotal - cropLeft)),
                                          activation: activation.fused)
        return finish(builder.conv1D(input, weight: kernel, bias: bias, attributes, name: call.nodeName), activation, call)
    }
}
