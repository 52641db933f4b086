using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Vocabulary;

/// <summary>
/// A transfer as clients see it. <c>status</c>: <c>posted</c>, <c>pending</c> (a hold) or
/// <c>voided</c>; <c>capturedAmount</c> is what actually moved. A transfer accepted with
/// <c>Prefer: respond-async</c> is <c>processing</c> until applied, or <c>failed</c> with
/// <c>failure</c> (absent otherwise) saying why. <c>reference</c> is the client's own id for it
/// (an external payment id), unique per source account, or null. A reversal names the transfer it
/// reverses in <c>reversalOf</c>; a reversed transfer shows how much of it has been reversed in
/// <c>reversedAmount</c> (both absent otherwise).
/// </summary>
public sealed record TransferResponse(
    string Id,
    string FromAccountId,
    string ToAccountId,
    [property: Range(1d, Amounts.Max)] long Amount,
    string Currency,
    [property: AllowedValues(TransferStatuses.Posted, TransferStatuses.Pending, TransferStatuses.Voided, TransferStatuses.Processing, TransferStatuses.Failed)] string Status,
    [property: Range(0d, Amounts.Max)] long CapturedAmount,
    string? Description,
    IReadOnlyDictionary<string, string>? Metadata,
    DateTimeOffset? HoldExpiresAt,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TransferFailure? Failure = null,
    string? Reference = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReversalOf = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault), Range(0d, Amounts.Max)] long ReversedAmount = 0);

public sealed record TransferBatchResponse(IReadOnlyList<TransferResponse> Transfers);

public static class TransferStatuses
{
    public const string Posted = "posted";
    public const string Pending = "pending";
    public const string Voided = "voided";

    /// <summary>Accepted with <c>Prefer: respond-async</c> and not applied yet.</summary>
    public const string Processing = "processing";

    /// <summary>Accepted with <c>Prefer: respond-async</c> and refused by the ledger: see <c>failure</c>.</summary>
    public const string Failed = "failed";
}

public static class TransferIds
{
    public const string Prefix = "trf";
}

/// <summary>A transfer's <c>reference</c>: the client's own id for it (an external payment id), unique per source account.</summary>
public static class TransferReferences
{
    public const int MaxLength = 128;

    /// <summary>The problem code of a reference the source account has already used.</summary>
    public const string TakenCode = "reference_taken";

    /// <summary>Why <paramref name="reference"/> is not one (1 to 128 characters; control characters are refused for every text); none when it is, or absent.</summary>
    public static IEnumerable<string> Errors(string? reference)
    {
        if (reference is { Length: 0 or > MaxLength })
        {
            yield return $"reference must be 1 to {MaxLength} characters.";
        }
    }
}

/// <summary>A <c>transfers</c> row.</summary>
public sealed class TransferRow
{
    public const string Columns = """
        id AS Id, from_account_id AS FromAccountId, to_account_id AS ToAccountId, amount AS Amount, currency AS Currency,
        status AS Status, captured_amount AS CapturedAmount, description AS Description, metadata AS Metadata,
        hold_expires_at AS HoldExpiresAt, initiated_by AS InitiatedBy, created_at AS CreatedAt, updated_at AS UpdatedAt,
        reference AS Reference, reversal_of AS ReversalOf, reversed_amount AS ReversedAmount
        """;

    public string Id { get; init; } = "";

    public string FromAccountId { get; init; } = "";

    public string ToAccountId { get; init; } = "";

    public long Amount { get; init; }

    public string Currency { get; init; } = "";

    public string Status { get; set; } = "";

    public long CapturedAmount { get; set; }

    public string? Description { get; init; }

    /// <summary>JSON object of string pairs, as stored.</summary>
    public string? Metadata { get; init; }

    public long? HoldExpiresAt { get; init; }

    public string InitiatedBy { get; init; } = "";

    public long CreatedAt { get; init; }

    public long UpdatedAt { get; set; }

    /// <summary>The client's reference, unique per source account; null when none was given.</summary>
    public string? Reference { get; init; }

    /// <summary>For a reversal: the transfer it reverses.</summary>
    public string? ReversalOf { get; set; }

    /// <summary>How much of this transfer's posted amount later reversals have sent back.</summary>
    public long ReversedAmount { get; set; }

    public TransferResponse ToResponse() => new(
        Id, FromAccountId, ToAccountId, Amount, Currency, Status, CapturedAmount, Description,
        Metadata is null ? null : JsonSerializer.Deserialize(Metadata, StrongroomJsonContext.Default.IReadOnlyDictionaryStringString),
        HoldExpiresAt is { } expires ? UnixMicroseconds.ToDateTimeOffset(expires) : null,
        UnixMicroseconds.ToDateTimeOffset(CreatedAt),
        Reference: Reference,
        ReversalOf: ReversalOf,
        ReversedAmount: ReversedAmount);
}
