import VigilRuntime

extension ONNXGraphConverter {
    /// Training-mode BatchNormalization normalizes with the mean and variance over the
    /// batch and spatial axes and outputs updated running statistics. Vigil's batch
    /// items stay independent, so only a model imported as one sample (whose item is the
    /// whole framework batch) computes the statistics ONNX defines.
    mutating func batchNormalizationTraining(_ node: ONNXNode) throws {
        let x = try runtimeInput(node, 0)
        guard x.isBatchFree else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "training-mode BatchNormalization normalizes over the batch, which Vigil computes only for a model of fixed input shapes, imported as one sample")
        }
        guard x.rank >= 2 else { throw ImportError.shapeMismatch(node: node.name, reason: "input rank \(x.rank) has no channel axis") }
        if x.featureOrder != nil {
            throw ImportError.needsRuntimeTranspose(node: node.name, reason: "BatchNormalization of a flattened channels-first tensor")
        }
        let channels = x.shape[1]
        var parameters: [TensorID] = []
        for (i, role) in ["scale", "B", "input_mean", "input_var"].enumerated() {
            guard let c = try constantInput(node, i + 1, role: role) else {
                throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' lacks BatchNormalization input \(role)")
            }
            if c.count != channels || c.shape.count != 1 {
                throw ImportError.shapeMismatch(node: node.name, reason: "\(role) has shape \(c.shape), expected [\(channels)]")
            }
            parameters.append(try weight(node.name + "/" + role, shape: [channels], values: c.floats, tensor: node.proto.input[i + 1]))
        }
        let epsilon = try node.attributes.float("epsilon", default: 1e-5)
        let momentum = try node.attributes.float("momentum", default: 0.9)
        var wanted = x.storedAxes.filter { $0 != 1 }
        wanted.append(1)
        let xid = try conform(x, to: wanted, node: node, need: "BatchNormalization normalizes the last stored axis")
        var result = x
        result.storedAxes = wanted
        let y = graph.addTensor(name: node.name + ":0", shape: result.storedShape)
        let mean = graph.addTensor(name: node.name + ":1", shape: [channels])
        let variance = graph.addTensor(name: node.name + ":2", shape: [channels])
        graph.nodes.append(Node(name: node.name, op: .batchNormalizationTraining(epsilon: epsilon, momentum: momentum),
                                inputs: [xid] + parameters, outputs: [y, mean, variance]))
        result.id = y
        try setOutput(node, 0, .runtime(result))
        for (i, id) in [(1, mean), (2, variance)] where i < node.proto.output.count {
            try setOutput(node, i, .runtime(RuntimeValue(id: id, shape: [channels], storedAxes: [-1, 0])))
        }
    }
}
