using System.Globalization;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Vocabulary;

/// <summary>The caller's own profile. Phone, address, date of birth and email are stored encrypted.</summary>
public sealed record ProfileResponse(string Id, string Email, string FullName, string? Phone, string? Address, DateOnly? DateOfBirth, IReadOnlyList<string> Roles);

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
