import Testing
@testable import VigilRuntime

/// Transpose, Slice, Gather, Expand, Concatenate with a constant operand, and the
/// recurrent directions. Expected values are derived by hand in each test (inputs are
/// 0, 1, 2, … so an output lists the input positions it reads).
struct DataMovementTests {
    /// A graph of one node reading input x (per-sample `shape`) and `constants`.
    func graph(_ op: Op, shape: [Int], constants: (inout Graph) -> [TensorID] = { _ in [] }) -> Graph {
        var g = Graph()
        let x = g.addTensor(name: "x", shape: shape)
        g.inputs = [x]
        let extra = constants(&g)
        let y = g.addTensor(name: "y")
        g.nodes = [Node(name: "op", op: op, inputs: [x] + extra, outputs: [y])]
        g.outputs = [y]
        return g
    }

    func run(_ g: Graph, batch: Int) throws -> (shape: [Int], values: [Float]) {
        let interpreter = try Interpreter<PortableKernels>(graph: g, batch: batch)
        let input = interpreter.input(0)
        for i in 0..<input.count { input[i] = Float(i) }
        interpreter.invoke()
        return (interpreter.graph.tensors[interpreter.graph.outputs[0]].shape, Array(interpreter.output(0)))
    }

    func expectError(_ g: Graph, _ check: (GraphError) -> Bool) {
        do {
            _ = try g.validated()
            Issue.record("the graph validated")
        } catch {
            #expect(check(error), "\(error.message)")
        }
    }

    @Test func transposePermutesPerSampleAxes() throws {
        // Two samples of [2, 3] → [3, 2]: item b reads 6b + [0, 3, 1, 4, 2, 5].
        let (shape, y) = try run(graph(.transpose(permutation: [1, 0]), shape: [2, 3]), batch: 2)
        #expect(shape == [3, 2])
        #expect(y == [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11])
    }

    @Test func sliceWalksBackwards() throws {
        // [5, 2]: rows 4, 2, 0 and columns 1, 0 → positions 2·row + column.
        let (shape, y) = try run(graph(.slice(starts: [4, 1], steps: [-2, -1], sizes: [3, 2]), shape: [5, 2]), batch: 1)
        #expect(shape == [3, 2])
        #expect(y == [9, 8, 5, 4, 1, 0])
    }

    @Test func gatherPicksSlicesAlongAnAxis() throws {
        // [3, 2] gathered along axis 0 with indices [[2, 0]] → [1, 2, 2]; item 1 adds 6.
        let g = graph(.gather(axis: 0), shape: [3, 2]) { g in
            [g.addConstant(name: "indices", shape: [1, 2], values: [Int32(2), 0])]
        }
        let (shape, y) = try run(g, batch: 2)
        #expect(shape == [1, 2, 2])
        #expect(y == [4, 5, 0, 1, 10, 11, 6, 7])
    }

    @Test func expandBroadcastsUnitAndMissingAxes() throws {
        // [3, 1] → [2, 3, 2]: each row's one value repeated, the whole repeated twice.
        let (shape, y) = try run(graph(.expand(shape: [2, 3, 2]), shape: [3, 1]), batch: 1)
        #expect(shape == [2, 3, 2])
        #expect(y == [0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2])
    }

    @Test func constantOperandRepeatsForEveryBatchItem() throws {
        // [2, 1] activations (0, 1 and 2, 3) then a [2, 2] constant along the last axis.
        let g = graph(.concatenate(axis: -1), shape: [2, 1]) { g in
            [g.addConstant(name: "c", shape: [2, 2], values: [Float(-1), -2, -3, -4])]
        }
        let (shape, y) = try run(g, batch: 2)
        #expect(shape == [2, 3])
        #expect(y == [0, -1, -2, 1, -3, -4, 2, -1, -2, 3, -3, -4])
    }

    @Test func badAttributesAreNamedErrors() throws {
        expectError(graph(.transpose(permutation: [0, 0]), shape: [2, 3])) {
            if case .badAttribute("op", let reason) = $0 { return reason.contains("not a permutation") }
            return false
        }
        expectError(graph(.slice(starts: [0, 0], steps: [1, 0], sizes: [1, 1]), shape: [2, 3])) {
            $0 == .badAttribute(node: "op", reason: "slice step 0 on axis 1")
        }
        expectError(graph(.slice(starts: [1, 0], steps: [1, 1], sizes: [2, 1]), shape: [2, 3])) {
            if case .badAttribute("op", let reason) = $0 { return reason.contains("reads outside the input") }
            return false
        }
        expectError(graph(.gather(axis: 1), shape: [2, 3]) { g in [g.addConstant(name: "indices", shape: [2], values: [Int32(1), 7])] }) {
            $0 == .badAttribute(node: "op", reason: "index 7 (element 1 of 'indices') is outside axis 1 of size 3")
        }
        expectError(graph(.gather(axis: 0), shape: [2, 3]) { g in [g.addConstant(name: "indices", shape: [1], values: [Float(0)])] }) {
            if case .typeMismatch("op", _) = $0 { return true }
            return false
        }
        expectError(graph(.expand(shape: [2, 4]), shape: [2, 3])) {
            $0 == .shapeMismatch(node: "op", reason: "cannot expand [2, 3] to [2, 4]")
        }
        // A hostile attribute is bounded before any arithmetic on it.
        expectError(graph(.slice(starts: [Int.max, 0], steps: [1, 1], sizes: [1, 1]), shape: [2, 3])) {
            if case .badAttribute("op", let reason) = $0 { return reason.contains("out of range") }
            return false
        }
    }

    // MARK: - Recurrent directions

    /// A layer of `units` over [steps, features] with deterministic weights: forward,
    /// reverse or bidirectional (two different weight sets).
    func recurrent(lstm: Bool, direction: RecurrentDirection, sequences: Bool, peepholes: Bool = false, steps: Int = 4, features: Int = 2, units: Int = 3, weightsFor d: Int? = nil) -> Graph {
        let gates = lstm ? 4 : 3
        let directions = d == nil && direction == .bidirectional ? [0, 1] : [d ?? 0]
        func values(_ count: Int, _ seed: Int) -> [Float] {
            directions.flatMap { dir in (0..<count).map { i in Float(((i * 7 + seed * 13 + dir * 5) % 11) - 5) / 10 } }
        }
        let lead = directions.count == 2 ? [2] : []
        var g = Graph()
        let x = g.addTensor(name: "x", shape: [steps, features])
        g.inputs = [x]
        let k = g.addConstant(name: "k", shape: lead + [features, gates * units], values: values(features * gates * units, 1))
        let rk = g.addConstant(name: "rk", shape: lead + [units, gates * units], values: values(units * gates * units, 2))
        let biasShape = lead + (lstm ? [4 * units] : [2, 3 * units])
        var inputs = [x, k, rk, g.addConstant(name: "b", shape: biasShape, values: values(biasShape.reduce(1, *) / lead.reduce(1, *), 3))]
        if peepholes { inputs.append(g.addConstant(name: "p", shape: lead + [3 * units], values: values(3 * units, 4))) }
        let y = g.addTensor(name: "y")
        let a = RecurrentAttributes(units: units, returnSequences: sequences, direction: direction, peepholes: peepholes)
        g.nodes = [Node(name: "rnn", op: lstm ? .lstm(a) : .gru(a), inputs: inputs, outputs: [y])]
        g.outputs = [y]
        return g
    }

    func runRecurrent(_ g: Graph, input: [Float], batch: Int = 1) throws -> [Float] {
        let interpreter = try Interpreter<PortableKernels>(graph: g, batch: batch)
        let buffer = interpreter.input(0)
        for i in input.indices { buffer[i] = input[i] }
        interpreter.invoke()
        return Array(interpreter.output(0))
    }

    /// A reverse layer is the forward layer run on the time-reversed input, with its
    /// sequence output reversed back; a bidirectional layer interleaves the two.
    @Test(arguments: [false, true])
    func reverseAndBidirectionalFollowTheForwardLayer(lstm: Bool) throws {
        let steps = 4, features = 2, units = 3
        let x = (0..<(steps * features)).map { Float($0 % 5) / 4 - 0.5 }
        let reversed = (0..<steps).reversed().flatMap { t in x[(t * features)..<((t + 1) * features)] }
        func reverseSteps(_ y: [Float]) -> [Float] { (0..<steps).reversed().flatMap { t in y[(t * units)..<((t + 1) * units)] } }
        for peepholes in lstm ? [false, true] : [false] {
            let forward = try runRecurrent(recurrent(lstm: lstm, direction: .forward, sequences: true, peepholes: peepholes, weightsFor: 0), input: x)
            let backwardWeights = try runRecurrent(recurrent(lstm: lstm, direction: .forward, sequences: true, peepholes: peepholes, weightsFor: 1), input: reversed)
            let reverse = try runRecurrent(recurrent(lstm: lstm, direction: .reverse, sequences: true, peepholes: peepholes, weightsFor: 1), input: x)
            #expect(reverse == reverseSteps(backwardWeights))
            let both = try runRecurrent(recurrent(lstm: lstm, direction: .bidirectional, sequences: true, peepholes: peepholes), input: x)
            var interleaved: [Float] = []
            for t in 0..<steps {
                let row = (t * units)..<((t + 1) * units)
                interleaved += forward[row]
                interleaved += reverse[row]
            }
            #expect(both == interleaved)
            // Last states: the forward layer's last step, the reverse layer's first.
            let last = try runRecurrent(recurrent(lstm: lstm, direction: .bidirectional, sequences: false, peepholes: peepholes), input: x)
            #expect(last == Array(forward[((steps - 1) * units)...]) + Array(reverse[..<units]))
        }
    }

    @Test func recurrentWeightShapesFollowTheDirection() throws {
        var g = recurrent(lstm: true, direction: .forward, sequences: false)
        let a = RecurrentAttributes(units: 3, direction: .bidirectional)
        g.nodes[0].op = .lstm(a)
        expectError(g) {
            if case .shapeMismatch("rnn", let reason) = $0 { return reason.contains("kernel shape [2, 12] ≠ [2, 2, 12]") }
            return false
        }
        var gru = recurrent(lstm: false, direction: .forward, sequences: false)
        gru.nodes[0].op = .gru(RecurrentAttributes(units: 3, peepholes: true))
        expectError(gru) { $0 == .badAttribute(node: "rnn", reason: "a GRU has no peepholes") }
    }

    // MARK: - Package round trip

    @Test func packageRoundTripKeepsTheNewOps() throws {
        var g = Graph()
        let x = g.addTensor(name: "x", shape: [4, 2])
        g.inputs = [x]
        func add(_ op: Op, _ inputs: [TensorID], outputs: Int = 1) -> [TensorID] {
            let ids = (0..<outputs).map { g.addTensor(name: "n\(g.nodes.count):\($0)") }
            g.nodes.append(Node(name: "n\(g.nodes.count)", op: op, inputs: inputs, outputs: ids))
            return ids
        }
        let t = add(.transpose(permutation: [1, 0]), [x])[0]                                     // [2, 4]
        let s = add(.slice(starts: [1, 3], steps: [-1, -2], sizes: [2, 2]), [t])[0]               // [2, 2]
        let indices = g.addConstant(name: "indices", shape: [3], values: [Int32(1), 0, 1])
        let ga = add(.gather(axis: 1), [s, indices])[0]                                           // [2, 3]
        let e = add(.expand(shape: [4, 2, 3]), [ga])[0]                                           // [4, 2, 3]
        let c = g.addConstant(name: "c", shape: [4, 2, 1], values: (0..<8).map { Float($0) })
        let joined = add(.concatenate(axis: -1), [e, c])[0]                                       // [4, 2, 4]
        let flat = add(.reshape(shape: [8, 4]), [joined])[0]
        var weights: [TensorID] = []
        for (name, shape) in [("k", [2, 4, 12]), ("rk", [2, 3, 12]), ("b", [2, 12]), ("p", [2, 9])] {
            weights.append(g.addConstant(name: name, shape: shape, values: (0..<shape.reduce(1, *)).map { Float($0 % 7) / 20 - 0.15 }))
        }
        let lstm = add(.lstm(RecurrentAttributes(units: 3, direction: .bidirectional, peepholes: true)), [flat] + weights, outputs: 2)
        let gk = g.addConstant(name: "gk", shape: [4, 9], values: (0..<36).map { Float($0 % 5) / 10 - 0.2 })
        let grk = g.addConstant(name: "grk", shape: [3, 9], values: (0..<27).map { Float($0 % 3) / 10 - 0.1 })
        let gru = add(.gru(RecurrentAttributes(units: 3, returnSequences: true, resetAfter: false, direction: .reverse)), [flat, gk, grk])[0]
        g.outputs = lstm + [gru]

        let validated = try g.validated()
        let bytes = validated.encoded()
        let decoded = try bytes.withUnsafeBytes { buffer throws(PackageError) in try Graph.decode(buffer, constants: validated.constantData) }
        #expect(decoded.nodes == validated.nodes)
        #expect(try decoded.validated() == validated)

        // The decoded graph computes what the original does.
        func outputs(_ graph: Graph) throws -> [[Float]] {
            let interpreter = try Interpreter<PortableKernels>(graph: graph, batch: 2)
            let input = interpreter.input(0)
            for i in 0..<input.count { input[i] = Float(i % 9) / 8 - 0.5 }
            interpreter.invoke()
            return (0..<3).map { Array(interpreter.output($0)) }
        }
        let original = try outputs(validated)
        #expect(try outputs(decoded) == original)
        #expect(original[0].count == 2 * 2 * 3 && original[1].count == 2 * 2 * 3 && original[2].count == 2 * 8 * 3)

        // An unknown direction byte is a malformed file, not a crash. The LSTM node "n6"
        // is its name's bytes then tag 55; the direction follows units (4 bytes),
        // return-sequences (1), two activations (9 each) and reset-after (1).
        var corrupted = bytes
        guard let name = corrupted.indices.dropLast(2).first(where: { corrupted[$0] == 0x6E && corrupted[$0 + 1] == 0x36 && corrupted[$0 + 2] == 55 }) else {
            Issue.record("no LSTM node")
            return
        }
        let tag = name + 2
        let directionAt = tag + 1 + 4 + 1 + 9 + 9 + 1
        #expect(corrupted[directionAt] == RecurrentDirection.bidirectional.rawValue)
        corrupted[directionAt] = 9
        #expect(throws: PackageError.self) {
            _ = try corrupted.withUnsafeBytes { buffer throws(PackageError) in try Graph.decode(buffer, constants: validated.constantData) }
        }
    }
}
