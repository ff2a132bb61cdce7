/// Failure messages as soak groups them: libcurl's words with the numbers that change from one
/// failure to the next written as N (`after 3 ms`, `with 990 bytes remaining`, `5001 milliseconds`),
/// so the same failure is one entry in the failures table and one sample on the status page.
enum FailureMessage {
    static func normalized(_ message: String) -> String {
        message.replacing(#/\b\d+( ms\b| milliseconds\b| bytes\b| out of )/#) { "N" + $0.output.1 }
    }
}
