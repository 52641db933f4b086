namespace Strongroom.Infrastructure.Security;

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
