import Foundation

/// Runs a program to completion and captures what it printed.
struct Command {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> Output {
        let (status, stdout, stderr) = try execute(executable, arguments, stdin: stdin)
        return Output(status: status, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// What the program wrote to stdout, byte for byte.
    static func runRaw(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> Data {
        try execute(executable, arguments, stdin: stdin).1
    }

    private static func execute(_ executable: String, _ arguments: [String], stdin: Data?) throws -> (Int32, Data, Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        if let stdin {
            let inURL = directory.appendingPathComponent("stdin")
            try stdin.write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        // Polled: Foundation's waitUntilExit spins a CPU while it waits.
        while process.isRunning { usleep(2_000) }
        return (
            process.terminationStatus,
            FileManager.default.contents(atPath: outURL.path) ?? Data(),
            FileManager.default.contents(atPath: errURL.path) ?? Data()
        )
    }
}
