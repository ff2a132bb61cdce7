/// What a ``Supervisor`` runs for one config entry: a scenario on the event loop, the probes and
/// holds of one database, one HTTP probe.
protocol Supervised: Sendable {
    /// Called by the supervisor before ``run()``, in the supervisor's order: for a replacement, before
    /// the child it replaces is told to stop. What must happen in that order starts here (a scenario
    /// replacing its old run on the event loop in one step); most children start in ``run()``.
    func start()

    /// Runs until the calling task is cancelled; returns once everything it started has stopped and
    /// written what it must (a hold's or a followed task's `interrupted` line).
    func run() async
}

extension Supervised {
    func start() {}
}
