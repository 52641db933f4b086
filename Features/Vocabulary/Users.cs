namespace Strongroom.Features.Vocabulary;

public static class UserStatuses
{
    public const string Active = "active";
    public const string Disabled = "disabled";
}

public static class UserIds
{
    public const string Prefix = "usr";

    /// <summary>Emails compare case-insensitively; we store the lower-case form.</summary>
    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    /// <summary>Associated data for a user's encrypted email: the ciphertext only opens in this row and column.</summary>
    public static string EmailContext(string userId) => $"users.email:{userId}";

    /// <summary>Associated data for a user's encrypted TOTP secret: it opens only in this row and column.</summary>
    public static string MfaSecretContext(string userId) => $"user_totp.secret:{userId}";
}
