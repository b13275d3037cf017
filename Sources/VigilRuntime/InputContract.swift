/// Everything a device must do to a signal before this package's model can read it,
/// and what the model's outputs mean: the package's input contract (DESIGN §8).
///
/// It travels in the package's `contract` section, bound to the manifest by its
/// digest, so the beat loop (`VigilFirmware`) runs a model from the package's bytes
/// alone: no side file says how RR features are standardized or which class index
/// is a ventricular beat.
public struct InputContract: Sendable, Equatable {
    /// The rate the model's signal is sampled at, in Hz (the device front end's rate;
    /// a record at another rate is resampled to it before it reaches the beat loop).
    public var sampleRate: Int
    /// The ECG lead the model was trained on, as WFDB names it ("MLII").
    public var lead: String
    /// ADC units per millivolt of the front end the model expects (0: samples in mV).
    public var adcGain: Float
    public var conditioning: Conditioning
    /// Where a beat window sits around its R peak; nil for a model without one.
    public var window: BeatWindow?
    /// The RR features the model reads and their standardization; nil for none.
    public var rr: RRFeatureSet?
    /// What each graph input holds and how the source framework orders its axes.
    public var inputs: [Binding]
    /// What each graph output holds, likewise.
    public var outputs: [Binding]
    /// Class names, in the order of a class-score output's last axis.
    public var classes: [String]
    /// How annotation codes map onto `classes`.
    public var labelMapping: LabelMapping

    public init(sampleRate: Int = 256, lead: String = "MLII", adcGain: Float = 0, conditioning: Conditioning = .monitoring,
                window: BeatWindow? = nil, rr: RRFeatureSet? = nil, inputs: [Binding], outputs: [Binding],
                classes: [String] = [], labelMapping: LabelMapping = .none) {
        self.sampleRate = sampleRate; self.lead = lead; self.adcGain = adcGain; self.conditioning = conditioning
        self.window = window; self.rr = rr; self.inputs = inputs; self.outputs = outputs
        self.classes = classes; self.labelMapping = labelMapping
    }

    /// A contract that says only what the graph says: every tensor plain values in
    /// Vigil's own layout, no signal chain.
    public static func plain(for graph: Graph) -> InputContract {
        InputContract(inputs: graph.inputs.map { Binding(role: .values, layout: .native(rank: graph.tensors[$0].shape.count + 1)) },
                      outputs: graph.outputs.map { Binding(role: .values, layout: .native(rank: graph.tensors[$0].shape.count + 1)) })
    }

    /// Whether a beat loop can feed this model: beat windows and/or RR features in,
    /// class scores out.
    /// The graph input bound to `role`, if any (a role other than `.values` binds at most one).
    public func input(_ role: Role) -> Int? { inputs.firstIndex { $0.role == role } }

    /// The graph output bound to `role`, if any.
    public func output(_ role: Role) -> Int? { outputs.firstIndex { $0.role == role } }

    /// A lead-fault / signal-quality detector: its inputs are the front end's latest
    /// samples (ECG and/or impedance), and one output holds class scores.
    public var isFaultDetector: Bool {
        inputs.contains { $0.role == .signalWindow || $0.role == .impedanceWindow }
            && inputs.allSatisfy { $0.role == .signalWindow || $0.role == .impedanceWindow }
            && outputs.contains { $0.role == .classScores } && window != nil
    }

    public var isBeatClassifier: Bool {
        inputs.contains { $0.role == .beatWindow || $0.role == .rrFeatures }
            && inputs.allSatisfy { $0.role == .beatWindow || $0.role == .rrFeatures }
            && outputs.contains { $0.role == .classScores }
    }

    // MARK: - Parts

    /// The causal filter chain applied before beat windows are cut: a Butterworth
    /// high-pass and low-pass (each 2nd order), with an optional mains notch.
    public struct Conditioning: Sendable, Equatable {
        public var highPassHz: Float
        public var lowPassHz: Float
        /// Mains notch centre in Hz; 0 for none.
        public var mainsHz: Float

        public init(highPassHz: Float, lowPassHz: Float, mainsHz: Float = 0) {
            self.highPassHz = highPassHz; self.lowPassHz = lowPassHz; self.mainsHz = mainsHz
        }

        /// The 0.5–40 Hz monitoring band the signal chain and `vigil dataset` use.
        public static let monitoring = Conditioning(highPassHz: 0.5, lowPassHz: 40)
    }

    public struct BeatWindow: Sendable, Equatable {
        public var length: Int
        public var rPeakIndex: Int

        public init(length: Int, rPeakIndex: Int) { self.length = length; self.rPeakIndex = rPeakIndex }
    }

    /// An RR interval a feature is made of: pre (R(i) − R(i−1)), post (R(i+1) − R(i)),
    /// local (mean of the last `localCount` intervals), long (of the last `longCount`),
    /// variation (mean absolute difference of successive intervals among the last
    /// `localCount`: the local rhythm's irregularity).
    public enum RRInterval: UInt8, Sendable, Equatable {
        case pre = 0, post = 1, local = 2, long = 3, variation = 4

        public var name: String {
            switch self {
            case .pre: return "pre"
            case .post: return "post"
            case .local: return "local"
            case .long: return "long"
            case .variation: return "variation"
            }
        }

        public static func named(_ name: String) -> RRInterval? {
            for i in [RRInterval.pre, .post, .local, .long, .variation] where i.name.utf8.elementsEqual(name.utf8) { return i }
            return nil
        }
    }

    /// A morphology feature: the beat against the patient's dominant beat, as
    /// VigilSignalCore's `MorphologyTracker` measures it (its `BeatMorphology.names`,
    /// in this order).
    public enum Morphology: UInt8, Sendable, Equatable, CaseIterable {
        case qrsCorrelation = 0, pCorrelation = 1, tCorrelation = 2, amplitudeRatio = 3, widthRatio = 4, widthSeconds = 5, residual = 6

        public var name: String {
            switch self {
            case .qrsCorrelation: return "qrs_corr"
            case .pCorrelation: return "p_corr"
            case .tCorrelation: return "t_corr"
            case .amplitudeRatio: return "qrs_amp"
            case .widthRatio: return "qrs_width"
            case .widthSeconds: return "qrs_width_s"
            case .residual: return "qrs_residual"
            }
        }
    }

    /// A beat feature: an RR feature, or a morphology feature.
    public enum RRFeature: Sendable, Equatable {
        /// A quotient of two intervals ("pre/long").
        case ratio(RRInterval, RRInterval)
        /// One interval in seconds ("local_s").
        case seconds(RRInterval)
        /// The beat against the patient's dominant beat ("morph:qrs_corr").
        case morphology(Morphology)

        public var name: String {
            switch self {
            case .ratio(let a, let b): return a.name + "/" + b.name
            case .seconds(let a): return a.name + "_s"
            case .morphology(let m): return "morph:" + m.name
            }
        }

        /// Parses "A/B" or "A_s" with A, B one of pre, post, local, long, variation, or "morph:M"
        /// with M a `Morphology` name.
        public static func named(_ name: String) -> RRFeature? {
            let utf8 = Array(name.utf8)
            let prefix = Array("morph:".utf8)
            if utf8.count > prefix.count, utf8[..<prefix.count].elementsEqual(prefix) {
                let rest = utf8[prefix.count...]
                for m in Morphology.allCases where m.name.utf8.elementsEqual(rest) { return .morphology(m) }
                return nil
            }
            if let slash = utf8.firstIndex(of: UInt8(ascii: "/")) {
                guard let a = String(validating: utf8[..<slash], as: UTF8.self).flatMap(RRInterval.named),
                      let b = String(validating: utf8[(slash + 1)...], as: UTF8.self).flatMap(RRInterval.named) else { return nil }
                return .ratio(a, b)
            }
            if utf8.count > 2, utf8[utf8.count - 2] == UInt8(ascii: "_"), utf8[utf8.count - 1] == UInt8(ascii: "s"),
               let a = String(validating: utf8[..<(utf8.count - 2)], as: UTF8.self).flatMap(RRInterval.named) {
                return .seconds(a)
            }
            return nil
        }
    }

    /// Beat features (RR and morphology), each standardized as (x − mean) / std, the
    /// window lengths of the running means they are computed from, and an optional
    /// gate: the cascade's first stage.
    public struct RRFeatureSet: Sendable, Equatable {
        public var features: [RRFeature]
        public var mean: [Float]
        public var std: [Float]
        /// Intervals in the local mean (10, as in de Chazal 2004).
        public var localCount: Int
        /// Intervals in the long mean: the patient's running rhythm.
        public var longCount: Int
        /// The cascade's always-on first stage, when there is one.
        public var gate: Gate?

        public init(features: [RRFeature], mean: [Float]? = nil, std: [Float]? = nil, localCount: Int = 10, longCount: Int = 256,
                    gate: Gate? = nil) {
            self.features = features
            self.mean = mean ?? [Float](repeating: 0, count: features.count)
            self.std = std ?? [Float](repeating: 1, count: features.count)
            self.localCount = localCount; self.longCount = longCount; self.gate = gate
        }

        /// Whether any feature is a morphology feature (the loop then keeps templates).
        public var usesMorphology: Bool {
            for f in features { if case .morphology = f { return true } }
            return false
        }

        /// The `/rr_normalized` columns of `vigil dataset beats`, unstandardized.
        public static let dataset = RRFeatureSet(features: [.ratio(.pre, .long), .ratio(.post, .long), .ratio(.local, .long), .ratio(.pre, .post)])

        public var isStandardized: Bool {
            for m in mean where m != 0 { return true }
            for s in std where s != 1 { return true }
            return false
        }

        /// The features of one beat from its intervals in seconds, written to `out`
        /// (`features.count` values).
        /// `morphology` holds the `Morphology` values by raw value (nil: the set has none).
        public func values(pre: Float, post: Float, local: Float, long: Float, variation: Float = 0,
                           morphology: UnsafePointer<Float>? = nil, into out: UnsafeMutablePointer<Float>) {
            func seconds(_ i: RRInterval) -> Float {
                switch i {
                case .pre: return pre
                case .post: return post
                case .local: return local
                case .long: return long
                case .variation: return variation
                }
            }
            for k in features.indices {
                let x: Float
                switch features[k] {
                case .ratio(let a, let b): x = seconds(a) / seconds(b)
                case .seconds(let a): x = seconds(a)
                case .morphology(let m): x = morphology.map { $0[Int(m.rawValue)] } ?? 0
                }
                out[k] = (x - mean[k]) / std[k]
            }
        }

        public func values(pre: Float, post: Float, local: Float, long: Float, variation: Float = 0, morphology: [Float]? = nil) -> [Float] {
            var out = [Float](repeating: 0, count: features.count)
            out.withUnsafeMutableBufferPointer { o in
                if let morphology {
                    morphology.withUnsafeBufferPointer {
                        values(pre: pre, post: post, local: local, long: long, variation: variation, morphology: $0.baseAddress, into: o.baseAddress!)
                    }
                } else {
                    values(pre: pre, post: post, local: local, long: long, variation: variation, into: o.baseAddress!)
                }
            }
            return out
        }
    }

    /// The cascade's first stage: a score over the standardized features x,
    /// b + Σ w[k]·x[k] + Σ v[k]·|x[k]| (the |x| terms let it ask for a feature near its
    /// usual value, on either side). A beat scoring below 0 is settled as class
    /// `classIndex` without running the model; the rest go to the model.
    public struct Gate: Sendable, Equatable {
        public var weights: [Float]
        public var absoluteWeights: [Float]
        public var bias: Float
        public var classIndex: Int

        public init(weights: [Float], absoluteWeights: [Float], bias: Float, classIndex: Int) {
            self.weights = weights; self.absoluteWeights = absoluteWeights; self.bias = bias; self.classIndex = classIndex
        }

        /// Whether the beat whose standardized features are `x` is settled by the gate.
        public func settles(_ x: UnsafePointer<Float>) -> Bool {
            var score = bias
            for k in weights.indices { score += weights[k] * x[k] + absoluteWeights[k] * abs(x[k]) }
            return score < 0
        }
    }

    /// What a graph input or output holds.
    public enum Role: UInt8, Sendable, Equatable {
        /// Plain values with no signal meaning.
        case values = 0
        /// A conditioned beat window [length, 1] around an R peak.
        case beatWindow = 1
        /// The RR features of `rr`, in order [count].
        case rrFeatures = 2
        /// One score per class (probabilities or logits; the largest wins), last axis.
        case classScores = 3
        /// The front end's latest `window.length` ECG samples in mV, oldest first, as
        /// sensed (unconditioned) [length, 1]: a signal-quality or lead-fault detector's input.
        case signalWindow = 4
        /// The lead impedance in ohms at the same samples [length, 1].
        case impedanceWindow = 5

        public var name: String {
            switch self {
            case .values: return "values"
            case .beatWindow: return "beat window"
            case .rrFeatures: return "RR features"
            case .classScores: return "class scores"
            case .signalWindow: return "signal window"
            case .impedanceWindow: return "impedance window"
            }
        }
    }

    /// How the source framework orders a tensor's axes: for each stored axis (the
    /// batch first), the framework axis it holds, or -1 for a unit axis the framework
    /// does not see. Vigil converts layouts once, at import; callers holding
    /// framework-ordered arrays rearrange them at the boundary.
    public struct Layout: Sendable, Equatable {
        public var storedAxes: [Int]
        public var frameworkRank: Int

        public init(storedAxes: [Int], frameworkRank: Int) { self.storedAxes = storedAxes; self.frameworkRank = frameworkRank }

        public static func native(rank: Int) -> Layout { Layout(storedAxes: Array(0..<rank), frameworkRank: rank) }

        public var isNative: Bool { storedAxes == Array(0..<frameworkRank) }
    }

    public struct Binding: Sendable, Equatable {
        public var role: Role
        public var layout: Layout

        public init(role: Role, layout: Layout) { self.role = role; self.layout = layout }
    }

    /// How annotation codes map onto classes (DESIGN §5).
    public enum LabelMapping: UInt8, Sendable, Equatable {
        /// The classes are not beat classes, or no mapping is stated.
        case none = 0
        /// AAMI classes as de Chazal 2004 and most of the literature group them.
        case aamiDeChazal = 1
        /// AAMI classes as ANSI/AAMI EC57 (WFDB's bxb) groups them.
        case aamiEC57 = 2

        public var name: String {
            switch self {
            case .none: return "none"
            case .aamiDeChazal: return "AAMI (de Chazal)"
            case .aamiEC57: return "AAMI (EC57)"
            }
        }
    }
}

// MARK: - Limits and checks

extension InputContract {
    /// What a contract may say; a package outside these is refused.
    public enum Limits {
        /// Sampling rates an ECG front end can mean.
        public static let sampleRates = 50...4_000
        public static let windowLength = 1...8_192
        public static let rrFeatures = 1...64
        public static let rrCounts = 1...4_096
        public static let classes = 0...256
        public static let stringBytes = 256
    }

    /// Checks the contract's own values, and that it fits `graph`: one binding per
    /// graph input and output, each role's tensor of the shape that role needs.
    public func check(against graph: Graph) throws(PackageError) {
        func fail(_ why: String) -> PackageError { .malformed("input contract", why) }
        if !Limits.sampleRates.contains(sampleRate) { throw fail("sampling rate \(sampleRate) Hz is outside \(Limits.sampleRates.lowerBound)…\(Limits.sampleRates.upperBound) Hz") }
        if !(adcGain >= 0) || !adcGain.isFinite { throw fail("ADC gain \(adcGain) must be finite and ≥ 0") }
        let nyquist = Float(sampleRate) / 2
        let c = conditioning
        if !(c.highPassHz > 0 && c.highPassHz < c.lowPassHz && c.lowPassHz < nyquist) {
            throw fail("conditioning \(c.highPassHz)–\(c.lowPassHz) Hz must satisfy 0 < high-pass < low-pass < \(nyquist) Hz (half the sampling rate)")
        }
        if !(c.mainsHz == 0 || (c.mainsHz > 0 && c.mainsHz < nyquist)) { throw fail("mains notch \(c.mainsHz) Hz must be 0 (none) or below \(nyquist) Hz") }
        if let w = window {
            if !Limits.windowLength.contains(w.length) || w.rPeakIndex < 0 || w.rPeakIndex >= w.length {
                throw fail("beat window of \(w.length) samples with the R peak at \(w.rPeakIndex): the peak must lie inside a window of \(Limits.windowLength.lowerBound)…\(Limits.windowLength.upperBound) samples")
            }
        }
        if let rr {
            if !Limits.rrFeatures.contains(rr.features.count) { throw fail("\(rr.features.count) RR features (at most \(Limits.rrFeatures.upperBound))") }
            if rr.mean.count != rr.features.count || rr.std.count != rr.features.count {
                throw fail("RR standardization has \(rr.mean.count) means and \(rr.std.count) deviations for \(rr.features.count) features")
            }
            for m in rr.mean where !m.isFinite { throw fail("RR feature means must be finite") }
            for s in rr.std where !(s.isFinite && s > 0) { throw fail("RR feature deviations must be finite and positive") }
            if !Limits.rrCounts.contains(rr.localCount) || !Limits.rrCounts.contains(rr.longCount) {
                throw fail("RR running means over \(rr.localCount) and \(rr.longCount) intervals (each 1…\(Limits.rrCounts.upperBound))")
            }
            if rr.usesMorphology && window == nil { throw fail("morphology features are measured on a beat window, and none is stated") }
            if let gate = rr.gate {
                if gate.weights.count != rr.features.count || gate.absoluteWeights.count != rr.features.count {
                    throw fail("the gate has \(gate.weights.count) and \(gate.absoluteWeights.count) weights for \(rr.features.count) features")
                }
                for w in gate.weights + gate.absoluteWeights where !w.isFinite { throw fail("gate weights must be finite") }
                if !gate.bias.isFinite { throw fail("the gate's bias must be finite") }
                if gate.classIndex < 0 || gate.classIndex >= classes.count {
                    throw fail("the gate settles beats as class \(gate.classIndex), outside the \(classes.count) classes")
                }
            }
        }
        if !Limits.classes.contains(classes.count) { throw fail("\(classes.count) classes (at most \(Limits.classes.upperBound))") }
        if inputs.count != graph.inputs.count { throw fail("\(inputs.count) input bindings for a graph of \(graph.inputs.count) inputs") }
        if outputs.count != graph.outputs.count { throw fail("\(outputs.count) output bindings for a graph of \(graph.outputs.count) outputs") }
        for (k, list) in [inputs, outputs].enumerated() {
            let ids = k == 0 ? graph.inputs : graph.outputs
            let side = k == 0 ? "input" : "output"
            var seen: [Role] = []
            for (i, binding) in list.enumerated() {
                let t = graph.tensors[ids[i]]
                let what = "\(side) \(i) '\(t.name)' (\(binding.role.name))"
                // A constant output has no batch axis: its layout may name its own axes only.
                if !(t.isConstant && binding.layout.storedAxes.count == t.shape.count) {
                    try Self.checkLayout(binding.layout, rank: t.shape.count + 1, what: what)
                }
                if binding.role != .values {
                    for r in seen where r == binding.role { throw fail("two \(side)s are \(binding.role.name)") }
                    seen.append(binding.role)
                }
                if t.dtype != .float32 && t.dtype != .int8 && binding.role != .values {
                    throw fail("\(what) has type \(t.dtype.name); signal roles need float32 or int8")
                }
                switch binding.role {
                case .values:
                    break
                case .beatWindow:
                    guard k == 0, let w = window else { throw fail("\(what): a beat window input needs the contract's window and must be an input") }
                    if t.shape != [w.length, 1] { throw fail("\(what) has shape \(t.shape); the window is [\(w.length), 1]") }
                case .rrFeatures:
                    guard k == 0, let rr else { throw fail("\(what): an RR feature input needs the contract's RR features and must be an input") }
                    if t.shape != [rr.features.count] { throw fail("\(what) has shape \(t.shape); the contract names \(rr.features.count) RR features") }
                case .signalWindow, .impedanceWindow:
                    guard k == 0, let w = window else { throw fail("\(what): a signal or impedance window needs the contract's window and must be an input") }
                    if t.shape != [w.length, 1] { throw fail("\(what) has shape \(t.shape); the window is [\(w.length), 1]") }
                case .classScores:
                    if k != 1 { throw fail("\(what): class scores are an output") }
                    if t.shape.last != classes.count || classes.isEmpty {
                        throw fail("\(what) has shape \(t.shape); its last axis must hold the \(classes.count) classes")
                    }
                }
            }
        }
    }

    static func checkLayout(_ layout: Layout, rank: Int, what: String) throws(PackageError) {
        let named = layout.storedAxes.filter { $0 >= 0 }
        var distinct = true
        for (i, a) in named.enumerated() { for b in named[(i + 1)...] where a == b { distinct = false } }
        if layout.storedAxes.count != rank || layout.frameworkRank < 0 || layout.frameworkRank > 8 || !distinct
            || !layout.storedAxes.allSatisfy({ $0 >= -1 && $0 < layout.frameworkRank }) {
            throw .malformed("input contract", "\(what): layout \(layout.storedAxes) of framework rank \(layout.frameworkRank) does not fit a rank-\(rank) tensor")
        }
    }
}

// MARK: - Coding

extension InputContract {
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(sampleRate)); w.string(lead); w.f32(adcGain)
        w.f32(conditioning.highPassHz); w.f32(conditioning.lowPassHz); w.f32(conditioning.mainsHz)
        w.bool(window != nil)
        if let window { w.u32(UInt32(window.length)); w.u32(UInt32(window.rPeakIndex)) }
        w.bool(rr != nil)
        if let rr {
            w.u32(UInt32(rr.features.count))
            for (k, f) in rr.features.enumerated() {
                switch f {
                case .ratio(let a, let b): w.u8(0); w.u8(a.rawValue); w.u8(b.rawValue)
                case .seconds(let a): w.u8(1); w.u8(a.rawValue); w.u8(0)
                case .morphology(let m): w.u8(2); w.u8(m.rawValue); w.u8(0)
                }
                // Mismatched lists (refused by `check`) encode as NaN rather than trap.
                w.f32(k < rr.mean.count ? rr.mean[k] : .nan); w.f32(k < rr.std.count ? rr.std[k] : .nan)
            }
            w.u32(UInt32(rr.localCount)); w.u32(UInt32(rr.longCount))
        }
        for list in [inputs, outputs] {
            w.u32(UInt32(list.count))
            for b in list {
                w.u8(b.role.rawValue); w.u32(UInt32(b.layout.frameworkRank))
                w.u32(UInt32(b.layout.storedAxes.count))
                for a in b.layout.storedAxes { w.i32(a) }
            }
        }
        w.u32(UInt32(classes.count))
        for c in classes { w.string(c) }
        w.u8(labelMapping.rawValue)
        // Written last, and only when present, so contracts without a gate keep the
        // bytes they had before gates existed.
        if let gate = rr?.gate {
            w.u8(1)
            w.u32(UInt32(gate.weights.count))
            for x in gate.weights + gate.absoluteWeights { w.f32(x) }
            w.f32(gate.bias); w.u32(UInt32(gate.classIndex))
        }
        return w.bytes
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(PackageError) -> InputContract {
        var r = ByteReader(bytes, context: "input contract")
        func fail(_ why: String) -> PackageError { .malformed("input contract", why) }
        func string(_ what: String) throws(PackageError) -> String {
            let s = try r.string()
            if s.utf8.count > Limits.stringBytes { throw fail("\(what) is longer than \(Limits.stringBytes) bytes") }
            return s
        }
        let rate = Int(try r.u32())
        let lead = try string("lead name")
        let gain = try r.f32()
        let conditioning = Conditioning(highPassHz: try r.f32(), lowPassHz: try r.f32(), mainsHz: try r.f32())
        var window: BeatWindow?
        if try r.bool() { window = BeatWindow(length: Int(try r.u32()), rPeakIndex: Int(try r.u32())) }
        var rr: RRFeatureSet?
        if try r.bool() {
            let n = try r.count(minimumItemBytes: 11)
            if n > Limits.rrFeatures.upperBound { throw fail("\(n) RR features (at most \(Limits.rrFeatures.upperBound))") }
            var features: [RRFeature] = [], mean: [Float] = [], std: [Float] = []
            for _ in 0..<n {
                let kind = try r.u8(), a = try r.u8(), b = try r.u8()
                func interval(_ raw: UInt8) throws(PackageError) -> RRInterval {
                    guard let i = RRInterval(rawValue: raw) else { throw fail("unknown RR interval \(raw)") }
                    return i
                }
                switch kind {
                case 0: features.append(.ratio(try interval(a), try interval(b)))
                case 1: features.append(.seconds(try interval(a)))
                case 2:
                    guard let m = Morphology(rawValue: a) else { throw fail("unknown morphology feature \(a)") }
                    features.append(.morphology(m))
                default: throw fail("unknown RR feature kind \(kind)")
                }
                mean.append(try r.f32()); std.append(try r.f32())
            }
            rr = RRFeatureSet(features: features, mean: mean, std: std, localCount: Int(try r.u32()), longCount: Int(try r.u32()))
        }
        var lists: [[Binding]] = []
        for _ in 0..<2 {
            let n = try r.count(minimumItemBytes: 9)
            var list: [Binding] = []
            for _ in 0..<n {
                let rawRole = try r.u8()
                guard let role = Role(rawValue: rawRole) else { throw fail("unknown tensor role \(rawRole)") }
                let frameworkRank = Int(try r.u32())
                let axes = try r.count(minimumItemBytes: 4)
                if axes > 9 { throw fail("a layout of \(axes) axes") }
                var stored: [Int] = []
                for _ in 0..<axes { stored.append(try r.i32()) }
                list.append(Binding(role: role, layout: Layout(storedAxes: stored, frameworkRank: frameworkRank)))
            }
            lists.append(list)
        }
        let classCount = try r.count(minimumItemBytes: 4)
        if classCount > Limits.classes.upperBound { throw fail("\(classCount) classes (at most \(Limits.classes.upperBound))") }
        var classes: [String] = []
        for _ in 0..<classCount { classes.append(try string("class name")) }
        let rawMapping = try r.u8()
        guard let mapping = LabelMapping(rawValue: rawMapping) else { throw fail("unknown label mapping \(rawMapping)") }
        if r.remaining > 0 {
            let tag = try r.u8()
            if tag != 1 { throw fail("unknown trailing part \(tag)") }
            guard rr != nil else { throw fail("a gate without beat features") }
            let n = try r.count(minimumItemBytes: 4)
            if n > Limits.rrFeatures.upperBound { throw fail("a gate of \(n) weights (at most \(Limits.rrFeatures.upperBound))") }
            var weights: [Float] = [], absoluteWeights: [Float] = []
            for _ in 0..<n { weights.append(try r.f32()) }
            for _ in 0..<n { absoluteWeights.append(try r.f32()) }
            rr!.gate = Gate(weights: weights, absoluteWeights: absoluteWeights, bias: try r.f32(), classIndex: Int(try r.u32()))
        }
        if r.remaining != 0 { throw fail("\(r.remaining) unexpected trailing bytes") }
        return InputContract(sampleRate: rate, lead: lead, adcGain: gain, conditioning: conditioning, window: window, rr: rr,
                             inputs: lists[0], outputs: lists[1], classes: classes, labelMapping: mapping)
    }
}
