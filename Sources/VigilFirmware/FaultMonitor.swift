import VigilRuntime

/// The device's lead-fault / signal-quality monitor: it keeps the front end's latest
/// samples (ECG in mV as sensed, and lead impedance in ohms) in fixed rings and, on a
/// duty cycle, runs a fault detector over them (a package whose contract's inputs are
/// a signal window and/or an impedance window, and whose output is class scores).
/// Memory is fixed after `init`; `process` allocates nothing.
public final class FaultMonitor<Kernels: KernelSet> {
    public let contract: InputContract
    public let interpreter: Interpreter<Kernels>
    /// Samples between two runs.
    public let period: Int
    private let length: Int
    private let signalInput: Int?
    private let impedanceInput: Int?
    private let scoreOutput: Int
    private let signal: UnsafeMutablePointer<Float>
    private let impedance: UnsafeMutablePointer<Float>
    private let staging: UnsafeMutablePointer<Float>
    private var head = 0, filled = 0, sinceRun = 0
    /// Runs so far.
    public private(set) var runs = 0

    /// - Parameters:
    ///   - period: samples between runs (the duty cycle at the contract's rate), ≥ 1.
    ///   - constants: where the graph's constants already lie (see `Interpreter.init`).
    public init(package: ModelPackage, period: Int, constants: UnsafeRawPointer? = nil) throws(FirmwareError) {
        guard let contract = package.inputContract else {
            throw .contract("the package states no input contract, so the fault monitor cannot know what its inputs hold")
        }
        do { try contract.check(against: package.graph) } catch { throw .package(error) }
        guard contract.isFaultDetector, let window = contract.window else {
            throw .contract("a fault detector's inputs must be a signal window and/or an impedance window and one output class scores")
        }
        if period < 1 { throw .contract("the fault detector runs every \(period) samples; it needs a period of at least one") }
        let check = package.selfTest(kernels: Kernels.self, constants: constants)
        if !check.passed { throw .selfTest(check.failure) }
        do { interpreter = try Interpreter<Kernels>(graph: package.graph, batch: 1, constants: constants) } catch { throw .graph(error) }
        self.contract = contract
        self.period = period
        length = window.length
        signalInput = contract.input(.signalWindow)
        impedanceInput = contract.input(.impedanceWindow)
        scoreOutput = contract.output(.classScores) ?? 0
        signal = .allocate(capacity: length)
        signal.initialize(repeating: 0, count: length)
        impedance = .allocate(capacity: length)
        impedance.initialize(repeating: 0, count: length)
        staging = .allocate(capacity: length)
        staging.initialize(repeating: 0, count: length)
    }

    deinit {
        signal.deallocate()
        impedance.deallocate()
        staging.deallocate()
    }

    /// Feeds one sample: ECG in millivolts as sensed, lead impedance in ohms. Every
    /// `period` samples, once the window is full, runs the detector and returns the
    /// winning class.
    public func process(millivolts: Float, ohms: Float) -> Int? {
        signal[head] = millivolts
        impedance[head] = ohms
        head = head + 1 == length ? 0 : head + 1
        if filled < length { filled += 1 }
        sinceRun += 1
        guard filled == length, sinceRun >= period else { return nil }
        sinceRun = 0
        if let signalInput { ContractIO.write(interpreter, input: signalInput, staging: staging) { unroll(signal, into: $0) } }
        if let impedanceInput { ContractIO.write(interpreter, input: impedanceInput, staging: staging) { unroll(impedance, into: $0) } }
        interpreter.invoke()
        runs += 1
        return ContractIO.winningClass(interpreter, output: scoreOutput, classes: contract.classes.count)
    }

    /// The ring, oldest sample first.
    private func unroll(_ ring: UnsafeMutablePointer<Float>, into target: UnsafeMutablePointer<Float>) {
        let older = length - head
        target.update(from: ring + head, count: older)
        (target + older).update(from: ring, count: head)
    }
}
