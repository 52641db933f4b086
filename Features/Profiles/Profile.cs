using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using Strongroom.Features.Identity;
using Strongroom.Infrastructure.Caching;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Profiles;

/// <summary>The caller's own profile. Phone, address, date of birth and email are stored encrypted.</summary>
public sealed record ProfileResponse(string Id, string Email, string FullName, string? Phone, string? Address, DateOnly? DateOfBirth, IReadOnlyList<string> Roles);

/// <summary>Only the fields present change; a field left out (or null) keeps its value.</summary>
public sealed record UpdateProfileRequest(
    [StringLength(200, MinimumLength = 1)] string? FullName = null,
    [StringLength(32, MinimumLength = 3), RegularExpression(@"^\+?[0-9 ()\-]{3,32}$")] string? Phone = null,
    [StringLength(500, MinimumLength = 1)] string? Address = null,
    DateOnly? DateOfBirth = null);

/// <summary>A user's profile columns as stored (personal fields still encrypted).</summary>
public sealed class ProfileRow
{
    public string Id { get; init; } = "";

    public string Email { get; init; } = "";

    public string FullName { get; init; } = "";

    public string? Phone { get; init; }

    public string? Address { get; init; }

    public string? DateOfBirth { get; init; }

    public string? Roles { get; init; }

    public ProfileResponse ToResponse(PersonalDataProtector personalData) => new(
        Id,
        personalData.Unprotect(Email, UserIds.EmailContext(Id)),
        FullName,
        personalData.UnprotectOptional(Phone, ProfileFields.Context("phone", Id)),
        personalData.UnprotectOptional(Address, ProfileFields.Context("address", Id)),
        personalData.UnprotectOptional(DateOfBirth, ProfileFields.Context("date_of_birth", Id)) is { } date
            ? DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture)
            : null,
        [.. (Roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)]);
}

public static class ProfileFields
{
    /// <summary>Associated data for an encrypted profile field: it opens only in this row and column.</summary>
    public static string Context(string column, string userId) => $"users.{column}:{userId}";
}

public static class ProfileEndpoints
{
    public static IEndpointRouteBuilder MapProfiles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/me").WithTags("Profiles").RequireAuthorization(Policies.Customer);
        group.MapGet("/", GetAsync)
            .WithName("GetProfile")
            .WithSummary("The caller's own profile")
            .WithDescription("Served from this replica's memory when it can be (never from Redis: it is personal data); Cache-Status (RFC 9211) says how.");
        group.MapPatch("/", UpdateAsync)
            .WithName("UpdateProfile")
            .WithSummary("Change the caller's own profile")
            .WithDescription("fullName, phone, address and dateOfBirth (yyyy-MM-dd); fields left out keep their value. Email and roles are not changed here.")
            .ProducesValidationProblem();
        return app;
    }

    public static async Task<Results<Ok<ProfileResponse>, ProblemHttpResult>> GetAsync(
        ClaimsPrincipal user, ProfileCache profiles, HttpContext context, CancellationToken cancellationToken)
    {
        var read = await profiles.ReadAsync(user.UserId(), cancellationToken);
        context.Response.Headers[CacheRead<ProfileResponse>.HeaderName] = read.Header;
        return read.Value is { } profile ? TypedResults.Ok(profile) : ApiProblems.NotFound("Profile");
    }

    public static async Task<Results<Ok<ProfileResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        UpdateProfileRequest request, ClaimsPrincipal user, SqlDatabase database, PersonalDataProtector personalData, ProfileCache profiles, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var id = user.UserId();
        if (request.DateOfBirth is { } born && (born > DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime) || born.Year < 1900))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["dateOfBirth"] = ["dateOfBirth must be a past date after 1900."] });
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(Sql.Update, new
        {
            Id = id,
            FullName = request.FullName?.Trim(),
            Phone = personalData.ProtectOptional(request.Phone?.Trim(), ProfileFields.Context("phone", id)),
            Address = personalData.ProtectOptional(request.Address?.Trim(), ProfileFields.Context("address", id)),
            DateOfBirth = personalData.ProtectOptional(request.DateOfBirth?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ProfileFields.Context("date_of_birth", id)),
        });
        await profiles.EvictAsync(id);
        return await ReadAsync(connection, database, id, personalData) is { } profile
            ? TypedResults.Ok(profile)
            : ApiProblems.NotFound("Profile");
    }

    internal static async Task<ProfileResponse?> ReadAsync(System.Data.Common.DbConnection connection, SqlDatabase database, string id, PersonalDataProtector personalData) =>
        (await connection.QuerySingleOrDefaultAsync<ProfileRow>(database.Pick(Sqlite.ById, SqlServer.ById), new { Id = id }))?.ToResponse(personalData);

    private static class Sql
    {
        public const string Update = """
            UPDATE users SET
                full_name = COALESCE(@FullName, full_name),
                phone = COALESCE(@Phone, phone),
                address = COALESCE(@Address, address),
                date_of_birth = COALESCE(@DateOfBirth, date_of_birth)
            WHERE id = @Id
            """;
    }

    private static class Sqlite
    {
        public const string ById = """
            SELECT u.id AS Id, u.email AS Email, u.full_name AS FullName, u.phone AS Phone, u.address AS Address, u.date_of_birth AS DateOfBirth,
                   group_concat(r.role, ',') AS Roles
            FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
            WHERE u.id = @Id
            GROUP BY u.id, u.email, u.full_name, u.phone, u.address, u.date_of_birth
            """;
    }

    private static class SqlServer
    {
        public const string ById = """
            SELECT u.id AS Id, u.email AS Email, u.full_name AS FullName, u.phone AS Phone, u.address AS Address, u.date_of_birth AS DateOfBirth,
                   STRING_AGG(r.role, ',') AS Roles
            FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
            WHERE u.id = @Id
            GROUP BY u.id, u.email, u.full_name, u.phone, u.address, u.date_of_birth
            """;
    }
}
