import VigilRuntime

/// A model translated into a Vigil graph, with what a caller needs to feed it data the
/// way the source framework would.
public struct ImportedModel: Sendable {
    /// The validated, optimized graph.
    public var graph: Graph
    /// How each graph input's framework axes map to Vigil's, in `graph.inputs` order.
    public var inputLayouts: [TensorLayout]
    /// How each graph output's Vigil axes map back to the framework's.
    public var outputLayouts: [TensorLayout]
    /// Where the model came from, e.g. "onnx opset 17, producer tf2onnx 1.17.0".
    public var source: String
    /// Whether the model was imported as one sample: its inputs' first axes had fixed
    /// sizes, so each framework tensor is a whole Vigil sample and callers feed batch 1.
    public var isBatchFree: Bool { inputLayouts.first?.isBatchFree ?? false }

    public init(graph: Graph, inputLayouts: [TensorLayout], outputLayouts: [TensorLayout], source: String) {
        self.graph = graph
        self.inputLayouts = inputLayouts
        self.outputLayouts = outputLayouts
        self.source = source
    }
}
