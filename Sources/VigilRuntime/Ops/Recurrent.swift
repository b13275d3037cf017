/// What GRU (Ops/GRU.swift) and LSTM (Ops/LSTM.swift) share: Keras-semantics
/// attributes, directions, shape rules, parameters and cost.

// MARK: - Attributes

/// Which way a recurrent layer walks its sequence.
public enum RecurrentDirection: UInt8, Sendable, Equatable {
    case forward = 0
    /// From the last step to the first; step t's output still lands at position t.
    case reverse = 1
    /// A forward and a reverse layer with their own weights, side by side.
    case bidirectional = 2
}

/// Keras-semantics recurrent layer settings. Weights are inputs of the node:
/// kernel [features, gates·units], recurrent kernel [units, gates·units], bias, and for
/// an LSTM with peepholes the peephole weights [3·units] (gates i, f, o). A
/// bidirectional layer stacks each weight's two directions on a leading axis of 2.
public struct RecurrentAttributes: Sendable, Equatable {
    public var units: Int
    /// Return the hidden state of every step (true) or only of the last (false).
    public var returnSequences: Bool
    public var activation: Activation
    public var recurrentActivation: Activation
    /// GRU only: apply the reset gate after the recurrent matmul (Keras default, cuDNN
    /// compatible), with separate input and recurrent biases.
    public var resetAfter: Bool
    /// A bidirectional layer returns [T, 2, units] (sequences) or [2, units] (last
    /// states), the forward direction first, as ONNX lays out its directions.
    public var direction: RecurrentDirection
    /// LSTM only: the gates also see the cell state through per-unit weights (ONNX P).
    /// The peephole input comes after the bias, which is then required.
    public var peepholes: Bool

    public init(units: Int, returnSequences: Bool = false, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid, resetAfter: Bool = true,
                direction: RecurrentDirection = .forward, peepholes: Bool = false) {
        self.units = units
        self.returnSequences = returnSequences
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        self.resetAfter = resetAfter
        self.direction = direction
        self.peepholes = peepholes
    }

    public var directions: Int { direction == .bidirectional ? 2 : 1 }
}

// MARK: - Shape inference

extension Graph {
    mutating func inferRecurrent(_ c: NodeContext, _ a: RecurrentAttributes, gates: Int) throws(GraphError) {
        let name = c.name
        let ins = c.ins
        if a.peepholes {
            if gates != 4 { throw .badAttribute(node: name, reason: gates == 3 ? "a GRU has no peepholes" : "a SimpleRNN has no peepholes") }
            try c.expectInputs(5...5)
        } else {
            try c.expectInputs(3...4)
        }
        // An LSTM may also output its last cell state.
        if gates != 4 || c.node.outputs.count != 2 { try c.expectOutputs(1) }
        try c.requireFloat()
        try c.checkActivation(a.activation); try c.checkActivation(a.recurrentActivation)
        let x = try c.activation(0)
        let k = try c.constant(1, role: "kernel"), rk = try c.constant(2, role: "recurrent kernel")
        try c.rank(x, 2, "input")
        if a.units < 1 { throw .badAttribute(node: name, reason: "units \(a.units) must be ≥ 1") }
        let u = a.units
        // A bidirectional layer's weights carry the two directions on a leading axis.
        let lead = a.direction == .bidirectional ? [2] : []
        if k.shape != lead + [x.shape[1], gates * u] {
            throw .shapeMismatch(node: name, reason: "kernel shape \(k.shape) ≠ \(lead + [x.shape[1], gates * u])")
        }
        if rk.shape != lead + [u, gates * u] {
            throw .shapeMismatch(node: name, reason: "recurrent kernel shape \(rk.shape) ≠ \(lead + [u, gates * u])")
        }
        if ins.count >= 4 {
            let b = try c.constant(3, role: "bias")
            let expected = lead + (gates == 3 && a.resetAfter ? [2, gates * u] : [gates * u])
            if b.shape != expected { throw .shapeMismatch(node: name, reason: "bias shape \(b.shape) ≠ \(expected)") }
        }
        if ins.count == 5 {
            let p = try c.constant(4, role: "peepholes")
            if p.shape != lead + [3 * u] { throw .shapeMismatch(node: name, reason: "peephole shape \(p.shape) ≠ \(lead + [3 * u])") }
        }
        let directions = a.directions
        if a.returnSequences {
            try setOutput(c, directions == 1 ? [x.shape[0], u] : [x.shape[0], directions, u])
        } else {
            try setOutput(c, directions == 1 ? [u] : [directions, u])
        }
        if c.node.outputs.count == 2 { try setOutput(c, directions == 1 ? [u] : [directions, u], at: 1) }
    }
}

// MARK: - Kernel parameters

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

// MARK: - Cost

extension MemoryPlanner {
    static func recurrentMACs(_ node: Node, _ a: RecurrentAttributes, in graph: Graph) -> Int {
        let x = graph.tensors[node.inputs[0]].shape, gatesTimesUnits = graph.tensors[node.inputs[1]].shape.last!
        let (perStep, overflow) = times(x[1], gatesTimesUnits).addingReportingOverflow(times(a.units, gatesTimesUnits))
        return overflow ? .max : product([a.directions, x[0], perStep])
    }
}

// MARK: - Compilation

extension Interpreter {
    static func recurrentParameters(_ g: Graph, _ node: Node, _ a: RecurrentAttributes, batch: Int) -> RecurrentParameters {
        let x = g.tensors[node.inputs[0]].shape
        return RecurrentParameters(batch: batch, steps: x[0], features: x[1], units: a.units, returnSequences: a.returnSequences,
                                   activation: a.activation, recurrentActivation: a.recurrentActivation,
                                   resetAfter: a.resetAfter, hasBias: node.inputs.count >= 4, direction: a.direction)
    }
}
