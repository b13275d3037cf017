import VigilRuntime

/// Moving values between the firmware and a model's graph as its input contract says:
/// float values in (quantized at the boundary for an int8 input), the winning class out.
/// The beat loop and the fault monitor share it.
enum ContractIO {
    /// Lets `fill` write float values for graph input `index`, straight into the arena
    /// for a float input, or into `staging` and then quantized for an int8 input.
    static func write<Kernels: KernelSet, R>(_ interpreter: Interpreter<Kernels>, input index: Int, staging: UnsafeMutablePointer<Float>,
                                             _ fill: (UnsafeMutablePointer<Float>) -> R) -> R {
        let tensor = interpreter.graph.tensors[interpreter.graph.inputs[index]]
        let bytes = interpreter.inputBytes(index)
        if tensor.dtype == .int8, let q = tensor.quantization {
            let result = fill(staging)
            Int8ReferenceKernels.quantize(count: bytes.count, scale: q.scales[0], zeroPoint: q.zeroPoints[0], input: staging,
                                          output: bytes.baseAddress!.assumingMemoryBound(to: Int8.self))
            return result
        }
        return fill(bytes.baseAddress!.assumingMemoryBound(to: Float.self))
    }

    /// The class with the largest score (the first of equals) in the last row of graph
    /// output `index`, float or int8.
    static func winningClass<Kernels: KernelSet>(_ interpreter: Interpreter<Kernels>, output index: Int, classes: Int) -> Int {
        let tensor = interpreter.graph.tensors[interpreter.graph.outputs[index]]
        let bytes = interpreter.outputBytes(index)
        let base = bytes.count / tensor.dtype.byteSize - classes  // the last row
        var best = 0
        if tensor.dtype == .int8 {
            let s = bytes.baseAddress!.assumingMemoryBound(to: Int8.self) + base
            for k in 1..<classes where s[k] > s[best] { best = k }
        } else {
            let s = bytes.baseAddress!.assumingMemoryBound(to: Float.self) + base
            for k in 1..<classes where s[k] > s[best] { best = k }
        }
        return best
    }
}
