import Foundation
import VigilRuntime
import VigilSignal

/// The RR features a model was trained on: named quotients of `RRFeatures` (or one
/// interval in seconds), each standardized as (x − mean) / std. `vigil dataset beats`
/// writes pre/long, post/long, local/long, pre/post unstandardized (`/rr_normalized`);
/// the reference model (`Models/arrhythmia/train_reference.py`) takes pre/local,
/// post/local, pre/post, local_s standardized with its training set's statistics, as
/// `rr_normalization.json` records. Feeding a model features of another form
/// would calibrate ranges it never sees.
public struct RRNormalization: Sendable {
    public enum Interval: String, Sendable { case pre, post, local, long }
    public enum Feature: Sendable {
        case ratio(Interval, Interval)
        case seconds(Interval)
    }

    public var names: [String]
    public var features: [Feature]
    public var mean: [Float]
    public var std: [Float]

    /// The `/rr_normalized` columns of `vigil dataset beats`, as they are.
    public static let dataset = RRNormalization(names: ["pre/long", "post/long", "local/long", "pre/post"],
                                         features: [.ratio(.pre, .long), .ratio(.post, .long), .ratio(.local, .long), .ratio(.pre, .post)],
                                         mean: [0, 0, 0, 0], std: [1, 1, 1, 1])

    /// Parses feature names; missing statistics mean no standardization.
    public static func parse(names: [String], mean: [Float]?, std: [Float]?, source: String) throws(DatasetError) -> RRNormalization {
        func fail(_ why: String) -> DatasetError { DatasetError("\(source): \(why)") }
        guard !names.isEmpty else { throw fail("\"features\" is empty") }
        var features: [Feature] = []
        for name in names {
            let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 2, let a = Interval(rawValue: parts[0]), let b = Interval(rawValue: parts[1]) {
                features.append(.ratio(a, b))
            } else if name.hasSuffix("_s"), let a = Interval(rawValue: String(name.dropLast(2))) {
                features.append(.seconds(a))
            } else {
                throw fail("unknown RR feature '\(name)'; use A/B (a ratio) or A_s (seconds) with A, B one of pre, post, local, long")
            }
        }
        let mean = mean ?? [Float](repeating: 0, count: names.count)
        let std = std ?? [Float](repeating: 1, count: names.count)
        guard mean.count == names.count, std.count == names.count else {
            throw fail("\"mean\" and \"std\" need \(names.count) values each, one per feature")
        }
        guard mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw fail("\"mean\" must be finite and \"std\" finite and positive")
        }
        return RRNormalization(names: names, features: features, mean: mean, std: std)
    }

    /// Reads `{"features": [...], "mean": [...], "std": [...]}` (mean and std optional);
    /// `option` names the file in messages.
    public static func load(_ path: String, option: String = "--rr-normalization") throws(DatasetError) -> RRNormalization {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw DatasetError("\(option): \(path): cannot read JSON: \(error.localizedDescription)")
        }
        let source = "\(option): \(path)"
        guard let dict = object as? [String: Any], let names = dict["features"] as? [String] else {
            throw DatasetError("\(source): expected an object with \"features\" (a list of names) and optional \"mean\" and \"std\"")
        }
        func numbers(_ key: String) throws(DatasetError) -> [Float]? {
            guard let value = dict[key] else { return nil }
            guard let list = value as? [NSNumber] else { throw DatasetError("\(source): \"\(key)\" must be a list of numbers") }
            return list.map { $0.floatValue }
        }
        return try parse(names: names, mean: numbers("mean"), std: numbers("std"), source: source)
    }

    public func values(_ rr: RRFeatures) -> [Float] {
        func seconds(_ i: Interval) -> Float {
            switch i { case .pre: rr.preRR; case .post: rr.postRR; case .local: rr.localRR; case .long: rr.longRR }
        }
        return features.indices.map { k in
            let x: Float
            switch features[k] {
            case .ratio(let a, let b): x = seconds(a) / seconds(b)
            case .seconds(let a): x = seconds(a)
            }
            return (x - mean[k]) / std[k]
        }
    }

    public var summary: String {
        let standardized = mean.contains { $0 != 0 } || std.contains { $0 != 1 }
        return names.joined(separator: ", ") + (standardized ? " (standardized)" : "")
    }
}
