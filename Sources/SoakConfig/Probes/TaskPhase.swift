/// A phase of a followed Pulp task, from its timestamps: blocked (created to unblocked), queue
/// (unblocked to started), run (started to finished) and total (created to finished). The `phase`
/// label of `soak_task_phase_duration_seconds` and the PHASE of a `pNN(PHASE)` threshold.
public enum TaskPhase: String, CaseIterable, Sendable {
    case blocked, queue, run, total
}
