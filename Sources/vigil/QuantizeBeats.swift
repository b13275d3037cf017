import Foundation
import VigilRuntime
import VigilSignal
import VigilSignalCore

/// The RR features a model was trained on: named quotients of `RRFeatures` (or one
/// interval in seconds), each standardized as (x − mean) / std. `vigil dataset beats`
/// writes pre/long, post/long, local/long, pre/post unstandardized (`/rr_normalized`);
/// the reference model (`Models/arrhythmia/train_reference.py`) takes pre/local,
/// post/local, pre/post, local_s standardized with its training set's statistics, as
/// `rr_normalization.json` records. Feeding a model features of another form
/// would calibrate ranges it never sees.
struct RRNormalization {
    enum Interval: String { case pre, post, local, long }
    enum Feature {
        case ratio(Interval, Interval)
        case seconds(Interval)
    }

    var names: [String]
    var features: [Feature]
    var mean: [Float]
    var std: [Float]

    /// The `/rr_normalized` columns of `vigil dataset beats`, as they are.
    static let dataset = RRNormalization(names: ["pre/long", "post/long", "local/long", "pre/post"],
                                         features: [.ratio(.pre, .long), .ratio(.post, .long), .ratio(.local, .long), .ratio(.pre, .post)],
                                         mean: [0, 0, 0, 0], std: [1, 1, 1, 1])

    /// Parses feature names; missing statistics mean no standardization.
    static func parse(names: [String], mean: [Float]?, std: [Float]?, source: String) throws -> RRNormalization {
        func fail(_ why: String) -> CLIError { CLIError("\(source): \(why)") }
        guard !names.isEmpty else { throw fail("\"features\" is empty") }
        let features: [Feature] = try names.map { name in
            let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 2, let a = Interval(rawValue: parts[0]), let b = Interval(rawValue: parts[1]) { return .ratio(a, b) }
            if name.hasSuffix("_s"), let a = Interval(rawValue: String(name.dropLast(2))) { return .seconds(a) }
            throw fail("unknown RR feature '\(name)'; use A/B (a ratio) or A_s (seconds) with A, B one of pre, post, local, long")
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

    /// Reads `{"features": [...], "mean": [...], "std": [...]}` (mean and std optional).
    static func load(_ path: String) throws -> RRNormalization {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw CLIError("--rr-normalization: \(path): cannot read JSON: \(error.localizedDescription)")
        }
        let source = "--rr-normalization: \(path)"
        guard let dict = object as? [String: Any], let names = dict["features"] as? [String] else {
            throw CLIError("\(source): expected an object with \"features\" (a list of names) and optional \"mean\" and \"std\"")
        }
        func numbers(_ key: String) throws -> [Float]? {
            guard let value = dict[key] else { return nil }
            guard let list = value as? [NSNumber] else { throw CLIError("\(source): \"\(key)\" must be a list of numbers") }
            return list.map { $0.floatValue }
        }
        return try parse(names: names, mean: numbers("mean"), std: numbers("std"), source: source)
    }

    func values(_ rr: RRFeatures) -> [Float] {
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

    var summary: String {
        let standardized = mean.contains { $0 != 0 } || std.contains { $0 != 1 }
        return names.joined(separator: ", ") + (standardized ? " (standardized)" : "")
    }
}

/// Model inputs from a folder of WFDB records, through the signal chain the device
/// runs and `vigil dataset beats` exports: the lead resampled to `rate`, the causal
/// 0.5–40 Hz conditioning, windows around each R peak, RR features from the R-peak
/// list. A model input of shape [W, 1] takes the W-sample beat windows, an input of
/// shape [F] the F RR features; a model with any other input cannot be fed beats.
struct WFDBBeatSource {
    enum Centers: String { case reference, detected }

    var centers: Centers = .reference
    var lead = "MLII"
    var rate = 256
    var rPeakIndex = 90
    var rr: RRNormalization = .dataset
    var mapping: AAMIMapping = .deChazal

    /// Which model input takes what.
    enum Role { case window(length: Int), rr }

    /// Each model input's role, or an error naming the input that fits neither.
    func roles(_ graph: Graph, option: String) throws -> [Role] {
        var roles: [Role] = []
        for (i, id) in graph.inputs.enumerated() {
            let t = graph.tensors[id]
            let role: Role
            if t.shape.count == 2, t.shape[1] == 1, t.shape[0] > rPeakIndex {
                role = .window(length: t.shape[0])
            } else if t.shape == [rr.features.count] {
                role = .rr
            } else {
                throw CLIError("\(option): the model's input \(i) '\(t.name)' has shape \(t.shape); beats from WFDB records feed a window [W, 1] (W > the R-peak index \(rPeakIndex)) and \(rr.features.count) RR features [\(rr.features.count)] (\(rr.names.joined(separator: ", ")))")
            }
            if let earlier = roles.firstIndex(where: { $0.sameKind(as: role) }) {
                throw CLIError("\(option): the model's inputs \(earlier) and \(i) would both take \(role.what); WFDB beats give one beat window and one RR feature vector per beat")
            }
            roles.append(role)
        }
        return roles
    }

    /// The beats of `records` in `folder`, as model inputs. Labels (AAMI classes in
    /// `mapping`) come from the reference annotations when every record has them;
    /// then beats without a class (no reference beat within 150 ms of a detection,
    /// or a code the mapping leaves out, such as Q's `?` under de Chazal) are left
    /// out, as `train_reference.py` leaves them out. `limit` > 0 keeps that many
    /// beats, spread evenly over the records and within each record (deterministic).
    func load(folder: String, records requested: [String], limit: Int, for graph: Graph, option: String) throws -> QuantizeDataset {
        let roles = try roles(graph, option: option)
        let names = try recordNames(folder, requested: requested, option: option)
        var perRecord: [(windows: [[Float]], rr: [[Float]], labels: [Int]?)] = []
        let windowLength = roles.compactMap { if case .window(let w) = $0 { w } else { nil } }.first ?? rPeakIndex + 1
        let shape = BeatWindowShape(length: windowLength, rPeakIndex: rPeakIndex)
        let tolerance = Int(0.150 * Double(rate))
        for name in names {
            let signal: ECGRecordSignal
            do { signal = try ECGRecordSignal.load(folder + "/" + name, lead: lead, rate: rate) } catch {
                throw CLIError("\(option): \(error)")
            }
            let reference = signal.annotations?.filter { $0.code.isBeat }
            let peaks: [Int]
            switch centers {
            case .reference:
                guard let reference else {
                    throw CLIError("\(option): \(folder)/\(name).atr: no reference annotations; use --centers detected for records without them")
                }
                peaks = reference.map(\.sample)
            case .detected:
                peaks = signal.detectQRS().map(\.sample)
            }
            let conditioned = ECGFilters.conditioning(sampleRate: Double(rate)).processed(signal.samples)
            let beats = BeatBatch.beats(conditioned: conditioned, rPeaks: peaks, shape: shape, rr: RRConfiguration(sampleRate: Double(rate)))
            var windows: [[Float]] = [], features: [[Float]] = [], labels: [Int] = []
            let matches = reference.map { BeatLabels.nearest(beats.map(\.sample), in: $0, tolerance: tolerance) }
            for (k, beat) in beats.enumerated() {
                if let matches {
                    guard let label = matches[k]?.code.aamiClass(mapping) else { continue }
                    labels.append(Int(label.rawValue))
                }
                windows.append(beat.window)
                features.append(rr.values(beat.rr))
            }
            perRecord.append((windows, features, matches == nil ? nil : labels))
        }
        let labelled = perRecord.allSatisfy { $0.labels != nil }
        let quotas = WFDBBeatSource.quotas(perRecord.map(\.windows.count), limit: limit)
        var inputs = [[Float]](repeating: [], count: roles.count)
        var labels: [Int] = []
        for (record, quota) in zip(perRecord, quotas) {
            for k in WFDBBeatSource.evenlySpaced(quota, of: record.windows.count) {
                for (i, role) in roles.enumerated() {
                    switch role {
                    case .window: inputs[i] += record.windows[k]
                    case .rr: inputs[i] += record.rr[k]
                    }
                }
                if labelled { labels.append(record.labels![k]) }
            }
        }
        let count = quotas.reduce(0, +)
        guard count > 0 else {
            throw CLIError("\(option): no beats in \(names.count) record(s) of \(folder) (windows need \(rPeakIndex) samples before and \(shape.samplesAfterPeak) after each R peak)")
        }
        let recordCount = quotas.filter { $0 > 0 }.count
        let description = "\(count) beats from \(recordCount) record(s) of \(folder) (\(centers == .reference ? "reference annotations" : "detected R peaks"), lead \(lead), \(rate) Hz; RR features \(rr.summary)\(labelled ? "; labels AAMI \(mapping.rawValue)" : ""))"
        return QuantizeDataset(inputs: inputs, count: count, labels: labelled ? labels : nil, source: description)
    }

    /// The requested records (commas or repeats), or every record in `folder`.
    private func recordNames(_ folder: String, requested: [String], option: String) throws -> [String] {
        let names = requested.flatMap { $0.split(separator: ",").map(String.init) }
        if !names.isEmpty { return names }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let found = entries.filter { $0.hasSuffix(".hea") }.map { String($0.dropLast(4)) }.sorted()
        guard !found.isEmpty else { throw CLIError("\(option): \(folder): no WFDB records (.hea files)") }
        return found
    }

    /// Beats per record, at most `limit` in all (0: every beat), spread evenly:
    /// records with fewer beats than an equal share give the rest to the others.
    static func quotas(_ available: [Int], limit: Int) -> [Int] {
        guard limit > 0 else { return available }
        var quotas = [Int](repeating: 0, count: available.count)
        var remaining = limit
        let order = available.indices.sorted { (available[$0], $0) < (available[$1], $1) }
        for (position, r) in order.enumerated() {
            let share = remaining / (order.count - position)
            quotas[r] = min(available[r], share)
            remaining -= quotas[r]
        }
        return quotas
    }

    /// `k` indices spread evenly over 0..<n (the middle of each of k equal stretches).
    static func evenlySpaced(_ k: Int, of n: Int) -> [Int] {
        k >= n ? Array(0..<n) : (0..<k).map { (2 * $0 + 1) * n / (2 * k) }
    }
}

extension WFDBBeatSource.Role {
    func sameKind(as other: Self) -> Bool {
        switch (self, other) {
        case (.window, .window), (.rr, .rr): true
        default: false
        }
    }

    var what: String {
        switch self {
        case .window: "beat windows"
        case .rr: "RR features"
        }
    }
}

/// Labels for beats at arbitrary positions: the nearest reference beat within a tolerance.
enum BeatLabels {
    /// For each of `samples` (ascending), the nearest of `reference` (ascending) within
    /// `tolerance` samples, or nil; one forward pass over both lists.
    static func nearest(_ samples: [Int], in reference: [Annotation], tolerance: Int) -> [Annotation?] {
        var j = 0
        return samples.map { s in
            while j + 1 < reference.count && abs(reference[j + 1].sample - s) <= abs(reference[j].sample - s) { j += 1 }
            return reference.indices.contains(j) && abs(reference[j].sample - s) <= tolerance ? reference[j] : nil
        }
    }
}
