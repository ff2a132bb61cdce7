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

    /// Started with posix_spawn, not Foundation's Process: Process.run() on Linux (in Swift 6.3.1's Foundation)
    /// reads past a dirent while it lists /proc/self/fd and now and then crashes the whole test run
    /// (swiftlang/swift-corelibs-foundation#5472), and the tests start thousands of short programs.
    private static func execute(_ executable: String, _ arguments: [String], stdin: Data?) throws -> (Int32, Data, Data) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outPath = directory.appendingPathComponent("stdout").path
        let errPath = directory.appendingPathComponent("stderr").path
        var inPath = "/dev/null"
        if let stdin {
            inPath = directory.appendingPathComponent("stdin").path
            try stdin.write(to: URL(fileURLWithPath: inPath))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // The child starts with no signal blocked and every signal at its default, whatever the test runner set.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        sigfillset(&signals)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw HTTP.Failure(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // As Foundation reports it: the exit code, or the number of the signal that ended the program.
        let signal = status & 0x7F
        return (
            signal == 0 ? (status >> 8) & 0xFF : signal,
            FileManager.default.contents(atPath: outPath) ?? Data(),
            FileManager.default.contents(atPath: errPath) ?? Data()
        )
    }
}
