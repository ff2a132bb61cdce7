/// A share written as a percentage or a fraction, as config values (`overlap`, `error_ratio < 1%`)
/// and command-line tolerances take it.
public enum ShareSyntax {
    /// `30%` or `0.3` as 0.3; nil when `text` is neither.
    public static func parse(_ text: String) -> Double? {
        text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
    }
}
