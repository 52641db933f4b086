using System.ComponentModel.DataAnnotations;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Users;

/// <summary>A user as administrators see them: never with a password hash.</summary>
public sealed record UserAdminResponse(string Id, string Email, string FullName, IReadOnlyList<string> Roles,
    [property: AllowedValues(UserStatuses.Active, UserStatuses.Disabled)] string Status, DateTimeOffset CreatedAt);

/// <summary>A <c>users</c> row with its roles folded into one comma-separated column.</summary>
public sealed class UserRow
{
    public string Id { get; init; } = "";

    public string Email { get; init; } = "";

    public string FullName { get; init; } = "";

    public string? Roles { get; init; }

    public string Status { get; init; } = "";

    public long CreatedAt { get; init; }

    /// <summary><see cref="Email"/> is stored encrypted; it is opened only to answer an admin.</summary>
    public UserAdminResponse ToResponse(PersonalDataProtector personalData) => new(
        Id, personalData.Unprotect(Email, UserIds.EmailContext(Id)), FullName,
        [.. (Roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)],
        Status, UnixMicroseconds.ToDateTimeOffset(CreatedAt));
}

/// <summary>The user queries, roles aggregated the way each engine spells it.</summary>
internal static class UserQueries
{
    public static string ById(SqlDatabase database) => database.Pick(Sqlite.ById, SqlServer.ById);

    public static string Page(SqlDatabase database) => database.Pick(Sqlite.Page, SqlServer.Page);

    private static class Sqlite
    {
        public const string ById = """
            SELECT u.id AS Id, u.email AS Email, u.full_name AS FullName, group_concat(r.role, ',') AS Roles, u.status AS Status, u.created_at AS CreatedAt
            FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
            WHERE u.id = @Id
            GROUP BY u.id, u.email, u.full_name, u.status, u.created_at
            """;

        public const string Page = """
            SELECT u.id AS Id, u.email AS Email, u.full_name AS FullName, group_concat(r.role, ',') AS Roles, u.status AS Status, u.created_at AS CreatedAt
            FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
            WHERE u.id > @After
            GROUP BY u.id, u.email, u.full_name, u.status, u.created_at
            ORDER BY u.id
            LIMIT @Take
            """;
    }

    private static class SqlServer
    {
        public const string ById = """
            SELECT u.id AS Id, u.email AS Email, u.full_name AS FullName, STRING_AGG(r.role, ',') AS Roles, u.status AS Status, u.created_at AS CreatedAt
            FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
            WHERE u.id = @Id
            GROUP BY u.id, u.email, u.full_name, u.status, u.created_at
            """;

        public const string Page = """
            SELECT TOP (@Take) u.id AS Id, u.email AS Email, u.full_name AS FullName, STRING_AGG(r.role, ',') AS Roles, u.status AS Status, u.created_at AS CreatedAt
            FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
            WHERE u.id > @After
            GROUP BY u.id, u.email, u.full_name, u.status, u.created_at
            ORDER BY u.id
            """;
    }
}
