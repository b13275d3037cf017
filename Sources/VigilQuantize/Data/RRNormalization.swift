import Foundation
import VigilRuntime
import VigilSignal
import VigilSignalCore

/// The RR features a model was trained on and their standardization, as the package's
/// input contract states them (`InputContract.RRFeatureSet`). `vigil dataset beats`
/// writes pre/long, post/long, local/long, pre/post unstandardized (`/rr_normalized`,
/// `RRFeatureSet.dataset`); the reference model (`Models/arrhythmia/train_reference.py`)
/// takes pre/local, post/local, pre/post, local_s standardized with its training set's
/// statistics, which its training script writes as `rr_normalization.json`. This reads
/// such a file once, when the package is made; from then on the package carries it.
public enum RRNormalization {
    /// Parses feature names; missing statistics mean no standardization.
    public static func parse(names: [String], mean: [Float]?, std: [Float]?, source: String) throws(DatasetError) -> InputContract.RRFeatureSet {
        func fail(_ why: String) -> DatasetError { DatasetError("\(source): \(why)") }
        guard !names.isEmpty else { throw fail("\"features\" is empty") }
        var features: [InputContract.RRFeature] = []
        for name in names {
            guard let feature = InputContract.RRFeature.named(name) else {
                throw fail("unknown beat feature '\(name)'; use A/B (a ratio) or A_s (seconds) with A, B one of pre, post, local, long, variation, or morph:M with M one of \(InputContract.Morphology.allCases.map(\.name).joined(separator: ", "))")
            }
            features.append(feature)
        }
        let mean = mean ?? [Float](repeating: 0, count: names.count)
        let std = std ?? [Float](repeating: 1, count: names.count)
        guard mean.count == names.count, std.count == names.count else {
            throw fail("\"mean\" and \"std\" need \(names.count) values each, one per feature")
        }
        guard mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw fail("\"mean\" must be finite and \"std\" finite and positive")
        }
        return InputContract.RRFeatureSet(features: features, mean: mean, std: std)
    }

    /// Reads `{"features": [...], "mean": [...], "std": [...]}` (mean and std optional);
    /// `option` names the file in messages.
    public static func load(_ path: String, option: String = "--rr-normalization") throws(DatasetError) -> InputContract.RRFeatureSet {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw DatasetError("\(option): \(path): cannot read JSON: \(error.localizedDescription)")
        }
        let source = "\(option): \(path)"
        guard let dict = object as? [String: Any], let names = dict["features"] as? [String] else {
            throw DatasetError("\(source): expected an object with \"features\" (a list of names) and optional \"mean\", \"std\" and \"gate\"")
        }
        func numbers(_ key: String) throws(DatasetError) -> [Float]? {
            guard let value = dict[key] else { return nil }
            guard let list = value as? [NSNumber] else { throw DatasetError("\(source): \"\(key)\" must be a list of numbers") }
            return list.map { $0.floatValue }
        }
        var set = try parse(names: names, mean: numbers("mean"), std: numbers("std"), source: source)
        if let value = dict["gate"] {
            guard let gate = value as? [String: Any], let weights = gate["weights"] as? [NSNumber],
                  let absoluteWeights = gate["absolute_weights"] as? [NSNumber], let bias = gate["bias"] as? NSNumber,
                  let classIndex = gate["class_index"] as? Int else {
                throw DatasetError("\(source): \"gate\" must be an object with \"weights\" and \"absolute_weights\" (one per feature), \"bias\" and \"class_index\"")
            }
            guard weights.count == names.count, absoluteWeights.count == names.count, classIndex >= 0,
                  (weights + absoluteWeights).allSatisfy({ $0.floatValue.isFinite }), bias.floatValue.isFinite else {
                throw DatasetError("\(source): the gate needs \(names.count) finite weights and \(names.count) finite absolute weights, a finite bias and a class index ≥ 0")
            }
            set.gate = InputContract.Gate(weights: weights.map(\.floatValue), absoluteWeights: absoluteWeights.map(\.floatValue),
                                          bias: bias.floatValue, classIndex: classIndex)
        }
        return set
    }
}

extension InputContract.RRFeatureSet {
    /// The model inputs of one beat's RR intervals and, for a set with morphology
    /// features, its morphology.
    public func values(_ rr: RRFeatures, morphology: BeatMorphology? = nil) -> [Float] {
        values(pre: rr.preRR, post: rr.postRR, local: rr.localRR, long: rr.longRR, variation: rr.variationRR, morphology: morphology?.values)
    }

    public var names: [String] { features.map(\.name) }

    public var summary: String {
        names.joined(separator: ", ") + (isStandardized ? " (standardized)" : "")
    }
}
