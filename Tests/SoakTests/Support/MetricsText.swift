/// Reads samples out of a Prometheus text exposition.
enum MetricsText {
    /// The sum of the samples of `name` whose labels include `labels`; nil when none matches.
    static func value(_ text: String, _ name: String, _ labels: [String: String]) -> Double? {
        var total: Double?
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard line.hasPrefix(name), let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space]
            let sampleName = series.prefix(while: { $0 != "{" })
            guard sampleName == name else { continue }
            let labelText = series.dropFirst(sampleName.count)
            let matches = labels.allSatisfy { labelText.contains("\($0.key)=\"\($0.value)\"") }
            guard matches, let value = Double(line[line.index(after: space)...]) else { continue }
            total = (total ?? 0) + value
        }
        return total
    }
}
