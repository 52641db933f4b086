using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Identity;

/// <summary>
/// Locks sign-in for an account (by the email typed, whether or not it exists) after
/// <c>Auth:Lockout:AccountFailures</c> failures, and for a client IP after <c>IpFailures</c>, within
/// a window; a lock answers 429 with Retry-After before any password is checked. Kept in the
/// database, so every replica sees the same counts.
/// </summary>
public sealed partial class SignInThrottle(
    SqlDatabase database, AuditLog audit, SecurityMetrics metrics, IOptions<AuthOptions> options, TimeProvider time, ILogger<SignInThrottle> logger)
{
    private const string ClientPrefix = "client:";

    private LockoutOptions Lockout => options.Value.Lockout;

    public static string AccountSubject(string emailIndex) => $"account:{emailIndex}";

    /// <summary>A service client, by the id that was presented (known or not).</summary>
    public static string ClientSubject(string clientId) => ClientPrefix + clientId;

    public static string IpSubject(HttpContext context) => $"ip:{context.Connection.RemoteIpAddress?.ToString() ?? "unknown"}";

    /// <summary>
    /// The 429 <c>sign_in_locked</c> (with Retry-After, audited) when <paramref name="account"/> or
    /// <paramref name="ip"/> is locked; null when the attempt may go ahead.
    /// </summary>
    public async Task<ProblemHttpResult?> RefuseIfLockedAsync(string account, string ip, HttpContext context, CancellationToken cancellationToken)
    {
        if (await LockedForAsync(account, ip, cancellationToken) is not { } seconds)
        {
            return null;
        }

        await audit.RecordAsync(new AuditEvent("sign_in_locked", Target: account), context, cancellationToken);
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ApiProblems.TooManyRequests("sign_in_locked",
            "Too many failed attempts; try again after the number of seconds in Retry-After.");
    }

    /// <summary>
    /// A wrong password, second factor or client secret: counted against <paramref name="account"/>
    /// and the client address, and audited as <paramref name="action"/> about <paramref name="target"/>
    /// (a user or client id; else the subject, never an email). A burst that locks either subject is
    /// suspicious activity too.
    /// </summary>
    public async Task RecordFailureAsync(string action, string account, string ip, string? target, string? details, HttpContext context,
        CancellationToken cancellationToken)
    {
        metrics.SignInFailed();
        foreach (var locked in await CountFailureAsync(account, ip, cancellationToken))
        {
            var isClient = account.StartsWith(ClientPrefix, StringComparison.Ordinal);
            var kind = locked != account ? "sign_in_failures_from_address"
                : isClient ? "client_authentication_failures_against_client"
                : "sign_in_failures_against_account";
            metrics.LockedOut(locked != account ? LockedSubject.Address : isClient ? LockedSubject.Client : LockedSubject.Account);
            metrics.SuspiciousActivity(kind);
            await audit.RecordAsync(new AuditEvent("suspicious_activity", Target: locked == account ? target ?? account : locked, Details: kind), context, cancellationToken);
        }

        await audit.RecordAsync(new AuditEvent(action, Target: target ?? account, Details: details), context, cancellationToken);
    }

    /// <summary>Seconds until the later of the two locks ends, or null when neither is locked.</summary>
    private async Task<int?> LockedForAsync(string account, string ip, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var until = await connection.ExecuteScalarAsync<long?>(Sql.LockedUntil, new { Account = account, Ip = ip });
        var now = UnixMicroseconds.Now(time);
        return until is { } end && end > now ? (int)Math.Ceiling((end - now) / 1_000_000d) : null;
    }

    /// <summary>Counts a failure against both subjects; returns those it has just locked (a burst: suspicious).</summary>
    private async Task<IReadOnlyList<string>> CountFailureAsync(string account, string ip, CancellationToken cancellationToken)
    {
        var now = UnixMicroseconds.Now(time);
        var lockedUntil = now + Microseconds(Lockout.Duration);
        var locked = new List<string>();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (subject, limit) in new[] { (account, Lockout.AccountFailures), (ip, Lockout.IpFailures) })
        {
            await connection.ExecuteAsync(database.Pick(Sqlite.Count, SqlServer.Count), new
            {
                Subject = subject,
                Now = now,
                WindowStart = now - Microseconds(Lockout.Window),
                Limit = limit,
                LockedUntil = lockedUntil,
            }, transaction);
            if (await connection.ExecuteScalarAsync<long>(Sql.LockedUntilOf, new { Subject = subject }, transaction) == lockedUntil)
            {
                locked.Add(subject);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        LogFailure(logger, ip);
        return locked;
    }

    /// <summary>A successful sign-in clears the account's count (not the IP's).</summary>
    public async Task RecordSuccessAsync(string account, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(Sql.Clear, new { Subject = account });
    }

    private static long Microseconds(TimeSpan span) => span.Ticks / TimeSpan.TicksPerMicrosecond;

    [LoggerMessage(Level = LogLevel.Information, Message = "Failed sign-in from {ClientSubject}")]
    private static partial void LogFailure(ILogger logger, string clientSubject);

    private static class Sql
    {
        public const string LockedUntil = """
            SELECT MAX(locked_until) FROM sign_in_throttle WHERE subject IN (@Account, @Ip)
            """;

        public const string LockedUntilOf = """
            SELECT locked_until FROM sign_in_throttle WHERE subject = @Subject
            """;

        public const string Clear = """
            DELETE FROM sign_in_throttle WHERE subject = @Subject
            """;
    }

    /// <summary>Counts a failure in the current window (a stale window starts again) and locks at the limit.</summary>
    private static class Sqlite
    {
        public const string Count = """
            INSERT INTO sign_in_throttle (subject, failures, window_started_at, locked_until)
            VALUES (@Subject, 1, @Now, CASE WHEN 1 >= @Limit THEN @LockedUntil ELSE 0 END)
            ON CONFLICT (subject) DO UPDATE SET
                failures = CASE WHEN window_started_at < @WindowStart THEN 1 ELSE failures + 1 END,
                window_started_at = CASE WHEN window_started_at < @WindowStart THEN @Now ELSE window_started_at END,
                locked_until = CASE
                    WHEN (CASE WHEN window_started_at < @WindowStart THEN 1 ELSE failures + 1 END) >= @Limit THEN @LockedUntil
                    ELSE locked_until END
            """;
    }

    private static class SqlServer
    {
        public const string Count = """
            MERGE sign_in_throttle WITH (HOLDLOCK) AS t
            USING (SELECT @Subject AS subject) AS s ON t.subject = s.subject
            WHEN MATCHED THEN UPDATE SET
                failures = CASE WHEN t.window_started_at < @WindowStart THEN 1 ELSE t.failures + 1 END,
                window_started_at = CASE WHEN t.window_started_at < @WindowStart THEN @Now ELSE t.window_started_at END,
                locked_until = CASE
                    WHEN (CASE WHEN t.window_started_at < @WindowStart THEN 1 ELSE t.failures + 1 END) >= @Limit THEN @LockedUntil
                    ELSE t.locked_until END
            WHEN NOT MATCHED THEN INSERT (subject, failures, window_started_at, locked_until)
                VALUES (@Subject, 1, @Now, CASE WHEN 1 >= @Limit THEN @LockedUntil ELSE 0 END);
            """;
    }
}
