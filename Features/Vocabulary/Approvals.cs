using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Vocabulary;

/// <summary>
/// What a money movement waiting for a second member of staff (dual control) asked for:
/// <c>accountId</c> (and the client's <c>reference</c>, if any) for a deposit or withdrawal, <c>transferId</c> for a reversal; <c>amount</c>
/// is what will move (for a reversal asked without one, what was left to reverse when it was asked).
/// </summary>
public sealed record ApprovalRequest(
    [property: Range(1d, Amounts.Max)] long Amount,
    string Currency,
    string? Description,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AccountId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TransferId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reference = null);

/// <summary>
/// A staff deposit, withdrawal or reversal at or above its currency's threshold, waiting for
/// another member of staff: <c>pending</c> until approved (then <c>transferId</c> names what
/// moved), rejected, or expired.
/// </summary>
public sealed record ApprovalResponse(
    string Id,
    [property: AllowedValues(ApprovalStatuses.Pending, ApprovalStatuses.Approved, ApprovalStatuses.Rejected, ApprovalStatuses.Expired)] string Status,
    [property: AllowedValues(ApprovalOperations.Deposit, ApprovalOperations.Withdrawal, ApprovalOperations.Reversal)] string Operation,
    ApprovalRequest Request,
    string RequestedBy,
    string? DecidedBy,
    string? TransferId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? DecidedAt);

public static class ApprovalStatuses
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Expired = "expired";
}

public static class ApprovalOperations
{
    public const string Deposit = "deposit";
    public const string Withdrawal = "withdrawal";
    public const string Reversal = "reversal";
}

public static class ApprovalIds
{
    public const string Prefix = "apr";
}

/// <summary>An <c>approvals</c> row. A pending row past <see cref="ExpiresAt"/> reads as expired.</summary>
public sealed class ApprovalRow
{
    public const string Columns = """
        id AS Id, status AS Status, operation AS Operation, request AS Request, target_id AS TargetId, amount AS Amount, currency AS Currency,
        requested_by AS RequestedBy, decided_by AS DecidedBy, transfer_id AS TransferId, created_at AS CreatedAt, expires_at AS ExpiresAt, decided_at AS DecidedAt
        """;

    public string Id { get; init; } = "";

    public string Status { get; set; } = "";

    public string Operation { get; init; } = "";

    /// <summary>The <see cref="ApprovalRequest"/> as JSON.</summary>
    public string Request { get; init; } = "{}";

    /// <summary>The account (deposit, withdrawal) or original transfer (reversal) the operation names.</summary>
    public string? TargetId { get; init; }

    public long? Amount { get; init; }

    public string? Currency { get; init; }

    public string RequestedBy { get; init; } = "";

    public string? DecidedBy { get; set; }

    public string? TransferId { get; set; }

    public long CreatedAt { get; init; }

    public long ExpiresAt { get; init; }

    public long? DecidedAt { get; set; }

    /// <summary>The status as of <paramref name="now"/> (microseconds): a pending approval past its expiry is expired.</summary>
    public string StatusAt(long now) => Status == ApprovalStatuses.Pending && ExpiresAt <= now ? ApprovalStatuses.Expired : Status;

    public ApprovalRequest ParsedRequest() =>
        JsonSerializer.Deserialize(Request, StrongroomJsonContext.Default.ApprovalRequest) ?? throw new InvalidOperationException($"Approval {Id} has no request.");

    public ApprovalResponse ToResponse(long now) => new(
        Id, StatusAt(now), Operation, ParsedRequest(), RequestedBy, DecidedBy, TransferId,
        UnixMicroseconds.ToDateTimeOffset(CreatedAt), UnixMicroseconds.ToDateTimeOffset(ExpiresAt),
        DecidedAt is { } decided ? UnixMicroseconds.ToDateTimeOffset(decided) : null);
}
