using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Accounts;

/// <summary>Amounts are 64-bit integers in the currency's minor units.</summary>
public sealed record BalanceResponse(long Posted, long Pending, long Available);

public sealed record AccountResponse(
    string Id, string OwnerId, string Name, string Currency, string Status, BalanceResponse Balance, DateTimeOffset CreatedAt);

/// <summary>An <c>accounts</c> row as the slices read it.</summary>
public sealed class AccountRow
{
    /// <summary>The select list every account read uses, so all of them map the same columns.</summary>
    public const string Columns = """
        id AS Id, owner_id AS OwnerId, name AS Name, currency AS Currency, status AS Status,
        posted AS Posted, pending_debits AS PendingDebits, pending_credits AS PendingCredits, created_at AS CreatedAt
        """;

    public string Id { get; init; } = "";

    public string OwnerId { get; init; } = "";

    public string Name { get; init; } = "";

    public string Currency { get; init; } = "";

    public string Status { get; init; } = "";

    public long Posted { get; init; }

    public long PendingDebits { get; init; }

    public long PendingCredits { get; init; }

    public long CreatedAt { get; init; }

    /// <summary>Available = posted minus what holds have reserved; incoming pending money is not spendable.</summary>
    public AccountResponse ToResponse() => new(
        Id, OwnerId, Name, Currency, Status,
        new BalanceResponse(Posted, PendingCredits - PendingDebits, Posted - PendingDebits),
        UnixMicroseconds.ToDateTimeOffset(CreatedAt));
}

public static class AccountIds
{
    public const string Prefix = "acc";
}
