/// Resolved, batch-concrete arguments of each kernel. They hold only integers,
/// pointers and activations, so that running a planned model touches no reference
/// counts and allocates nothing.

public struct Conv1DParameters: Sendable {
    public var batch: Int
    public var inLength: Int
    public var inChannels: Int
    public var outLength: Int
    public var outChannels: Int
    public var kernelSize: Int
    public var stride: Int
    public var dilation: Int
    public var padLeft: Int
    public var groups: Int
    public var activation: Activation

    public init(batch: Int, inLength: Int, inChannels: Int, outLength: Int, outChannels: Int, kernelSize: Int, stride: Int, dilation: Int, padLeft: Int, groups: Int, activation: Activation) {
        self.batch = batch; self.inLength = inLength; self.inChannels = inChannels
        self.outLength = outLength; self.outChannels = outChannels; self.kernelSize = kernelSize
        self.stride = stride; self.dilation = dilation; self.padLeft = padLeft
        self.groups = groups; self.activation = activation
    }

    public var isDepthwise: Bool { groups > 1 && groups == inChannels }
}

/// rows × inFeatures times inFeatures × outFeatures.
public struct DenseParameters: Sendable {
    public var rows: Int
    public var inFeatures: Int
    public var outFeatures: Int
    public var activation: Activation

    public init(rows: Int, inFeatures: Int, outFeatures: Int, activation: Activation) {
        self.rows = rows; self.inFeatures = inFeatures; self.outFeatures = outFeatures; self.activation = activation
    }
}

public enum BinaryOperator: Sendable, Equatable { case add, sub, mul, div }

extension Op {
    /// The arithmetic of an elementwise Add/Sub/Mul/Div node, for the float and the
    /// integer compilers alike; nil for every other op.
    var binaryOperator: BinaryOperator? {
        switch self {
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        default: return nil
        }
    }
}

/// Elementwise op over an output of up to five dimensions (batch included); each
/// operand reads with its own strides, zero along broadcast axes.
public struct BinaryParameters: Sendable {
    public var op: BinaryOperator
    public var activation: Activation
    public var shape: (Int, Int, Int, Int, Int)
    public var stridesA: (Int, Int, Int, Int, Int)
    public var stridesB: (Int, Int, Int, Int, Int)
    /// Both operands have exactly the output's shape: one flat loop.
    public var isContiguous: Bool
    public var count: Int

    public init(op: BinaryOperator, activation: Activation, shape: (Int, Int, Int, Int, Int), stridesA: (Int, Int, Int, Int, Int), stridesB: (Int, Int, Int, Int, Int), isContiguous: Bool, count: Int) {
        self.op = op; self.activation = activation; self.shape = shape
        self.stridesA = stridesA; self.stridesB = stridesB; self.isContiguous = isContiguous; self.count = count
    }

    /// Calls `body` with the index into each operand for every output element, in
    /// output order: the one broadcasting walk the float and integer kernels share.
    @inline(__always)
    public func forEachElement(_ body: (_ a: Int, _ b: Int, _ output: Int) -> Void) {
        if isContiguous {
            for i in 0..<count { body(i, i, i) }
            return
        }
        let (n0, n1, n2, n3, n4) = shape
        let (a0, a1, a2, a3, a4) = stridesA
        let (b0, b1, b2, b3, b4) = stridesB
        var out = 0
        for i0 in 0..<n0 { for i1 in 0..<n1 { for i2 in 0..<n2 { for i3 in 0..<n3 { for i4 in 0..<n4 {
            body(i0 * a0 + i1 * a1 + i2 * a2 + i3 * a3 + i4 * a4, i0 * b0 + i1 * b1 + i2 * b2 + i3 * b3 + i4 * b4, out)
            out += 1
        } } } } }
    }
}

public struct Pool1DParameters: Sendable {
    public var batch: Int
    public var inLength: Int
    public var channels: Int
    public var outLength: Int
    public var poolSize: Int
    public var stride: Int
    public var padLeft: Int

    public init(batch: Int, inLength: Int, channels: Int, outLength: Int, poolSize: Int, stride: Int, padLeft: Int) {
        self.batch = batch; self.inLength = inLength; self.channels = channels
        self.outLength = outLength; self.poolSize = poolSize; self.stride = stride; self.padLeft = padLeft
    }
}

public struct RecurrentParameters: Sendable {
    public var batch: Int
    public var steps: Int
    public var features: Int
    public var units: Int
    public var returnSequences: Bool
    public var activation: Activation
    public var recurrentActivation: Activation
    public var resetAfter: Bool
    public var hasBias: Bool
    public var direction: RecurrentDirection

    public init(batch: Int, steps: Int, features: Int, units: Int, returnSequences: Bool, activation: Activation, recurrentActivation: Activation, resetAfter: Bool, hasBias: Bool,
                direction: RecurrentDirection = .forward) {
        self.batch = batch; self.steps = steps; self.features = features; self.units = units
        self.returnSequences = returnSequences; self.activation = activation
        self.recurrentActivation = recurrentActivation; self.resetAfter = resetAfter; self.hasBias = hasBias
        self.direction = direction
    }

    public var directions: Int { direction == .bidirectional ? 2 : 1 }

    /// Floats of scratch the reference GRU/LSTM needs (directions run one after the other).
    public func scratchFloats(gates: Int) -> Int { 2 * gates * units + 3 * units }
}
