import Foundation
import VigilHDF5

/// Where a model's variables live and how a layer's are found:
///
/// - legacy HDF5: `model_weights/<layer name>/` lists its datasets, in order, in
///   the `weight_names` attribute (split into `weight_names0`, `weight_names1`, …
///   when long); each dataset is `model_weights/<layer name>/<weight name>`.
/// - `.keras`: `model.weights.h5` files layer i of `model.layers` under
///   `layers/<snake-cased class name, numbered>/vars/0, 1, …`, a recurrent layer's
///   under `…/cell/vars/…`. Keras 3 also records the layer name as the `name`
///   attribute of `vars`, which is checked when present.
struct KerasWeightStore {
    enum Layout {
        case legacy
        case archive
    }

    let file: HDF5File
    let layout: Layout
    /// The path the user gave, for error messages (the archive's weights are read
    /// from a temporary copy).
    let path: String

    /// Largest variable accepted: guards the allocation against corrupted dimensions.
    static let maximumElements = 1 << 28

    /// The layer's variables in the order of `specs`. Every spec must be stored, and
    /// nothing else may be.
    func weights(of layer: KerasLayer, _ specs: [KerasWeightSpec]) throws(ImportError) -> [KerasWeight] {
        let stored = try storedDatasets(of: layer)
        let expected = specs.map(\.name).joined(separator: ", ")
        switch layout {
        case .archive:
            if stored.count != specs.count {
                let reason = stored.count < specs.count ? "missing weights" : "unexpected extra weights"
                throw .malformedFile(path: path, reason: "\(reason) for layer '\(layer.name)' (\(layer.className)): expected \(specs.count) (\(expected)), found \(stored.count) under '\(layer.archivePath)'")
            }
            var out: [KerasWeight] = []
            for (spec, dataset) in zip(specs, stored) {
                out.append(try read(dataset.path, name: layer.name + "/" + spec.name))
            }
            return out
        case .legacy:
            var out: [KerasWeight] = []
            for spec in specs {
                guard let dataset = stored.first(where: { spec.matches($0.name) }) else {
                    throw .malformedFile(path: path, reason: "missing weight '\(spec.name)' of layer '\(layer.name)' (\(layer.className)); the file stores [\(stored.map(\.name).joined(separator: ", "))], the layer needs [\(expected)]")
                }
                out.append(try read(dataset.path, name: layer.name + "/" + spec.name))
            }
            if stored.count != specs.count {
                let extra = stored.filter { d in !specs.contains { $0.matches(d.name) } }.map(\.name)
                throw .unsupportedAttribute(node: layer.name, reason: "the layer stores weights Vigil does not know how to use: [\(extra.joined(separator: ", "))] (expected only \(expected))")
            }
            return out
        }
    }

    // MARK: Locating datasets

    private struct StoredDataset {
        /// The variable's name without scope or ":0" (legacy), or its index (archive).
        var name: String
        var path: String
    }

    private func storedDatasets(of layer: KerasLayer) throws(ImportError) -> [StoredDataset] {
        switch layout {
        case .legacy: return try legacyDatasets(of: layer)
        case .archive: return try archiveDatasets(of: layer)
        }
    }

    private func legacyDatasets(of layer: KerasLayer) throws(ImportError) -> [StoredDataset] {
        let root = file.exists("/model_weights") ? "/model_weights" : "/"
        let groupName = layer.wrapper?.group ?? layer.name
        let group = root == "/" ? "/" + groupName : root + "/" + groupName
        guard file.isGroup(group) else {
            throw .malformedFile(path: path, reason: "missing weights: no group '\(group)' for layer '\(layer.name)' (\(layer.className))")
        }
        var names = try stringList("weight_names", of: group)
        if let scope = layer.wrapper?.scope { names = names.filter { $0.split(separator: "/").contains(Substring(scope)) } }
        var out: [StoredDataset] = []
        for full in names {
            let dataset = group + "/" + full
            guard file.exists(dataset), !file.isGroup(dataset) else {
                throw .malformedFile(path: path, reason: "missing weights: '\(dataset)' is listed in weight_names of layer '\(layer.name)' but not stored")
            }
            var short = full.split(separator: "/").last.map(String.init) ?? full
            if let colon = short.lastIndex(of: ":") { short = String(short[..<colon]) }
            out.append(StoredDataset(name: short, path: dataset))
        }
        return out
    }

    private func archiveDatasets(of layer: KerasLayer) throws(ImportError) -> [StoredDataset] {
        let group = try archiveGroup(of: layer)
        var vars = group + "/vars"
        if datasetCount(vars) == 0 && file.isGroup(group + "/cell/vars") { vars = group + "/cell/vars" }
        guard file.isGroup(vars) else { return [] }
        let children: [String]
        do { children = try file.children(of: vars) } catch { throw hdf5(error) }
        // Children come in name order ("10" before "2"); Keras numbers them 0, 1, 2, ….
        var indexed: [(Int, String)] = []
        for child in children {
            guard let i = Int(child) else {
                throw .malformedFile(path: path, reason: "unexpected entry '\(vars)/\(child)' among the variables of layer '\(layer.name)'")
            }
            indexed.append((i, child))
        }
        indexed.sort { $0.0 < $1.0 }
        for (position, entry) in indexed.enumerated() where entry.0 != position {
            throw .malformedFile(path: path, reason: "missing weights: variable \(position) of layer '\(layer.name)' (\(layer.className)) is not stored under '\(vars)'")
        }
        return indexed.map { StoredDataset(name: $0.1, path: vars + "/" + $0.1) }
    }

    /// The layer's group, found by Keras' numbering; when Keras 3 recorded layer
    /// names, they must agree, and a disagreement is resolved by name.
    private func archiveGroup(of layer: KerasLayer) throws(ImportError) -> String {
        let expected = "/" + layer.archivePath
        // An inner layer records its own name; its path under the wrapper locates it.
        if layer.wrapper != nil {
            guard file.isGroup(expected) else { throw .malformedFile(path: path, reason: "missing weights: no group '\(expected)' for layer '\(layer.name)' (\(layer.className))") }
            return expected
        }
        if let recorded = recordedName(expected), recorded != layer.name {
            if let match = try groupRecording(layer.name) { return match }
            throw .malformedFile(path: path, reason: "missing weights: '\(expected)' holds layer '\(recorded)', and no group holds layer '\(layer.name)'")
        }
        if file.isGroup(expected) { return expected }
        if let match = try groupRecording(layer.name) { return match }
        throw .malformedFile(path: path, reason: "missing weights: no group '\(expected)' for layer '\(layer.name)' (\(layer.className))")
    }

    private func recordedName(_ group: String) -> String? {
        guard file.hasAttribute("name", of: group + "/vars") else { return nil }
        return (try? file.storedStrings("name", of: group + "/vars"))?.first
    }

    private func groupRecording(_ name: String) throws(ImportError) -> String? {
        guard file.isGroup("/layers") else { return nil }
        let children: [String]
        do { children = try file.children(of: "/layers") } catch { throw hdf5(error) }
        return children.map { "/layers/" + $0 }.first { recordedName($0) == name }
    }

    private func datasetCount(_ group: String) -> Int {
        guard file.isGroup(group), let children = try? file.children(of: group) else { return 0 }
        return children.count
    }

    // MARK: Reading

    private func read(_ dataset: String, name: String) throws(ImportError) -> KerasWeight {
        let shape: [Int]
        do { shape = try file.shape(of: dataset) } catch { throw hdf5(error) }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            if d < 0 || overflow || product > Self.maximumElements {
                throw .malformedFile(path: path, reason: "weight '\(name)' ('\(dataset)') has an implausible shape \(shape)")
            }
            count = product
        }
        let values: [Float]
        do { values = try file.read(dataset, as: Float.self).values } catch { throw hdf5(error) }
        if values.count != count { throw .malformedFile(path: path, reason: "weight '\(name)': read \(values.count) values for shape \(shape)") }
        for v in values where !v.isFinite { throw .nonFiniteWeights(tensor: name) }
        return KerasWeight(name: name, shape: shape, values: values)
    }

    /// A string-list attribute that Keras may have split into `name0`, `name1`, …
    /// (an empty list is a zero-length number array, which reads as no strings).
    private func stringList(_ name: String, of object: String) throws(ImportError) -> [String] {
        do throws(HDF5Error) {
            if file.hasAttribute(name, of: object) {
                return try file.storedStrings(name, of: object)
            }
            var out: [String] = []
            var chunk = 0
            while file.hasAttribute("\(name)\(chunk)", of: object) {
                out += try file.storedStrings("\(name)\(chunk)", of: object)
                chunk += 1
            }
            if chunk == 0 { throw HDF5Error.notFound(file: path, object: object + "@" + name) }
            return out
        } catch {
            throw hdf5(error)
        }
    }

    /// An HDF5 failure, named by the user's file rather than a temporary copy.
    private func hdf5(_ error: HDF5Error) -> ImportError {
        let reason = file.path == path ? error.description : error.description.replacingOccurrences(of: file.path, with: "model.weights.h5")
        return .malformedFile(path: path, reason: reason)
    }
}
