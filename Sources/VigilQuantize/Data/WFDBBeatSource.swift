import Foundation
import VigilRuntime
import VigilSignal
import VigilSignalCore

/// Model inputs from a folder of WFDB records, through the signal chain the device
/// runs and `vigil dataset beats` exports: the lead resampled to `rate`, the causal
/// 0.5–40 Hz conditioning, windows around each R peak, RR features from the R-peak
/// list. A model input of shape [W, 1] takes the W-sample beat windows, an input of
/// shape [F] the F RR features; a model with any other input cannot be fed beats.
public struct WFDBBeatSource: Sendable {
    public enum Centers: String, Sendable { case reference, detected }

    public var centers: Centers = .reference
    public var lead = "MLII"
    public var rate = 256
    public var rPeakIndex = 90
    /// The beat window a model without a window input is measured on (morphology features).
    public var windowLength = 256
    public var rr: InputContract.RRFeatureSet = .dataset
    public var mapping: AAMIMapping = .deChazal

    public init() {}

    /// The input contract of a model fed by this source: the rate, lead, conditioning,
    /// window and RR features it uses, each graph input's role, and class scores out
    /// (every output whose last axis holds one score per class). `classes` defaults to
    /// the AAMI classes N, S, V, F, Q (the dataset's label indices) for a model with
    /// five scores. Layouts come from `layouts`, the contract the package had.
    public func contract(for graph: Graph, classes: [String], layouts: InputContract, option: String) throws(DatasetError) -> InputContract {
        let roles = try roles(graph, option: option)
        var window: InputContract.BeatWindow?
        var inputs: [InputContract.Binding] = []
        for (i, role) in roles.enumerated() {
            let layout = layouts.inputs.indices.contains(i) ? layouts.inputs[i].layout : .native(rank: graph.tensors[graph.inputs[i]].shape.count + 1)
            switch role {
            case .window(let length):
                window = InputContract.BeatWindow(length: length, rPeakIndex: rPeakIndex)
                inputs.append(.init(role: .beatWindow, layout: layout))
            case .rr:
                inputs.append(.init(role: .rrFeatures, layout: layout))
            }
        }
        let usesRR = roles.contains { $0.sameKind(as: .rr) }
        if window == nil && usesRR && rr.usesMorphology { window = InputContract.BeatWindow(length: windowLength, rPeakIndex: rPeakIndex) }
        var names = classes
        if names.isEmpty, graph.outputs.contains(where: { graph.tensors[$0].shape.last == AAMIClass.allCases.count }) {
            names = AAMIClass.allCases.map(\.name)
        }
        let outputs: [InputContract.Binding] = graph.outputs.enumerated().map { i, id in
            let t = graph.tensors[id]
            let layout = layouts.outputs.indices.contains(i) ? layouts.outputs[i].layout : .native(rank: t.shape.count + 1)
            return .init(role: !names.isEmpty && !t.isConstant && t.shape.last == names.count ? .classScores : .values, layout: layout)
        }
        if !outputs.contains(where: { $0.role == .classScores }) {
            throw DatasetError("\(option): no model output has one score per class (\(names.count) classes: \(names.joined(separator: ", "))); name the classes with --class-names")
        }
        let contract = InputContract(sampleRate: rate, lead: lead, conditioning: .monitoring, window: window, rr: usesRR ? rr : nil,
                                     inputs: inputs, outputs: outputs, classes: names,
                                     labelMapping: mapping == .deChazal ? .aamiDeChazal : .aamiEC57)
        do { try contract.check(against: graph) } catch { throw DatasetError("\(option): \(error.message)") }
        return contract
    }

    /// Which model input takes what.
    public enum Role: Sendable { case window(length: Int), rr }

    /// Each model input's role, or an error naming the input that fits neither.
    public func roles(_ graph: Graph, option: String) throws(DatasetError) -> [Role] {
        var roles: [Role] = []
        for (i, id) in graph.inputs.enumerated() {
            let t = graph.tensors[id]
            let role: Role
            if t.shape.count == 2, t.shape[1] == 1, t.shape[0] > rPeakIndex {
                role = .window(length: t.shape[0])
            } else if t.shape == [rr.features.count] {
                role = .rr
            } else {
                throw DatasetError("\(option): the model's input \(i) '\(t.name)' has shape \(t.shape); beats from WFDB records feed a window [W, 1] (W > the R-peak index \(rPeakIndex)) and \(rr.features.count) RR features [\(rr.features.count)] (\(rr.names.joined(separator: ", ")))")
            }
            if let earlier = roles.firstIndex(where: { $0.sameKind(as: role) }) {
                throw DatasetError("\(option): the model's inputs \(earlier) and \(i) would both take \(role.what); WFDB beats give one beat window and one RR feature vector per beat")
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
    public func load(folder: String, records requested: [String], limit: Int, for graph: Graph, option: String) throws(DatasetError) -> QuantizeDataset {
        let roles = try roles(graph, option: option)
        let names = try recordNames(folder, requested: requested, option: option)
        var perRecord: [(windows: [[Float]], rr: [[Float]], labels: [Int]?)] = []
        // Without a window input the window only has to hold the R peak, unless the
        // morphology features are measured on it (the contract states `windowLength` then).
        let windowLength = roles.compactMap { if case .window(let w) = $0 { w } else { nil } }.first
            ?? (rr.usesMorphology ? self.windowLength : rPeakIndex + 1)
        if rr.usesMorphology && !MorphologyTracker.fits(windowLength: windowLength, rPeakIndex: rPeakIndex, sampleRate: Double(rate)) {
            throw DatasetError("\(option): morphology features need \(MorphologyTracker.requirement); the window has \(rPeakIndex) and \(windowLength - rPeakIndex) samples at \(rate) Hz")
        }
        let shape = BeatWindowShape(length: windowLength, rPeakIndex: rPeakIndex)
        let tolerance = Int(0.150 * Double(rate))
        for name in names {
            let signal: ECGRecordSignal
            do { signal = try ECGRecordSignal.load(folder + "/" + name, lead: lead, rate: rate) } catch {
                throw DatasetError("\(option): \(error)")
            }
            let reference = signal.annotations?.filter { $0.code.isBeat }
            let peaks: [Int]
            switch centers {
            case .reference:
                guard let reference else {
                    throw DatasetError("\(option): \(folder)/\(name).atr: no reference annotations; use --centers detected for records without them")
                }
                peaks = reference.map(\.sample)
            case .detected:
                peaks = signal.detectQRS().map(\.sample)
            }
            let conditioned = ECGFilters.conditioning(sampleRate: Double(rate)).processed(signal.samples)
            let beats = BeatBatch.beats(conditioned: conditioned, rPeaks: peaks, shape: shape, rr: RRConfiguration(sampleRate: Double(rate), localCount: rr.localCount, longCount: rr.longCount))
            var windows: [[Float]] = [], features: [[Float]] = [], labels: [Int] = []
            let matches = reference.map { BeatLabels.nearest(beats.map(\.sample), in: $0, tolerance: tolerance) }
            // Morphology is measured on every beat in order, as the device's loop does.
            var tracker = rr.usesMorphology ? MorphologyTracker(sampleRate: Double(rate), rPeakIndex: rPeakIndex) : nil
            for (k, beat) in beats.enumerated() {
                let morphology = beat.window.withUnsafeBufferPointer { tracker?.measure(window: $0.baseAddress!) }
                if let matches {
                    guard let label = matches[k]?.code.aamiClass(mapping) else { continue }
                    labels.append(Int(label.rawValue))
                }
                windows.append(beat.window)
                features.append(rr.values(beat.rr, morphology: morphology))
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
            throw DatasetError("\(option): no beats in \(names.count) record(s) of \(folder) (windows need \(rPeakIndex) samples before and \(shape.samplesAfterPeak) after each R peak)")
        }
        let recordCount = quotas.filter { $0 > 0 }.count
        let description = "\(count) beats from \(recordCount) record(s) of \(folder) (\(centers == .reference ? "reference annotations" : "detected R peaks"), lead \(lead), \(rate) Hz; RR features \(rr.summary)\(labelled ? "; labels AAMI \(mapping.rawValue)" : ""))"
        return QuantizeDataset(inputs: inputs, count: count, labels: labelled ? labels : nil, source: description)
    }

    /// The requested records (commas or repeats), or every record in `folder`.
    private func recordNames(_ folder: String, requested: [String], option: String) throws(DatasetError) -> [String] {
        let names = requested.flatMap { $0.split(separator: ",").map(String.init) }
        if !names.isEmpty { return names }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let found = entries.filter { $0.hasSuffix(".hea") }.map { String($0.dropLast(4)) }.sorted()
        guard !found.isEmpty else { throw DatasetError("\(option): \(folder): no WFDB records (.hea files)") }
        return found
    }

    /// Beats per record, at most `limit` in all (0: every beat), spread evenly:
    /// records with fewer beats than an equal share give the rest to the others.
    public static func quotas(_ available: [Int], limit: Int) -> [Int] {
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
    public static func evenlySpaced(_ k: Int, of n: Int) -> [Int] {
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
