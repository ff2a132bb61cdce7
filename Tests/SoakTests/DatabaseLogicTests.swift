import Foundation
@testable import Soak
@testable import SoakConfig
import SoakPostgres
import Testing

@Suite("Database probe logic: schedules, hold timelines, notification ledger, reasons (no sleeping)")
struct DatabaseLogicTests {
    let start = ContinuousClock.now

    @Test func probeScheduleRunsAtOnceThenOnTicksAndSkipsTicksAnOverrunMissed() {
        var schedule = ProbeSchedule(start: start, every: .seconds(10))
        // Slightly after start: tick 0 is less than an interval late, so it runs now.
        #expect(schedule.next(after: start + .milliseconds(3)) == start)
        #expect(schedule.next(after: start + .seconds(1)) == start + .seconds(10))
        // That run overran to 34 s: ticks 20 s is skipped, 30 s (4 s late) runs at once.
        #expect(schedule.next(after: start + .seconds(34)) == start + .seconds(30))
        #expect(schedule.next(after: start + .seconds(34)) == start + .seconds(40))
        // Asked early, the next tick is still the next one, never one handed out before.
        #expect(schedule.next(after: start + .seconds(35)) == start + .seconds(50))
    }

    @Test func holdPlanActsEveryIntervalAndFinishesAtTheEndOfTheHold() {
        var plan = HoldPlan(connectedAt: start, hold: .seconds(300), interval: .seconds(120))
        #expect(plan.step(at: start) == .wait(until: start + .seconds(120)))
        #expect(plan.step(at: start + .seconds(120)) == .act)
        plan.acted()
        #expect(plan.step(at: start + .seconds(121)) == .wait(until: start + .seconds(240)))
        #expect(plan.step(at: start + .seconds(250)) == .act)
        plan.acted()
        // The third beat (360 s) would be after the end: wait for the end instead.
        #expect(plan.step(at: start + .seconds(251)) == .wait(until: start + .seconds(300)))
        #expect(plan.step(at: start + .seconds(300)) == .finish)
        #expect(plan.iterations == 2)

        let idle = HoldPlan(connectedAt: start, hold: .seconds(3000), interval: nil)
        #expect(idle.step(at: start + .seconds(1)) == .wait(until: start + .seconds(3000)))
    }

    @Test func ledgerMeasuresLatencyAndCountsDuplicatesOutOfOrderMissingAndIgnoresOtherRuns() {
        var ledger = NotificationLedger(run: "abc")
        let sent = Date(timeIntervalSince1970: 1_000_000)
        func payload(_ sequence: Int) -> String { NotificationLedger.payload(run: "abc", sequence: sequence, sentAt: sent) }
        #expect(payload(7) == "soak:abc:7:1000000000000")

        #expect(ledger.record(payload: payload(1), receivedAt: sent + 0.004) == .received(latency: 0.004, outOfOrder: false))
        #expect(ledger.record(payload: payload(3), receivedAt: sent + 0.002) == .received(latency: 0.002, outOfOrder: false))
        #expect(ledger.record(payload: payload(2), receivedAt: sent + 0.5) == .received(latency: 0.5, outOfOrder: true))
        #expect(ledger.record(payload: payload(3), receivedAt: sent + 1) == .duplicate)
        #expect(ledger.record(payload: NotificationLedger.payload(run: "other", sequence: 4, sentAt: sent), receivedAt: sent) == .foreign)
        #expect(ledger.record(payload: "heartbeat_4", receivedAt: sent) == .foreign)
        #expect(ledger.received == 3 && ledger.duplicates == 1 && ledger.outOfOrder == 1)
        // 5 was acknowledged and never came; 4 timed out on soak's side and was never acknowledged.
        #expect(ledger.missing(acknowledged: [1, 2, 3, 5]) == 1)
    }

    @Test(arguments: [
        ("57P05", "terminating connection due to idle-session timeout", PostgresFailure.Reason.idleSessionTimeout),
        ("25P03", "terminating connection due to idle-in-transaction timeout", .idleInTransactionTimeout),
        ("57P01", "terminating connection due to administrator command", .adminShutdown),
        ("08P01", "client_idle_timeout (server closed the connection unexpectedly)", .serverClosed),
        (nil, "server closed the connection unexpectedly This probably means the server terminated abnormally", .serverClosed),
        (nil, "SSL connection has been closed unexpectedly", .sslError),
        (nil, "SSL SYSCALL error: EOF detected", .sslError),
        (nil, "could not receive data from server: Connection reset by peer", .network),
        (nil, "could not send data to server: Broken pipe", .network),
        (nil, "something new", .other),
    ] as [(String?, String, PostgresFailure.Reason)])
    func disconnectReasonComesFromTheSQLStateThenTheMessage(sqlstate: String?, message: String, reason: PostgresFailure.Reason) {
        #expect(PostgresFailure.disconnectReason(sqlstate: sqlstate, message: message) == reason)
    }

    @Test func connectFailuresAreClassified() {
        #expect(PostgresFailure.connectFailed(sqlstate: nil, message: #"FATAL: password authentication failed for user "pulp""#).reason == .auth)
        #expect(PostgresFailure.connectFailed(sqlstate: nil, message: "FATAL: sorry, too many clients already").reason == .tooManyConnections)
        #expect(PostgresFailure.connectFailed(sqlstate: nil, message: "FATAL: the database system is shutting down").reason == .adminShutdown)
        #expect(PostgresFailure.connectFailed(sqlstate: nil, message: "connection to server at \"127.0.0.1\", port 1 failed: Connection refused").reason == .connect)
    }

    @Test func activityStatesAndSettingUnitsBecomeLabelsAndSeconds() {
        #expect(ActivityProbe.stateLabel("idle in transaction (aborted)") == "idle_in_transaction_aborted")
        #expect(ActivityProbe.stateLabel("idle in transaction") == "idle_in_transaction")
        #expect(ActivityProbe.stateLabel("active") == "active")
        #expect(ActivityProbe.stateLabel("something new") == "unknown")
        #expect(SettingsProbe.seconds(setting: "30000", unit: "ms") == 30)
        #expect(SettingsProbe.seconds(setting: "7200", unit: "s") == 7200)
        #expect(SettingsProbe.seconds(setting: "5", unit: "min") == 300)
        #expect(SettingsProbe.seconds(setting: "on", unit: "") == nil)
    }

    @Test func holdScriptsRunWhatTheOriginalTestsRan() {
        #expect(HoldScript(test: .idleInTransaction, channel: nil, marker: "m").setup == ["BEGIN", "SELECT 1"])
        #expect(HoldScript(test: .idleInTransaction, channel: nil, marker: "m").finish == ["COMMIT"])
        #expect(HoldScript(test: .heartbeat, channel: nil, marker: "m").work == ["SELECT 1"])
        #expect(HoldScript(test: .listen, channel: "pulp_worker_wakeup", marker: "m").setup == [#"LISTEN "pulp_worker_wakeup""#])
        #expect(HoldScript(test: .listen, channel: "pulp_worker_wakeup", marker: "m").finish == [#"UNLISTEN "pulp_worker_wakeup""#])
        let session = HoldScript(test: .sessionVariable, channel: nil, marker: "f00d")
        #expect(session.setup == ["SET TIME ZONE 'UTC'", "SET soak.session_marker TO 'f00d'"])
        #expect(session.sessionMarker == "f00d")
    }

    @Test func holdRecordHasEveryKeyWithNullsWhereNothingApplies() throws {
        var record = HoldRecord(test: "idle", database: "proxy", startedAt: Date(timeIntervalSince1970: 0))
        record.endedAt = Date(timeIntervalSince1970: 2400.5)
        record.result = .died
        record.lifetimeSeconds = 2400.12345
        record.reason = "server_closed"
        let data = try JSONEncoder().encode(record)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["started_at"] as? String == "1970-01-01T00:00:00.000Z")
        #expect(object["ended_at"] as? String == "1970-01-01T00:40:00.500Z")
        #expect(object["lifetime_seconds"] as? Double == 2400.123)
        #expect(object["result"] as? String == "died")
        #expect(object["sqlstate"] is NSNull)
        #expect(object["notifications"] is NSNull)
        #expect(object["kind"] as? String == "hold")
        #expect(object.count == 16)
    }
}

@Suite("Hold retry backoff")
struct HoldRetryTests {
    @Test func failedStartsBackOffFromFiveSecondsToAMinute() {
        #expect((1...6).map { HoldRunner.retryDelay(afterFailures: $0) } == [.seconds(5), .seconds(10), .seconds(20), .seconds(40), .seconds(60), .seconds(60)])
        #expect(HoldRunner.retryDelay(afterFailures: 1000) == .seconds(60))
    }
}
