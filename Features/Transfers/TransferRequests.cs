using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Money;

namespace Strongroom.Features.Transfers;

/// <summary>
/// <c>reference</c>, when given, is the client's own id for the transfer, unique per source account.
/// Left out of the request's JSON when absent, so a request without one hashes for its
/// Idempotency-Key exactly as it did before the member existed; a member the JSON may leave out is
/// not seen by the validation of attributes, so its length is checked by the endpoint.
/// </summary>
public sealed record CreateTransferRequest(
    [Required, StringLength(40)] string FromAccountId,
    [Required, StringLength(40)] string ToAccountId,
    [Range(1d, Amounts.Max)] long Amount,
    [Required, Iso4217] string Currency,
    [StringLength(500)] string? Description = null,
    [Metadata] IReadOnlyDictionary<string, string>? Metadata = null,
    bool Hold = false,
    DateTimeOffset? HoldExpiresAt = null,
    [StringLength(TransferReferences.MaxLength, MinimumLength = 1)] [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reference = null)
{
    public TransferInstruction ToInstruction(string id) => new(
        id, TransferKind.Transfer, FromAccountId, ToAccountId, Amount, Currency, Description, Metadata, Hold,
        HoldExpiresAt is { } expires ? Infrastructure.Common.UnixMicroseconds.From(expires) : null, Reference);

    /// <summary>The rule of <see cref="Reference"/>, checked by the endpoint (see <see cref="TransferReferences.Errors"/>).</summary>
    public IEnumerable<string> ReferenceErrors() => TransferReferences.Errors(Reference);

    /// <summary>Rules that need the clock: a hold's expiry, if given, is in the future, within <paramref name="maxHoldDuration"/>, and only on a hold.</summary>
    public IEnumerable<string> HoldErrors(DateTimeOffset now, TimeSpan maxHoldDuration)
    {
        if (HoldExpiresAt is { } expires)
        {
            if (!Hold)
            {
                yield return "holdExpiresAt is only for holds (hold: true).";
            }
            else if (expires <= now)
            {
                yield return "holdExpiresAt must be in the future.";
            }
            else if (expires > now + maxHoldDuration)
            {
                yield return $"holdExpiresAt may be at most {maxHoldDuration.TotalDays:0.##} days ahead.";
            }
        }
    }
}

public sealed record CreateTransferBatchRequest(
    [Required, ItemCount(1, TransferBatch.MaxTransfers)] IReadOnlyList<CreateTransferRequest> Transfers);

public sealed record CaptureHoldRequest([Range(1d, Amounts.Max)] long? Amount = null);

/// <summary>How much of a posted transfer to send back (default: all that is left), and why.</summary>
public sealed record ReverseTransferRequest([Range(1d, Amounts.Max)] long? Amount = null, [StringLength(500)] string? Description = null);

/// <summary>Money entering (deposit) or leaving (withdrawal) the bank through the settlement account.</summary>
public sealed record ExternalTransferRequest(
    [Required, StringLength(40)] string AccountId,
    [Range(1d, Amounts.Max)] long Amount,
    [Required, Iso4217] string Currency,
    [StringLength(500)] string? Description = null,
    [StringLength(TransferReferences.MaxLength, MinimumLength = 1)] [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reference = null);

/// <summary>Up to 16 string pairs; keys 1–40 characters, values up to 500.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class MetadataAttribute : ValidationAttribute
{
    public const int MaxPairs = 16;

    public MetadataAttribute()
        : base("The {0} field holds at most 16 pairs, with keys of 1 to 40 characters and values of at most 500.")
    {
    }

    public override bool IsValid(object? value) =>
        value is null
        || (value is IReadOnlyDictionary<string, string> pairs
            && pairs.Count <= MaxPairs
            && pairs.All(pair => pair.Key.Length is >= 1 and <= 40 && pair.Value is { Length: <= 500 }));
}

/// <summary>A list of <c>min</c> to <c>max</c> items, none of them null (MinLength/MaxLength need reflection, which AOT trims).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class ItemCountAttribute(int min, int max) : ValidationAttribute($"The {{0}} field must hold {min} to {max} items, none of them null.")
{
    public override bool IsValid(object? value) =>
        value is null
        || (value is System.Collections.ICollection items && items.Count >= min && items.Count <= max && items.Cast<object?>().All(item => item is not null));
}
