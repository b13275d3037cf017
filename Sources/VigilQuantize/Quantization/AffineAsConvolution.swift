import VigilRuntime

extension PostTrainingQuantizer {
    /// The graph with every Affine over [L, C] (a BatchNormalization the importer could
    /// not fold, such as one after an activation) as the depthwise convolution of kernel
    /// 1 it is: weight [1, 1, C] = scale, bias = shift. The float graph computes the same
    /// values and the int8 depthwise convolution (per-channel weights, int32 bias) runs
    /// it, where TensorFlow's converter writes an int8 MUL and ADD by per-channel
    /// constants, each rounding to int8. An Affine over [C] (a Normalization of features)
    /// becomes one over [1, C] between two reshapes.
    public static func affinesAsDepthwiseConvolutions(_ graph: Graph) -> Graph {
        var g = graph
        g.nodes = []
        for node in graph.nodes {
            let x = graph.tensors[node.inputs[0]].shape
            guard node.op == .affine, x.count == 1 || x.count == 2, node.inputs.count == 3,
                  graph.tensors[node.inputs[1]].isConstant, graph.tensors[node.inputs[2]].isConstant,
                  graph.floatValues(of: node.inputs[1]).count == x[x.count - 1], graph.floatValues(of: node.inputs[2]).count == x[x.count - 1] else {
                g.nodes.append(node)
                continue
            }
            let channels = x[x.count - 1]
            let weight = g.addConstant(name: graph.tensors[node.inputs[1]].name + "/depthwise", shape: [1, 1, channels],
                                       values: graph.floatValues(of: node.inputs[1]))
            let conv = Op.conv1D(Conv1DAttributes(kernelSize: 1, groups: channels))
            if x.count == 2 {
                g.nodes.append(Node(name: node.name, op: conv, inputs: [node.inputs[0], weight, node.inputs[2]], outputs: node.outputs))
                continue
            }
            // [C] (a Normalization of features): one time step.
            let row = g.addTensor(name: node.name + "/row", shape: [1, channels])
            let out = g.addTensor(name: node.name + "/row_out", shape: [1, channels])
            g.nodes.append(Node(name: node.name + "/as_row", op: .reshape(shape: [1, channels]), inputs: [node.inputs[0]], outputs: [row]))
            g.nodes.append(Node(name: node.name, op: conv, inputs: [row, weight, node.inputs[2]], outputs: [out]))
            g.nodes.append(Node(name: node.name + "/as_vector", op: .reshape(shape: [channels]), inputs: [out], outputs: node.outputs))
        }
        return g
    }
}
