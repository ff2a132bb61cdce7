internal import Foundation
internal import Yams

/// One threshold as written, split at its comparison: `p95 < 500ms` is `p95`, `<`, `500ms`.
struct ThresholdText {
    let text: String
    let subject: String
    let comparison: String
    let value: String

    /// Splits at the first `==`, `<` or `>`; nil when there is none, or `<=`/`>=` (never needed: latency
    /// and ratios are bounded from above, rates from below).
    init?(_ text: String) {
        let found = ["==", "<", ">"].compactMap { comparison in text.range(of: comparison).map { (comparison, $0) } }
        guard let (comparison, range) = found.min(by: { $0.1.lowerBound < $1.1.lowerBound }) else { return nil }
        let value = text[range.upperBound...]
        guard !value.hasPrefix("=") else { return nil }
        self.text = text
        self.comparison = comparison
        subject = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        self.value = value.trimmingCharacters(in: .whitespaces)
        guard !subject.isEmpty, !self.value.isEmpty else { return nil }
    }
}

extension ConfigReader {
    static let scenarioThresholdForms = #""p95 < 500ms", "p99 < 1s", "error_ratio < 1%" or "rate > 45/s""#

    /// `thresholds` of a scenario, request or database probe: `p95 < 500ms`, `p99.9 < 0.5ms`,
    /// `error_ratio < 1%` (or `0.01`), `rate > 45/s`. Every bad item is reported at its own place.
    func thresholds(_ node: Node, path: String) -> [ScenarioConfig.Threshold]? {
        thresholdList(node, path: path, forms: Self.scenarioThresholdForms) { threshold, item in
            switch (threshold.subject, threshold.comparison) {
            case ("rate", ">"):
                guard let rate = Rate(threshold.value) else {
                    report("\(path): invalid rate \"\(threshold.value)\" in \"\(threshold.text)\": \(Rate.hint)", at: item)
                    return nil
                }
                return .rate(above: rate.perSecond)
            case ("error_ratio", "<"):
                return ratio(threshold, path: path, at: item).map { .errorRatio(below: $0) }
            case (let subject, "<") where Self.percentile(subject) != nil:
                return latency(threshold, path: path, at: item, maximum: Limits.timeout).map { .latency(quantile: Self.percentile(subject)! / 100, below: $0) }
            default:
                report("\(path): invalid threshold \"\(threshold.text)\"; write \(Self.scenarioThresholdForms)", at: item)
                return nil
            }
        }
    }

    /// Reads each item of a `thresholds` list with `read`, which reports what is wrong with it; the
    /// list, or nil when any item was bad (each reported at its own place).
    func thresholdList<Threshold>(_ node: Node, path: String, forms: String, read: (ThresholdText, Node) -> Threshold?) -> [Threshold]? {
        var result: [Threshold] = []
        var valid = true
        for item in sequence(node, path: path) ?? [] {
            guard let text = string(item, path: path, expected: "a threshold such as \(forms.split(separator: ",")[0])") else {
                valid = false
                continue
            }
            guard let threshold = ThresholdText(text) else {
                report("\(path): invalid threshold \"\(text)\"; write \(forms)", at: item)
                valid = false
                continue
            }
            if let parsed = read(threshold, item) { result.append(parsed) } else { valid = false }
        }
        return valid && node.sequence != nil ? result : nil
    }

    /// `95` for `p95`, `99.9` for `p99.9`; nil when `subject` is not a percentile from p0 to p100 exclusive.
    static func percentile(_ subject: String) -> Double? {
        guard subject.hasPrefix("p"), let value = Double(subject.dropFirst()), subject.dropFirst().allSatisfy({ $0.isNumber || $0 == "." }),
            value > 0, value < 100
        else { return nil }
        return value
    }

    /// The bound of a latency threshold: a positive duration of at most `maximum`.
    func latency(_ threshold: ThresholdText, path: String, at item: Node, maximum: Duration) -> Duration? {
        guard let duration = DurationSyntax.parse(threshold.value) else {
            report("\(path): invalid duration \"\(threshold.value)\" in \"\(threshold.text)\": \(DurationSyntax.hint)", at: item)
            return nil
        }
        guard duration > .zero else {
            report("\(path): \"\(threshold.text)\" can never pass; the bound must be longer than 0", at: item)
            return nil
        }
        guard duration <= maximum else {
            report(
                "\(path): \(threshold.value) in \"\(threshold.text)\" is longer than the limit of \(DurationSyntax.format(maximum)); make it shorter",
                at: item)
            return nil
        }
        return duration
    }

    /// The bound of a ratio threshold: `1%` (a percentage from 0% to 100%) or `0.01` (a fraction below
    /// 1). `1` alone could mean either, so it is refused naming both; `5` is refused suggesting `5%`.
    func ratio(_ threshold: ThresholdText, path: String, at item: Node) -> Double? {
        let text = threshold.value
        if text.hasSuffix("%") {
            guard let percent = Double(text.dropLast()), percent.isFinite, percent >= 0, percent <= 100 else {
                report("\(path): invalid ratio \"\(text)\" in \"\(threshold.text)\"; write a percentage from 0% to 100%, e.g. 1%", at: item)
                return nil
            }
            return percent / 100
        }
        guard let value = Double(text), value.isFinite, value >= 0 else {
            report("\(path): invalid ratio \"\(text)\" in \"\(threshold.text)\"; write a percentage such as 1% or a fraction below 1 such as 0.01", at: item)
            return nil
        }
        if value == 1 {
            report(
                "\(path): \"\(threshold.text)\" is ambiguous: 1 as a fraction is 100% (every request may fail), as a percentage 1%; write 100% or 1%",
                at: item)
            return nil
        }
        if value > 1 {
            report(
                "\(path): \"\(threshold.text)\": a ratio without % is a fraction below 1; write \(text)% for \(text) percent, or a fraction such as 0.05",
                at: item)
            return nil
        }
        return value
    }
}
