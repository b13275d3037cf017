import VigilRuntime
import VigilSignalCore

/// One classified beat.
public struct BeatLabel: Sendable, Equatable {
    /// The R peak's sample index in the stream (at the contract's sampling rate).
    public var sample: Int
    /// Index into the contract's classes.
    public var classIndex: Int
    /// Whether the model ran (false: the contract's gate settled the beat).
    public var inferred: Bool

    public init(sample: Int, classIndex: Int, inferred: Bool = true) {
        self.sample = sample; self.classIndex = classIndex; self.inferred = inferred
    }
}

/// The device's beat loop: one sample in → conditioning → QRS detection → beat window
/// and RR features → the package's input contract → interpreter → beat label out.
///
/// Everything it needs comes from the package: the sampling rate, the conditioning,
/// the window around the R peak, which RR features the model reads and how they are
/// standardized, which input takes what, and which output holds the class scores.
/// Memory is fixed after `init`: the detector's and beat stream's rings, the arena,
/// and the interpreter's steps; `process` allocates nothing.
public final class BeatLoop<Kernels: KernelSet> {
    public let contract: InputContract
    public let interpreter: Interpreter<Kernels>
    private var stream: BeatStream
    private let windowInput: Int?
    private let rrInput: Int?
    private let scoreOutput: Int
    /// Float staging for inputs the model reads as int8 (quantized at the boundary).
    private let staging: UnsafeMutablePointer<Float>
    private let stagingCount: Int
    /// Millivolts per ADC unit (0 when the contract takes millivolts).
    private let millivoltsPerUnit: Float
    /// The patient's beat templates, when the contract names morphology features.
    private var morphology: MorphologyTracker?
    /// A beat's window when the model does not take one but its morphology is measured.
    private let windowScratch: UnsafeMutablePointer<Float>?
    /// Morphology values by `InputContract.Morphology` raw value.
    private let morphologyValues: UnsafeMutablePointer<Float>
    private let morphologyCount = InputContract.Morphology.allCases.count
    /// Standardized beat features, for the gate.
    private let features: UnsafeMutablePointer<Float>
    /// Beats classified so far, and those the gate settled without the model.
    public private(set) var beatCount = 0
    public private(set) var settledCount = 0

    /// Decodes and verifies a package from its bytes, checks that its contract is one
    /// this loop can feed, and runs its golden vectors before it accepts it.
    /// - Parameter inPlace: read the weights where the bytes lie (a package in flash),
    ///   which must then stay valid and unchanged for the loop's life; otherwise the
    ///   interpreter keeps its own copy.
    public convenience init(packageBytes: UnsafeRawBufferPointer, inPlace: Bool = false) throws(FirmwareError) {
        let package: ModelPackage
        var constants: UnsafeRawPointer?
        do {
            package = try ModelPackage.decode(packageBytes)
            if inPlace, let range = try ModelPackage.layout(of: packageBytes).range(of: .constants) {
                constants = packageBytes.baseAddress! + range.lowerBound
            }
        } catch { throw .package(error) }
        try self.init(package: package, constants: constants)
    }

    /// - Parameter constants: where the graph's constants already lie (see
    ///   `Interpreter.init`); nil copies them.
    public init(package: ModelPackage, constants: UnsafeRawPointer? = nil) throws(FirmwareError) {
        guard let contract = package.inputContract else {
            throw .contract("the package states no input contract, so the beat loop cannot know what its inputs hold")
        }
        // Decoding checked the contract against the graph; packages built in memory
        // have not been through that.
        do { try contract.check(against: package.graph) } catch { throw .package(error) }
        guard contract.isBeatClassifier else {
            throw .contract("the model's inputs must be a beat window and/or RR features and one output class scores")
        }
        guard let window = contract.window else { throw .contract("no beat window is stated (the loop cuts one around every R peak)") }
        let c = contract.conditioning
        let implemented = InputContract.Conditioning.monitoring
        if c.highPassHz != implemented.highPassHz || c.lowPassHz != implemented.lowPassHz {
            throw .contract("the package asks for \(c.highPassHz)–\(c.lowPassHz) Hz conditioning; this firmware conditions with \(implemented.highPassHz)–\(implemented.lowPassHz) Hz")
        }
        let rate = Double(contract.sampleRate)
        let measuresMorphology = contract.rr?.usesMorphology ?? false
        if measuresMorphology && !MorphologyTracker.fits(windowLength: window.length, rPeakIndex: window.rPeakIndex, sampleRate: rate) {
            throw .contract("morphology features need \(MorphologyTracker.requirement); the beat window has \(window.rPeakIndex) and \(window.length - window.rPeakIndex) samples at \(contract.sampleRate) Hz")
        }
        let check = package.selfTest(kernels: Kernels.self, constants: constants)
        if !check.passed { throw .selfTest(check.failure) }

        self.contract = contract
        do { interpreter = try Interpreter<Kernels>(graph: package.graph, batch: 1, constants: constants) } catch { throw .graph(error) }
        windowInput = contract.input(.beatWindow)
        rrInput = contract.input(.rrFeatures)
        scoreOutput = contract.output(.classScores) ?? 0
        var detector = QRSDetector.Configuration(sampleRate: rate)
        if c.mainsHz > 0 { detector.mains = Double(c.mainsHz) }
        let rr = contract.rr.map { RRConfiguration(sampleRate: rate, localCount: $0.localCount, longCount: $0.longCount) }
        stream = BeatStream(sampleRate: rate, shape: BeatWindowShape(length: window.length, rPeakIndex: window.rPeakIndex),
                            rr: rr, detector: detector)
        stagingCount = max(window.length, contract.rr?.features.count ?? 0)
        staging = .allocate(capacity: stagingCount)
        staging.initialize(repeating: 0, count: stagingCount)
        millivoltsPerUnit = contract.adcGain > 0 ? 1 / contract.adcGain : 0
        morphology = measuresMorphology ? MorphologyTracker(sampleRate: rate, rPeakIndex: window.rPeakIndex) : nil
        windowScratch = measuresMorphology && windowInput == nil ? .allocate(capacity: window.length) : nil
        windowScratch?.initialize(repeating: 0, count: window.length)
        morphologyValues = .allocate(capacity: morphologyCount)
        morphologyValues.initialize(repeating: 0, count: morphologyCount)
        let featureCount = contract.rr?.features.count ?? 0
        features = .allocate(capacity: max(featureCount, 1))
        features.initialize(repeating: 0, count: max(featureCount, 1))
    }

    deinit {
        staging.deallocate(); windowScratch?.deallocate(); morphologyValues.deallocate(); features.deallocate()
    }

    /// Feeds one sample in ADC units (the contract's gain converts it to millivolts).
    public func process(adc value: Int32) -> BeatLabel? {
        process(millivolts: millivoltsPerUnit > 0 ? Float(value) * millivoltsPerUnit : Float(value))
    }

    /// Feeds one sample in millivolts, at the contract's sampling rate. Returns a label
    /// when a beat's window and RR features are complete.
    public func process(millivolts x: Float) -> BeatLabel? {
        var emitted: (sample: Int, rr: RRFeatures)?
        var cut: UnsafeMutablePointer<Float>? = windowScratch
        if let windowInput {
            emitted = write(input: windowInput) { target in
                let beat = stream.process(x, window: target)
                // An int8 input stages its float window; the morphology reads it there.
                if beat != nil, morphology != nil { cut = target }
                return beat
            }
        } else {
            emitted = stream.process(x, window: windowScratch)
        }
        guard let beat = emitted else { return nil }
        beatCount += 1
        if let window = cut, let m = morphology?.measure(window: UnsafePointer(window)) {
            for k in 0..<morphologyCount { morphologyValues[k] = m[k] }
        }
        if let set = contract.rr {
            set.values(pre: beat.rr.preRR, post: beat.rr.postRR, local: beat.rr.localRR, long: beat.rr.longRR,
                       variation: beat.rr.variationRR, morphology: morphologyValues, into: features)
            if let gate = set.gate, gate.settles(features) {
                settledCount += 1
                return BeatLabel(sample: beat.sample, classIndex: gate.classIndex, inferred: false)
            }
            if let rrInput {
                write(input: rrInput) { target in for k in set.features.indices { target[k] = features[k] } }
            }
        }
        interpreter.invoke()
        return BeatLabel(sample: beat.sample, classIndex: winningClass())
    }

    private func write<R>(input index: Int, _ fill: (UnsafeMutablePointer<Float>) -> R) -> R {
        ContractIO.write(interpreter, input: index, staging: staging, fill)
    }

    private func winningClass() -> Int {
        ContractIO.winningClass(interpreter, output: scoreOutput, classes: contract.classes.count)
    }
}
