using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Infrastructure.Security;

/// <summary>
/// What happened, by whom, to what. Never a secret or a personal value: actors and targets are
/// ids (or a blind index), details are codes.
/// </summary>
public sealed record AuditEvent(string Action, string? ActorId = null, string? Target = null, string? Details = null);

/// <summary>
/// The append-only, hash-chained security audit log. Appends are serialised (SQLite's write lock;
/// an exclusive table lock on SQL Server) so the chain has one order. Each record carries where
/// the request came from (client address, user agent) and its trace id.
/// </summary>
public sealed class AuditLog(SqlDatabase database, TimeProvider time)
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public async Task RecordAsync(AuditEvent audit, HttpContext? context, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var last = await connection.QuerySingleOrDefaultAsync<ChainTip>(database.Pick(Sqlite.Tip, SqlServer.Tip), transaction: transaction);
        var record = new AuditRecord
        {
            Sequence = (last?.Sequence ?? 0) + 1,
            OccurredAt = UnixMicroseconds.Now(time),
            Action = audit.Action,
            ActorId = audit.ActorId,
            Target = audit.Target,
            ClientIp = context?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = context is null ? null : Truncate(context.Request.Headers.UserAgent.ToString(), 400),
            TraceId = Activity.Current?.TraceId.ToString() ?? context?.TraceIdentifier,
            Details = audit.Details,
            PreviousHash = last?.Hash ?? Genesis,
        };
        record.Hash = HashOf(record);
        await connection.ExecuteAsync(Sql.Append, record, transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The record's hash: SHA-256 over the previous hash and every field, length-prefixed so no two records collide.</summary>
    public static string HashOf(AuditRecord record)
    {
        var text = new StringBuilder();
        foreach (var field in new[]
        {
            record.PreviousHash, record.Sequence.ToString(CultureInfo.InvariantCulture), record.OccurredAt.ToString(CultureInfo.InvariantCulture),
            record.Action, record.ActorId, record.Target, record.ClientIp, record.UserAgent, record.TraceId, record.Details,
        })
        {
            text.Append(field?.Length.ToString(CultureInfo.InvariantCulture) ?? "-").Append(':').Append(field).Append('|');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string? Truncate(string value, int length) => value.Length == 0 ? null : value.Length <= length ? value : value[..length];

    public sealed class ChainTip
    {
        public long Sequence { get; init; }

        public string Hash { get; init; } = "";
    }

    private static class Sql
    {
        public const string Append = """
            INSERT INTO audit_log (sequence, occurred_at, action, actor_id, target, client_ip, user_agent, trace_id, details, previous_hash, hash)
            VALUES (@Sequence, @OccurredAt, @Action, @ActorId, @Target, @ClientIp, @UserAgent, @TraceId, @Details, @PreviousHash, @Hash)
            """;
    }

    private static class Sqlite
    {
        public const string Tip = """
            SELECT sequence AS Sequence, hash AS Hash FROM audit_log ORDER BY sequence DESC LIMIT 1
            """;
    }

    private static class SqlServer
    {
        public const string Tip = """
            SELECT TOP (1) sequence AS Sequence, hash AS Hash FROM audit_log WITH (TABLOCKX, HOLDLOCK) ORDER BY sequence DESC
            """;
    }
}

/// <summary>An <c>audit_log</c> row.</summary>
public sealed class AuditRecord
{
    public const string Columns = """
        sequence AS Sequence, occurred_at AS OccurredAt, action AS Action, actor_id AS ActorId, target AS Target, client_ip AS ClientIp,
        user_agent AS UserAgent, trace_id AS TraceId, details AS Details, previous_hash AS PreviousHash, hash AS Hash
        """;

    public long Sequence { get; init; }

    public long OccurredAt { get; init; }

    public string Action { get; init; } = "";

    public string? ActorId { get; init; }

    public string? Target { get; init; }

    public string? ClientIp { get; init; }

    public string? UserAgent { get; init; }

    public string? TraceId { get; init; }

    public string? Details { get; init; }

    public string PreviousHash { get; init; } = "";

    public string Hash { get; set; } = "";
}

public static class AuditedEndpoints
{
    private const string DetailsKey = "strongroom.audit.details";

    /// <summary>
    /// What the change was (before and after, as codes and ids: never a secret or a personal value),
    /// for the record <see cref="AuditSuccessfulChanges"/> writes when the endpoint succeeds.
    /// </summary>
    public static void SetAuditDetails(this HttpContext context, string details) => context.Items[DetailsKey] = details;

    /// <summary>
    /// Records every successful change (any method but GET) made through the group's endpoints:
    /// the action is the endpoint's name, the actor the caller, the target the route's <c>id</c>.
    /// </summary>
    public static TBuilder AuditSuccessfulChanges<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var http = context.HttpContext;
            if (!HttpMethods.IsGet(http.Request.Method) && Succeeded(result)
                && http.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IEndpointNameMetadata>() is { } name)
            {
                await http.RequestServices.GetRequiredService<AuditLog>().RecordAsync(
                    new AuditEvent(name.EndpointName, ActorId: http.User.FindFirst(StrongroomClaims.Subject)?.Value, Target: http.GetRouteValue("id") as string,
                        Details: http.Items.TryGetValue(DetailsKey, out var details) ? details as string : null),
                    http, http.RequestAborted);
            }

            return result;
        });

    private static bool Succeeded(object? result) => result switch
    {
        INestedHttpResult nested => Succeeded(nested.Result),
        IStatusCodeHttpResult { StatusCode: { } status } => status is >= 200 and < 300,
        _ => false,
    };
}

/// <summary>Every 403 is audited with who asked for what, counted towards a burst, then answered as usual.</summary>
internal sealed class AuditingAuthorizationResultHandler(AuditLog audit, SuspiciousActivity suspicious) : Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler
{
    private readonly Microsoft.AspNetCore.Authorization.Policy.AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, Microsoft.AspNetCore.Authorization.AuthorizationPolicy policy,
        Microsoft.AspNetCore.Authorization.Policy.PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var lacksSecondFactor = MfaRequirement.IsWhyForbidden(authorizeResult);
            await audit.RecordAsync(new AuditEvent("authorization_denied", ActorId: context.User.FindFirst(StrongroomClaims.Subject)?.Value,
                Target: $"{context.Request.Method} {context.Request.Path}", Details: lacksSecondFactor ? MfaRequirement.Code : null), context, context.RequestAborted);
            await suspicious.AuthorizationDeniedAsync(context, context.RequestAborted);
            if (lacksSecondFactor)
            {
                await MfaRequirement.Problem().ExecuteAsync(context);
                return;
            }
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
