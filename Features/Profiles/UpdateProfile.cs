using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Profiles;

/// <summary>Only the fields present change; a field left out (or null) keeps its value.</summary>
public sealed record UpdateProfileRequest(
    [StringLength(200, MinimumLength = 1)] string? FullName = null,
    [StringLength(32, MinimumLength = 3), RegularExpression(@"^\+?[0-9 ()\-]{3,32}$")] string? Phone = null,
    [StringLength(500, MinimumLength = 1)] string? Address = null,
    DateOnly? DateOfBirth = null);

public static class UpdateProfile
{
    public static RouteHandlerBuilder MapUpdateProfile(this IEndpointRouteBuilder group) =>
        group.MapPatch("/", HandleAsync)
            .WithName("UpdateProfile")
            .WithSummary("Change the caller's own profile")
            .WithDescription("fullName, phone, address and dateOfBirth (yyyy-MM-dd); fields left out keep their value. Email and roles are not changed here.")
            .ProducesValidationProblem();

    public static async Task<Results<Ok<ProfileResponse>, ValidationProblem, ProblemHttpResult>> HandleAsync(
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
        return await ProfileCache.LoadAsync(connection, database, id, personalData) is { } profile
            ? TypedResults.Ok(profile)
            : ApiProblems.NotFound("Profile");
    }

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
}
