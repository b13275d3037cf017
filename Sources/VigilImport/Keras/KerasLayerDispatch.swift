import VigilRuntime

/// Which Keras layer classes the importer translates, and to which method.
extension KerasGraphTranslator {
    /// Layers that only act during training; inference passes their input through.
    static let trainingOnlyLayers = [
        "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Identity",
    ]

    static let supportedLayers = ([
        "InputLayer", "Conv1D", "SeparableConv1D", "DepthwiseConv1D", "Dense", "BatchNormalization",
        "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
        "Activation", "ReLU", "LeakyReLU", "Softmax", "Flatten", "Reshape", "ZeroPadding1D",
        "Concatenate", "Add", "Subtract", "Multiply", "Average", "GRU", "LSTM",
        "ELU", "Rescaling", "Normalization", "Cropping1D", "UpSampling1D", "Permute", "RepeatVector",
        "LayerNormalization", "Maximum", "Minimum", "PReLU", "Bidirectional", "Dot", "Attention", "TimeDistributed", "MultiHeadAttention", "UnitNormalization", "SimpleRNN", "Conv1DTranspose",
    ] + trainingOnlyLayers).sorted()

    mutating func translate(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        if layer.className != "InputLayer" { try layer.requireFloatPolicy() }
        switch layer.className {
        case "Conv1D", "Convolution1D": return try conv1D(call)
        case "SeparableConv1D", "SeparableConvolution1D": return try separableConv1D(call)
        case "DepthwiseConv1D": return try depthwiseConv1D(call)
        case "Dense": return try dense(call)
        case "BatchNormalization": return try batchNormalization(call)
        case "MaxPooling1D", "MaxPool1D": return try pooling(call, max: true)
        case "AveragePooling1D", "AvgPool1D": return try pooling(call, max: false)
        case "GlobalAveragePooling1D", "GlobalAvgPool1D": return try globalPooling(call, max: false)
        case "GlobalMaxPooling1D", "GlobalMaxPool1D": return try globalPooling(call, max: true)
        case "Activation": return try activationLayer(call)
        case "ReLU": return try reluLayer(call)
        case "LeakyReLU": return try leakyReluLayer(call)
        case "ELU": return try eluLayer(call)
        case "PReLU": return try preluLayer(call)
        case "Rescaling": return try rescaling(call)
        case "Normalization": return try normalization(call)
        case "Cropping1D": return try cropping1D(call)
        case "UpSampling1D": return try upSampling1D(call)
        case "Permute": return try permute(call)
        case "RepeatVector": return try repeatVector(call)
        case "LayerNormalization": return try layerNormalization(call)
        case "Softmax": return try softmaxLayer(call)
        case "Flatten": return try flatten(call)
        case "Reshape": return try reshape(call)
        case "ZeroPadding1D": return try zeroPadding1D(call)
        case "Concatenate": return try concatenate(call)
        case "Add": return try merge(call, .add(activation: .linear))
        case "Subtract": return try merge(call, .sub(activation: .linear))
        case "Multiply": return try merge(call, .mul(activation: .linear))
        case "Maximum": return try merge(call, .maximum(activation: .linear))
        case "Minimum": return try merge(call, .minimum(activation: .linear))
        case "Average": return try average(call)
        case "GRU": return try recurrent(call, gates: 3)
        case "LSTM": return try recurrent(call, gates: 4)
        case "SimpleRNN": return try recurrent(call, gates: 1)
        case "Conv1DTranspose", "Convolution1DTranspose": return try conv1DTranspose(call)
        case "Bidirectional": return try bidirectional(call)
        case "Dot": return try dot(call)
        case "Attention": return try attention(call)
        case "TimeDistributed": return try timeDistributed(call)
        case "MultiHeadAttention": return try multiHeadAttention(call)
        case "UnitNormalization": return try unitNormalization(call)
        case let name where Self.trainingOnlyLayers.contains(name):
            return try singleInput(call).id
        default:
            throw .unsupportedOp(node: layer.name, type: layer.className, supported: Self.supportedLayers)
        }
    }
}
