import Testing
@testable import VigilRuntime
import VigilReferenceModel

@Suite("Input contract and self-test")
struct InputContractTests {
    /// The DESIGN §11 model: input 0 the beat window [256, 1], input 1 four RR features,
    /// output five class scores.
    static func package() throws -> ModelPackage {
        let graph = try ReferenceModel.arrhythmia().validated().optimized()
        let rr = InputContract.RRFeatureSet(features: [.ratio(.pre, .local), .ratio(.post, .local), .ratio(.pre, .post), .seconds(.local)],
                                            mean: [1, 1, 1, 0.8], std: [0.15, 0.5, 0.35, 0.25], localCount: 10, longCount: 256)
        let contract = InputContract(sampleRate: 256, lead: "MLII", adcGain: 200, window: .init(length: 256, rPeakIndex: 90), rr: rr,
                                     inputs: [.init(role: .beatWindow, layout: .native(rank: 3)), .init(role: .rrFeatures, layout: .native(rank: 2))],
                                     outputs: [.init(role: .classScores, layout: .native(rank: 2))],
                                     classes: ["N", "S", "V", "F", "Q"], labelMapping: .aamiDeChazal)
        var package = ModelPackage(manifest: Manifest(name: "reference"), graph: graph, inputContract: contract)
        let interpreter = try Interpreter<PortableKernels>(graph: graph, batch: 3)
        for i in graph.inputs.indices {
            let x = interpreter.input(i)
            for k in x.indices { x[k] = Float((k * 7919 + i * 31) % 200) / 100 - 1 }
        }
        interpreter.invoke()
        package.golden = GoldenVectors(batch: 3, inputs: graph.inputs.indices.map { Array(interpreter.inputBytes($0)) },
                                       outputs: graph.outputs.indices.map { Array(interpreter.outputBytes($0)) }, tolerance: 1e-5)
        return package
    }

    @Test func theContractSurvivesThePackageFile() throws {
        let package = try Self.package()
        let decoded = try ModelPackage.decode(package.encoded())
        #expect(decoded.inputContract == package.inputContract)
        #expect(decoded.manifest.digests.contains { $0.kind == .contract })
        #expect(decoded.contract.isBeatClassifier)
    }

    @Test func aPackageWithoutAContractGetsAPlainOne() throws {
        var package = try Self.package()
        package.inputContract = nil
        let decoded = try ModelPackage.decode(package.encoded())
        #expect(decoded.inputContract == nil)
        #expect(decoded.contract.inputs.map(\.role) == [.values, .values])
        #expect(!decoded.contract.isBeatClassifier)
    }

    /// RR features computed by hand: pre 0.8 s, post 1.0 s, local 0.9 s, long 1.0 s.
    @Test func rrFeaturesAreStandardizedAsStated() {
        let set = InputContract.RRFeatureSet(features: [.ratio(.pre, .post), .seconds(.local)], mean: [0.5, 1], std: [2, 0.5])
        let v = set.values(pre: 0.8, post: 1.0, local: 0.9, long: 1.0)
        #expect(abs(v[0] - (0.8 - 0.5) / 2) < 1e-6)
        #expect(abs(v[1] - (0.9 - 1) / 0.5) < 1e-6)
        #expect(InputContract.RRFeature.named("pre/long") == .ratio(.pre, .long))
        #expect(InputContract.RRFeature.named("local_s") == .seconds(.local))
        for bad in ["", "pre", "pre/", "/long", "pre/longer", "x_s", "_s", "pre/long/post"] {
            #expect(InputContract.RRFeature.named(bad) == nil, "'\(bad)' parsed")
        }
    }

    /// Each of these contracts is wrong in one way; the reader must refuse every one.
    @Test func contractsThatCannotBeTrueAreRefused() throws {
        let good = try Self.package()
        var cases: [(String, (inout InputContract) -> Void)] = [
            ("zero rate", { $0.sampleRate = 0 }),
            ("huge rate", { $0.sampleRate = 1_000_000_000 }),
            ("negative gain", { $0.adcGain = -1 }),
            ("NaN gain", { $0.adcGain = .nan }),
            ("low-pass above Nyquist", { $0.conditioning.lowPassHz = 200 }),
            ("high-pass above low-pass", { $0.conditioning.highPassHz = 50 }),
            ("peak outside the window", { $0.window = .init(length: 256, rPeakIndex: 256) }),
            ("window of another length", { $0.window = .init(length: 128, rPeakIndex: 60) }),
            ("zero deviation", { $0.rr!.std[0] = 0 }),
            ("infinite mean", { $0.rr!.mean[1] = .infinity }),
            ("missing deviations", { $0.rr!.std.removeLast() }),
            ("long mean over 0 intervals", { $0.rr!.longCount = 0 }),
            ("three RR features for a 4-feature input", { $0.rr!.features.removeLast(); $0.rr!.mean.removeLast(); $0.rr!.std.removeLast() }),
            ("one input binding", { $0.inputs.removeLast() }),
            ("two beat windows", { $0.inputs[1].role = .beatWindow }),
            ("class scores as an input", { $0.inputs[1].role = .classScores }),
            ("four classes for five scores", { $0.classes.removeLast() }),
            ("a layout of the wrong rank", { $0.inputs[0].layout = .native(rank: 2) }),
            ("a layout naming an axis twice", { $0.inputs[0].layout = .init(storedAxes: [0, 1, 1], frameworkRank: 3) }),
        ]
        cases.append(("no window for a window input", { $0.window = nil }))
        for (what, change) in cases {
            var package = good
            change(&package.inputContract!)
            #expect(throws: PackageError.self, "\(what) was accepted") { try ModelPackage.decode(package.encoded()) }
        }
    }

    @Test func everyTruncationOfTheContractIsRefused() throws {
        let bytes = try Self.package().inputContract!.encoded()
        for n in 0..<bytes.count {
            #expect(throws: PackageError.self) { try Array(bytes[0..<n]).withUnsafeBytes { try InputContract.decode($0) } }
        }
    }

    @Test func goldenVectorsPassOnTheReferenceKernels() throws {
        let package = try ModelPackage.decode(Self.package().encoded())
        let result = package.selfTest(kernels: PortableKernels.self)
        #expect(result.passed, "\(result.failure)")
        #expect(result.compared == 15 && result.mismatched == 0)
    }

    @Test func aChangedGoldenOutputFailsTheSelfTest() throws {
        var package = try Self.package()
        // The first score's float bits, high mantissa bit flipped: far outside 1e-5.
        package.golden!.outputs[0][2] ^= 0x40
        let result = try ModelPackage.decode(package.encoded()).selfTest(kernels: PortableKernels.self)
        #expect(!result.passed)
        #expect(result.mismatched == 1)
        #expect(result.failure.contains("differs first at element 0"))
    }

    @Test func goldenVectorsThatDoNotFitTheGraphFailTheSelfTest() throws {
        var package = try Self.package()
        package.golden!.inputs[1].removeLast()
        #expect(!package.selfTest(kernels: PortableKernels.self).passed)
        package.golden = nil
        #expect(package.selfTest(kernels: PortableKernels.self).failure == "the package has no golden vectors")
        package = try Self.package()
        package.golden!.batch = 100_000
        #expect(!package.selfTest(kernels: PortableKernels.self).passed)
    }

    /// The device figure is the plan the portable kernels make, whatever the host runs.
    @Test func resourceNeedsAreThePortablePlan() throws {
        let package = try Self.package()
        let needs = try package.resourceNeeds(kernels: PortableKernels.self)
        let plan = try Interpreter<PortableKernels>(graph: package.graph, batch: 1).plan
        #expect(needs.deviceArenaBytes == plan.arenaBytes)
        #expect(needs.macs == plan.totalMACs && needs.macs > 700_000)
        #expect(needs.constantBytes == package.graph.constantBytes)
    }

    /// The reference package with its RR features extended by a variation ratio and two
    /// morphology features (the graph's RR input widened to match is not needed: only
    /// the contract is exercised) and a gate.
    static func gatedContract() throws -> InputContract {
        var contract = try package().inputContract!
        contract.rr!.features = [.ratio(.pre, .local), .ratio(.variation, .local), .morphology(.qrsCorrelation), .morphology(.widthRatio)]
        contract.rr!.gate = InputContract.Gate(weights: [1, -2, 0.5, 0], absoluteWeights: [0.25, 0, 0, 3], bias: -1, classIndex: 0)
        return contract
    }

    @Test func morphologyFeaturesAndTheGateSurviveCoding() throws {
        let contract = try Self.gatedContract()
        let decoded = try contract.encoded().withUnsafeBytes { try InputContract.decode($0) }
        #expect(decoded == contract)
        #expect(decoded.rr!.usesMorphology)
        #expect(decoded.rr!.features.map(\.name) == ["pre/local", "variation/local", "morph:qrs_corr", "morph:qrs_width"])
        for f in decoded.rr!.features { #expect(InputContract.RRFeature.named(f.name) == f) }
        for bad in ["morph:", "morph:qrs", "morph:QRS_corr", "morph:qrs_corr_", "variation"] {
            #expect(InputContract.RRFeature.named(bad) == nil, "'\(bad)' parsed")
        }
    }

    /// Morphology values come by `Morphology` raw value; the gate's score by hand:
    /// x = [(0.8/0.9 − 1)/0.15, (0.1/0.9 − 1)/0.5, (0.95 − 1)/0.35, (1.3 − 0.8)/0.25]
    /// ≈ [−0.741, −1.778, −0.143, 2]; score = bias + (−0.741 + 0.25·0.741) + 3.556 + 0.5·(−0.143) + 3·2
    /// = bias + 8.929: 7.93 with bias −1, −0.07 with bias −9.
    @Test func featuresAndTheGateAreComputedAsStated() throws {
        var set = try Self.gatedContract().rr!
        var morphology = [Float](repeating: 0, count: InputContract.Morphology.allCases.count)
        morphology[Int(InputContract.Morphology.qrsCorrelation.rawValue)] = 0.95
        morphology[Int(InputContract.Morphology.widthRatio.rawValue)] = 1.3
        let x = set.values(pre: 0.8, post: 1, local: 0.9, long: 1, variation: 0.1, morphology: morphology)
        let expected: [Float] = [(0.8 / 0.9 - 1) / 0.15, (0.1 / 0.9 - 1) / 0.5, (0.95 - 1) / 0.35, (1.3 - 0.8) / 0.25]
        for k in 0..<4 { #expect(abs(x[k] - expected[k]) < 1e-5) }
        #expect(!x.withUnsafeBufferPointer { set.gate!.settles($0.baseAddress!) })  // score ≈ +7.93
        set.gate!.bias = -9
        #expect(x.withUnsafeBufferPointer { set.gate!.settles($0.baseAddress!) })  // ≈ −0.07
    }

    @Test func gatesThatCannotBeTrueAreRefused() throws {
        var graph = try Self.package().graph
        graph.tensors[graph.inputs[1]].shape = [4]
        let cases: [(String, (inout InputContract) -> Void)] = [
            ("three weights for four features", { $0.rr!.gate!.weights.removeLast() }),
            ("five absolute weights", { $0.rr!.gate!.absoluteWeights.append(1) }),
            ("NaN weight", { $0.rr!.gate!.weights[2] = .nan }),
            ("infinite bias", { $0.rr!.gate!.bias = .infinity }),
            ("class outside the five", { $0.rr!.gate!.classIndex = 5 }),
            ("morphology without a window", { $0.window = nil; $0.inputs[0].role = .values }),
        ]
        try Self.gatedContract().check(against: graph)
        for (what, change) in cases {
            var contract = try Self.gatedContract()
            change(&contract)
            #expect(throws: PackageError.self, "\(what) was accepted") { try contract.check(against: graph) }
        }
    }

    /// The gate is written after everything contracts had before it, so a contract
    /// cut exactly there reads as the same contract without its gate (the package's
    /// section digest refuses such a cut); every other cut is refused here.
    @Test func everyOtherTruncationOfAGatedContractIsRefused() throws {
        let contract = try Self.gatedContract()
        let bytes = contract.encoded()
        var ungated = contract
        ungated.rr!.gate = nil
        let boundary = ungated.encoded().count
        for n in 0..<bytes.count {
            let slice = Array(bytes[0..<n])
            if n == boundary {
                #expect(try slice.withUnsafeBytes { try InputContract.decode($0) } == ungated)
            } else {
                #expect(throws: PackageError.self) { try slice.withUnsafeBytes { try InputContract.decode($0) } }
            }
        }
    }

    /// Bytes no encoder writes: an unknown morphology feature, an unknown trailing part,
    /// a gate with no beat features to score. Each is refused with what is wrong.
    @Test func hostileGateAndMorphologyBytesAreRefused() throws {
        var contract = try Self.gatedContract()
        contract.rr!.features[3] = .morphology(.residual)
        let bytes = contract.encoded()
        let triple: [UInt8] = [2, InputContract.Morphology.residual.rawValue, 0]
        let at = try #require((0...(bytes.count - 3)).first { Array(bytes[$0..<($0 + 3)]) == triple })
        #expect((at + 1...(bytes.count - 3)).allSatisfy { Array(bytes[$0..<($0 + 3)]) != triple })
        func refusal(_ b: [UInt8]) -> String {
            do { _ = try b.withUnsafeBytes { try InputContract.decode($0) } } catch let error as PackageError { return error.message } catch {
                return "\(error)"
            }
            return "accepted"
        }
        var unknown = bytes
        unknown[at + 1] = 99
        #expect(refusal(unknown).contains("unknown morphology feature 99"))

        var ungated = contract
        ungated.rr!.gate = nil
        var badTag = bytes
        badTag[ungated.encoded().count] = 2
        #expect(refusal(badTag).contains("unknown trailing part 2"))

        var featureless = ungated
        featureless.rr = nil
        let gate = Array(bytes[ungated.encoded().count...])
        #expect(refusal(featureless.encoded() + gate).contains("a gate without beat features"))
    }
}
