using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Identity;

public sealed record RegisterRequest(
    [Required, EmailAddress, StringLength(254)] string Email,
    [Required, StringLength(128, MinimumLength = 8)] string Password,
    [Required, StringLength(200, MinimumLength = 1)] string FullName);

public sealed record UserResponse(string Id, string Email, string FullName);

public static class Register
{
    public static RouteHandlerBuilder MapRegister(this IEndpointRouteBuilder group) =>
        group.MapPost("/register", HandleAsync)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimits.Registration)
            .WithName("Register")
            // The new user reads themselves at /v1/me once signed in; there is no URL of theirs to give.
            .WithMetadata(new NoLocationHeader())
            .WithSummary("Register a customer")
            .WithDescription("Creates a user with the customer role. The email must not be registered yet. Limited per client address (Auth:RegistrationRateLimit): 429 rate_limited with Retry-After.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    public static async Task<Results<Created<UserResponse>, ProblemHttpResult>> HandleAsync(
        RegisterRequest request, SqlDatabase database, PersonalDataProtector personalData, TimeProvider time, CancellationToken cancellationToken)
    {
        if (CommonPasswords.Contains(request.Password))
        {
            return ApiProblems.BadRequest("password_too_common", "This password is on the list of common passwords; choose another.");
        }

        var email = UserIds.NormalizeEmail(request.Email);
        var user = NewUser.Create(OpaqueId.New(UserIds.Prefix, time), email, request.FullName.Trim(), request.Password, personalData, time);

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(Sql.InsertUser, user, transaction);
            await connection.ExecuteAsync(Sql.InsertRole, new { UserId = user.Id, Role = Roles.Customer }, transaction);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbException exception) when (SqlDatabase.IsUniqueViolation(exception))
        {
            return ApiProblems.Conflict("email_taken", "A user with this email already exists.");
        }

        return TypedResults.Created((string?)null, new UserResponse(user.Id, email, user.FullName));
    }

    /// <summary>A user row ready to insert: email encrypted and blind-indexed, password hashed.</summary>
    public sealed record NewUser(string Id, string EmailIndex, string Email, string FullName, string PasswordHash, long CreatedAt)
    {
        public static NewUser Create(string id, string normalizedEmail, string fullName, string password, PersonalDataProtector personalData, TimeProvider time) => new(
            id,
            personalData.EmailIndex(normalizedEmail),
            personalData.Protect(normalizedEmail, UserIds.EmailContext(id)),
            fullName,
            PasswordHashing.Hash(password),
            UnixMicroseconds.Now(time));
    }

    internal static class Sql
    {
        public const string InsertUser = """
            INSERT INTO users (id, email_index, email, full_name, password_hash, created_at)
            VALUES (@Id, @EmailIndex, @Email, @FullName, @PasswordHash, @CreatedAt)
            """;

        public const string InsertRole = """
            INSERT INTO user_roles (user_id, role) VALUES (@UserId, @Role)
            """;
    }
}
