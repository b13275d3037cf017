import VigilRuntime

extension PostTrainingQuantizer {
    /// The graph with every activation an int8 kernel cannot fuse (anything but a clamp:
    /// sigmoid, tanh, gelu, swish, …) moved out of the conv, dense or add that fuses it
    /// into an activation node of its own, which runs in int8 as a 256-entry table. The
    /// float graph computes the same values; calibration and quantization both run on
    /// the separated graph, so the pre-activation tensor gets its own range.
    public static func separatingTableActivations(_ graph: Graph) -> Graph {
        var g = graph
        g.nodes = []
        for var node in graph.nodes {
            let fused: Activation
            switch node.op {
            case .conv1D(var a):
                fused = a.activation
                a.activation = .linear
                if !fused.isClamp { node.op = .conv1D(a) }
            case .dense(let a):
                fused = a
                if !fused.isClamp { node.op = .dense(activation: .linear) }
            case .add(let a):
                fused = a
                if !fused.isClamp { node.op = .add(activation: .linear) }
            case .matMul, .sub, .mul, .div, .maximum, .minimum, .power, .squaredDifference, .prelu, .concatenate, .reshape, .zeroPadding1D, .maxPool1D, .averagePool1D,
                 .globalAveragePool1D, .globalMaxPool1D, .convND, .maxPoolND, .averagePoolND, .activation, .softmax, .logSoftmax,
                 .affine, .gru, .lstm, .simpleRNN, .quantize, .dequantize, .transpose, .slice, .gather, .expand, .clamp,
                 .batchNormalizationTraining, .layerNormalization:
                // These run as float islands or fuse nothing an int8 kernel must apply.
                fused = .linear
            }
            if fused.isClamp {
                g.nodes.append(node)
                continue
            }
            let output = node.outputs[0]
            let linear = g.addTensor(name: graph.tensors[output].name + "/linear", shape: graph.tensors[output].shape)
            node.outputs[0] = linear
            g.nodes.append(node)
            g.nodes.append(Node(name: node.name + "/" + fused.name, op: .activation(fused), inputs: [linear], outputs: [output]))
        }
        return g
    }
}
