using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Identity;

/// <summary>
/// Ensures the user named by <c>Bootstrap:AdminEmail</c> exists and holds the admin role, so a
/// fresh installation has someone who can administer it. An existing user keeps their password.
/// In Development with neither set, a service about to serve creates <see cref="DevelopmentEmail"/>
/// with a generated password the first time it finds no admin at all, and prints it once.
/// </summary>
public static partial class BootstrapAdmin
{
    public const string DevelopmentEmail = "admin@strongroom.local";

    // serving: the service is about to listen (not `migrate`), so what it prints once started is seen.
    public static async Task EnsureAsync(IServiceProvider services, CancellationToken cancellationToken, bool serving = false)
    {
        var options = services.GetRequiredService<IOptions<BootstrapOptions>>().Value;
        if (string.IsNullOrWhiteSpace(options.AdminEmail) && string.IsNullOrWhiteSpace(options.AdminPassword))
        {
            if (serving && services.GetRequiredService<IHostEnvironment>().IsDevelopment())
            {
                await EnsureDevelopmentAdminAsync(services, cancellationToken);
            }

            return;
        }

        if (string.IsNullOrWhiteSpace(options.AdminEmail) || options.AdminPassword is not { Length: >= 8 and <= 128 })
        {
            throw new OptionsValidationException(nameof(BootstrapOptions), typeof(BootstrapOptions),
                ["Bootstrap:AdminEmail and Bootstrap:AdminPassword (8 to 128 characters) must be set together."]);
        }

        var database = services.GetRequiredService<SqlDatabase>();
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BootstrapAdmin));
        var email = UserIds.NormalizeEmail(options.AdminEmail);
        var personalData = services.GetRequiredService<PersonalDataProtector>();

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Replicas starting together: SQLite's transaction is IMMEDIATE (one writer at a time); on SQL
        // Server the key-range lock makes the second wait for the first's admin instead of inserting a twin.
        var userId = await connection.QuerySingleOrDefaultAsync<string>(database.Pick(Sqlite.FindUser, SqlServer.FindUser), new { EmailIndex = personalData.EmailIndex(email) }, transaction);
        var created = userId is null;
        if (userId is null)
        {
            userId = OpaqueId.New(UserIds.Prefix, time);
            var user = Register.NewUser.Create(userId, email, "Administrator", options.AdminPassword, personalData, time);
            await connection.ExecuteAsync(Register.Sql.InsertUser, user, transaction);
            LogCreated(logger, userId);
        }

        // Whatever happened to them since (demoted, disabled), they are an active admin again: a
        // restart with Bootstrap:AdminEmail is how a bank that lost its last admin gets one back.
        var repairs = new List<string>();
        if (await connection.QuerySingleAsync<string>(Sql.Status, new { Id = userId }, transaction) != UserStatuses.Active)
        {
            await connection.ExecuteAsync(Sql.Enable, new { Id = userId }, transaction);
            repairs.Add($"status {UserStatuses.Disabled}->{UserStatuses.Active}");
        }

        if (await connection.ExecuteAsync(database.Pick(Sqlite.GrantAdmin, SqlServer.GrantAdmin), new { UserId = userId, Role = Roles.Admin }, transaction) > 0 && !created)
        {
            repairs.Add($"roles +{Roles.Admin}");
        }

        await transaction.CommitAsync(cancellationToken);
        if (repairs.Count > 0)
        {
            await services.GetRequiredService<Authorities>().EvictUserAsync(userId);
            await services.GetRequiredService<AuditLog>().RecordAsync(
                new AuditEvent("bootstrap_admin_restored", Target: userId, Details: string.Join(' ', repairs)), context: null, cancellationToken);
            LogRestored(logger, userId);
        }
    }

    /// <summary>
    /// A fresh checkout run with <c>dotnet run</c> has nobody who may deposit; this makes one, once:
    /// never while any admin exists (a restart prints nothing), never outside Development.
    /// </summary>
    private static async Task EnsureDevelopmentAdminAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var database = services.GetRequiredService<SqlDatabase>();
        var time = services.GetRequiredService<TimeProvider>();
        var personalData = services.GetRequiredService<PersonalDataProtector>();
        // 144 random bits, base64url: no character a form body or a shell would change.
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await connection.QuerySingleAsync<int>(Sql.CountAdmins, new { Role = Roles.Admin }, transaction) > 0
            || await connection.QuerySingleOrDefaultAsync<string>(database.Pick(Sqlite.FindUser, SqlServer.FindUser), new { EmailIndex = personalData.EmailIndex(DevelopmentEmail) }, transaction) is not null)
        {
            return;
        }

        var userId = OpaqueId.New(UserIds.Prefix, time);
        await connection.ExecuteAsync(Register.Sql.InsertUser, Register.NewUser.Create(userId, DevelopmentEmail, "Development Administrator", password, personalData, time), transaction);
        await connection.ExecuteAsync(database.Pick(Sqlite.GrantAdmin, SqlServer.GrantAdmin), new { UserId = userId, Role = Roles.Admin }, transaction);
        await transaction.CommitAsync(cancellationToken);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BootstrapAdmin));
        LogCreated(logger, userId);

        // Once the server listens, so the addresses are the real ones. Straight to the console and
        // not through ILogger: logs are collected and shipped, and must never carry a password;
        // this is a developer's terminal, in Development only, and only at the creation.
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() =>
        {
            var address = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5080";
            var docs = services.GetRequiredService<IOptions<ApiOptions>>().Value.Docs.Enabled != false;
            Console.Out.Write($"""

                ===== Development admin (created now; shown only this once) =====
                  email:    {DevelopmentEmail}
                  password: {password}
                {(docs ? $"  API reference: {Browsable(address)}/scalar (sign in there with the OAuth2 password flow)\n" : "")}==================================================================

                """);
            Console.Out.Flush();
        });
    }

    /// <summary>A listening address as a browser opens it: a wildcard host becomes localhost.</summary>
    private static string Browsable(string address) =>
        Uri.TryCreate(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            ? new UriBuilder(uri) { Host = uri.Host is "0.0.0.0" or "[::]" ? "localhost" : uri.Host }.Uri.GetLeftPart(UriPartial.Authority)
            : address;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bootstrap admin {UserId} was disabled or had lost the admin role; restored as an active admin")]
    private static partial void LogRestored(ILogger logger, string userId);

    private static class Sql
    {
        public const string Status = """
            SELECT status FROM users WHERE id = @Id
            """;

        public const string CountAdmins = """
            SELECT COUNT(*) FROM user_roles WHERE role = @Role
            """;

        public const string Enable = """
            UPDATE users SET status = 'active' WHERE id = @Id
            """;
    }

    // The user id only: an email address is personal data and stays out of logs.
    [LoggerMessage(Level = LogLevel.Information, Message = "Created bootstrap admin {UserId}")]
    private static partial void LogCreated(ILogger logger, string userId);

    private static class Sqlite
    {
        public const string FindUser = """
            SELECT id FROM users WHERE email_index = @EmailIndex
            """;

        public const string GrantAdmin = """
            INSERT OR IGNORE INTO user_roles (user_id, role) VALUES (@UserId, @Role)
            """;
    }

    private static class SqlServer
    {
        public const string FindUser = """
            SELECT id FROM users WITH (UPDLOCK, HOLDLOCK) WHERE email_index = @EmailIndex
            """;

        public const string GrantAdmin = """
            IF NOT EXISTS (SELECT 1 FROM user_roles WITH (UPDLOCK, HOLDLOCK) WHERE user_id = @UserId AND role = @Role)
                INSERT INTO user_roles (user_id, role) VALUES (@UserId, @Role);
            """;
    }
}
