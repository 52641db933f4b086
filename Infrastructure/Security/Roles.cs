namespace Strongroom.Infrastructure.Security;

public static class Roles
{
    public const string Customer = "customer";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Customer, Operator, Admin];
}

/// <summary>Named authorization policies; every endpoint declares one of these (or is anonymous on purpose).</summary>
public static class Policies
{
    /// <summary>Any signed-in person: customer, operator or admin. Data is still scoped to the caller.</summary>
    public const string Customer = "customer";

    /// <summary>Bank staff: operators and admins.</summary>
    public const string Staff = "staff";

    public const string Admin = "admin";
}
