public import Prometheus
import Synchronization

/// soak's metric registries: the main one, and one for each request of each scenario, merged into
/// one exposition. swift-prometheus copies a family's whole table of label sets for every series it
/// adds to it, so a family holding a series per request and failure reason grows in quadratic time:
/// 5,000 requests took 75 s (release) to register before the first request was sent. A registry per
/// request keeps every family small; `/metrics` emits them all and merges each family's samples under
/// one HELP and one TYPE line.
public final class MetricRegistries: Sendable {
    /// Everything that is not per request.
    public let main: PrometheusCollectorRegistry
    private let perRequest = Mutex<[PrometheusCollectorRegistry]>([])

    public init(main: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.main = main
    }

    /// A new registry whose series `/metrics` shows with the main registry's.
    func makeRequestRegistry() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        perRequest.withLock { $0.append(registry) }
        return registry
    }

    /// Every registry's series in the Prometheus text format, each family once.
    public func exposition() -> [UInt8] {
        let others = perRequest.withLock { $0 }
        guard !others.isEmpty else { return main.emitToBuffer() }
        var text: [UInt8] = []
        main.emit(into: &text)
        for registry in others { registry.emit(into: &text) }
        return Self.mergeFamilies(text)
    }

    /// `text` with the lines of each metric family brought together: the family's first HELP and
    /// TYPE lines, then every sample of it, families in the order they first appear.
    static func mergeFamilies(_ text: [UInt8]) -> [UInt8] {
        struct Family {
            var help: ArraySlice<UInt8>?
            var type: ArraySlice<UInt8>?
            var samples: [UInt8] = []
        }
        var order: [String] = []
        var families: [String: Family] = [:]
        var current = ""
        var start = text.startIndex
        while start < text.endIndex {
            let end = text[start...].firstIndex(of: UInt8(ascii: "\n")) ?? text.endIndex
            let line = text[start..<end]
            start = end < text.endIndex ? end + 1 : end
            let isHelp = line.starts(with: helpPrefix)
            if isHelp || line.starts(with: typePrefix) {
                let nameStart = line.startIndex + helpPrefix.count
                let nameEnd = line[nameStart...].firstIndex(of: UInt8(ascii: " ")) ?? line.endIndex
                current = String(decoding: line[nameStart..<nameEnd], as: UTF8.self)
                if families[current] == nil {
                    order.append(current)
                    families[current] = Family()
                }
                // Each registry repeats a family's HELP and TYPE; the first of each is kept.
                if isHelp {
                    if families[current]!.help == nil { families[current]!.help = line }
                } else if families[current]!.type == nil {
                    families[current]!.type = line
                }
            } else if !line.isEmpty {
                families[current, default: Family()].samples += line + [UInt8(ascii: "\n")]
            }
        }
        var merged: [UInt8] = []
        merged.reserveCapacity(text.count)
        for name in order {
            guard let family = families[name] else { continue }
            for header in [family.help, family.type] {
                if let header { merged += header + [UInt8(ascii: "\n")] }
            }
            merged += family.samples
        }
        return merged
    }

    private static let helpPrefix = Array("# HELP ".utf8)
    private static let typePrefix = Array("# TYPE ".utf8)
}
