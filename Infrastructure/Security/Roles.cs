using System.Security.Claims;

namespace Strongroom.Infrastructure.Security;

public static class Roles
{
    public const string Customer = "customer";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Customer, Operator, Admin];
}

/// <summary>
/// What a service client may do. A token with a <c>scope</c> claim (a service client's, or an
/// external one that carries scopes) is limited to those scopes; a person's token has none and is
/// limited by its roles instead.
/// </summary>
public static class Scopes
{
    /// <summary>Read the owner's accounts, entries and transfers.</summary>
    public const string LedgerRead = "ledger:read";

    /// <summary>Open accounts and move money between the owner's accounts and others.</summary>
    public const string LedgerWrite = "ledger:write";

    public static readonly IReadOnlyList<string> All = [LedgerRead, LedgerWrite];

    /// <summary>The scopes a token carries, or null when it carries no <c>scope</c> claim at all.</summary>
    public static IReadOnlyList<string>? Of(ClaimsPrincipal user) =>
        user.FindFirst(StrongroomClaims.Scope)?.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A person (by role) or a scoped token holding <paramref name="scope"/>.</summary>
    public static bool Allows(ClaimsPrincipal user, string scope) =>
        user.Identity?.IsAuthenticated == true
        && (Of(user) is { } scopes ? scopes.Contains(scope, StringComparer.Ordinal) : Roles.All.Any(user.IsInRole));
}

/// <summary>Named authorization policies; every endpoint declares one of these (or is anonymous on purpose).</summary>
public static class Policies
{
    /// <summary>A signed-in person (customer, operator or admin), never a service client. Data is still scoped to the caller.</summary>
    public const string Customer = "customer";

    /// <summary>A person, or a token with the <c>ledger:read</c> scope, reading the caller's own ledger data.</summary>
    public const string LedgerRead = Scopes.LedgerRead;

    /// <summary>A person, or a token with the <c>ledger:write</c> scope, changing the caller's own ledger data.</summary>
    public const string LedgerWrite = Scopes.LedgerWrite;

    /// <summary>Bank staff: operators and admins.</summary>
    public const string Staff = "staff";

    public const string Admin = "admin";
}
