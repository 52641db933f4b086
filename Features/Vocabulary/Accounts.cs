using System.ComponentModel.DataAnnotations;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Vocabulary;

/// <summary>Amounts are 64-bit integers in the currency's minor units.</summary>
public sealed record BalanceResponse(long Posted, long Pending, long Available);

/// <summary><c>ownerId</c> is null for a currency's settlement account, which only staff can see.</summary>
public sealed record AccountResponse(
    string Id, string? OwnerId, string Name, string Currency,
    [property: AllowedValues(AccountStatuses.Active, AccountStatuses.Frozen, AccountStatuses.Closed)] string Status, long OverdraftLimit, BalanceResponse Balance, DateTimeOffset CreatedAt);

/// <summary>An <c>accounts</c> row as the slices read it.</summary>
public sealed class AccountRow
{
    /// <summary>The select list every account read uses, so all of them map the same columns.</summary>
    public const string Columns = """
        id AS Id, owner_id AS OwnerId, kind AS Kind, name AS Name, currency AS Currency, status AS Status,
        posted AS Posted, pending_debits AS PendingDebits, pending_credits AS PendingCredits,
        overdraft_limit AS OverdraftLimit, created_at AS CreatedAt
        """;

    public string Id { get; init; } = "";

    public string? OwnerId { get; init; }

    public string Kind { get; init; } = AccountKinds.Customer;

    public string Name { get; init; } = "";

    public string Currency { get; init; } = "";

    public string Status { get; init; } = "";

    public long Posted { get; init; }

    public long PendingDebits { get; init; }

    public long PendingCredits { get; init; }

    public long OverdraftLimit { get; init; }

    public long CreatedAt { get; init; }

    /// <summary>Available = posted minus what holds have reserved; incoming pending money is not spendable.</summary>
    public AccountResponse ToResponse() => new(
        Id, OwnerId, Name, Currency, Status, OverdraftLimit,
        new BalanceResponse(Posted, PendingCredits - PendingDebits, Posted - PendingDebits),
        UnixMicroseconds.ToDateTimeOffset(CreatedAt));
}

public static class AccountIds
{
    public const string Prefix = "acc";
}

public static class AccountKinds
{
    public const string Customer = "customer";

    /// <summary>One per currency, no owner: money enters and leaves the bank through it.</summary>
    public const string Settlement = "settlement";
}

public static class AccountStatuses
{
    public const string Active = "active";
    public const string Frozen = "frozen";
    public const string Closed = "closed";
}
