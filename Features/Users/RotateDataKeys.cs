using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Users;

/// <summary>
/// <c>strongroom rotate-keys</c>: re-encrypts every personal field, TOTP secret and webhook signing secret not yet under
/// the active data key, a page of rows per transaction, while the service keeps running (old rows
/// decrypt under their own key until then). Afterwards the old key can be removed from configuration.
/// </summary>
public static partial class RotateDataKeys
{
    private const int PageSize = 500;

    /// <summary>Returns how many rows (users, TOTP secrets, webhook endpoints) were re-encrypted.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var database = services.GetRequiredService<SqlDatabase>();
        var personalData = services.GetRequiredService<PersonalDataProtector>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RotateDataKeys));
        var rotated = 0;
        var after = "";
        while (true)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            // Read and rewrite under the write lock (SQLite) / update locks (SQL Server), so a
            // profile change made meanwhile is neither lost nor overwritten with stale data.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var page = (await connection.QueryAsync<SecretRow>(database.Pick(Sqlite.Page, SqlServer.Page), new { After = after, Take = PageSize }, transaction)).ToList();
            if (page.Count == 0)
            {
                break;
            }

            foreach (var row in page.Where(row => !(personalData.IsCurrent(row.Email) && personalData.IsCurrent(row.Phone)
                && personalData.IsCurrent(row.Address) && personalData.IsCurrent(row.DateOfBirth))))
            {
                await connection.ExecuteAsync(Sql.Rewrite, new
                {
                    row.Id,
                    Email = Reprotect(personalData, row.Email, UserIds.EmailContext(row.Id)),
                    Phone = ReprotectOptional(personalData, row.Phone, ProfileFields.Context("phone", row.Id)),
                    Address = ReprotectOptional(personalData, row.Address, ProfileFields.Context("address", row.Id)),
                    DateOfBirth = ReprotectOptional(personalData, row.DateOfBirth, ProfileFields.Context("date_of_birth", row.Id)),
                }, transaction);
                rotated++;
            }

            await transaction.CommitAsync(cancellationToken);
            after = page[^1].Id;
        }

        var secrets = await RotateTotpSecretsAsync(database, personalData, cancellationToken);
        var webhookSecrets = await RotateWebhookSecretsAsync(database, personalData, cancellationToken);
        LogRotated(logger, rotated, secrets, webhookSecrets, personalData.ActiveKeyId);
        return rotated + secrets + webhookSecrets;
    }

    private static async Task<int> RotateTotpSecretsAsync(SqlDatabase database, PersonalDataProtector personalData, CancellationToken cancellationToken)
    {
        var rotated = 0;
        var after = "";
        while (true)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            // Locked as above, so an enrolment restarted meanwhile is not overwritten with the old secret.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var page = (await connection.QueryAsync<TotpSecretRow>(database.Pick(Sqlite.TotpPage, SqlServer.TotpPage), new { After = after, Take = PageSize }, transaction)).ToList();
            if (page.Count == 0)
            {
                break;
            }

            foreach (var row in page.Where(row => !personalData.IsCurrent(row.Secret)))
            {
                var secret = Reprotect(personalData, row.Secret, UserIds.MfaSecretContext(row.UserId));
                await connection.ExecuteAsync(Sql.RewriteTotp, new { row.UserId, Secret = secret }, transaction);
                rotated++;
            }

            await transaction.CommitAsync(cancellationToken);
            after = page[^1].UserId;
        }

        return rotated;
    }

    /// <summary>Webhook signing secrets (current and previous), encrypted under the data keys so they can sign.</summary>
    private static async Task<int> RotateWebhookSecretsAsync(SqlDatabase database, PersonalDataProtector personalData, CancellationToken cancellationToken)
    {
        var rotated = 0;
        var after = "";
        while (true)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            // Locked as above, so a rotate-secret made meanwhile is not overwritten with the old secret.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var page = (await connection.QueryAsync<WebhookSecretRow>(database.Pick(Sqlite.WebhookPage, SqlServer.WebhookPage), new { After = after, Take = PageSize }, transaction)).ToList();
            if (page.Count == 0)
            {
                break;
            }

            foreach (var row in page.Where(row => !(personalData.IsCurrent(row.Secret) && personalData.IsCurrent(row.PreviousSecret))))
            {
                var context = WebhookEndpointIds.SecretContext(row.Id);
                await connection.ExecuteAsync(Sql.RewriteWebhook, new
                {
                    row.Id,
                    Secret = Reprotect(personalData, row.Secret, context),
                    PreviousSecret = ReprotectOptional(personalData, row.PreviousSecret, context),
                }, transaction);
                rotated++;
            }

            await transaction.CommitAsync(cancellationToken);
            after = page[^1].Id;
        }

        return rotated;
    }

    private static string Reprotect(PersonalDataProtector personalData, string stored, string context) =>
        personalData.IsCurrent(stored) ? stored : personalData.Protect(personalData.Unprotect(stored, context), context);

    private static string? ReprotectOptional(PersonalDataProtector personalData, string? stored, string context) =>
        stored is null ? null : Reprotect(personalData, stored, context);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-encrypted {Count} user(s), {SecretCount} TOTP secret(s) and {WebhookCount} webhook endpoint secret(s) under data key {KeyId}")]
    private static partial void LogRotated(ILogger logger, int count, int secretCount, int webhookCount, string keyId);

    public sealed class SecretRow
    {
        public string Id { get; init; } = "";

        public string Email { get; init; } = "";

        public string? Phone { get; init; }

        public string? Address { get; init; }

        public string? DateOfBirth { get; init; }
    }

    public sealed class TotpSecretRow
    {
        public string UserId { get; init; } = "";

        public string Secret { get; init; } = "";
    }

    public sealed class WebhookSecretRow
    {
        public string Id { get; init; } = "";

        public string Secret { get; init; } = "";

        public string? PreviousSecret { get; init; }
    }

    private static class Sql
    {
        public const string RewriteWebhook = """
            UPDATE webhook_endpoints SET secret = @Secret, previous_secret = @PreviousSecret WHERE id = @Id
            """;

        public const string Rewrite = """
            UPDATE users SET email = @Email, phone = @Phone, address = @Address, date_of_birth = @DateOfBirth WHERE id = @Id
            """;

        public const string RewriteTotp = """
            UPDATE user_totp SET secret = @Secret WHERE user_id = @UserId
            """;
    }

    private static class Sqlite
    {
        public const string Page = """
            SELECT id AS Id, email AS Email, phone AS Phone, address AS Address, date_of_birth AS DateOfBirth
            FROM users WHERE id > @After ORDER BY id LIMIT @Take
            """;

        public const string TotpPage = """
            SELECT user_id AS UserId, secret AS Secret FROM user_totp WHERE user_id > @After ORDER BY user_id LIMIT @Take
            """;

        public const string WebhookPage = """
            SELECT id AS Id, secret AS Secret, previous_secret AS PreviousSecret FROM webhook_endpoints WHERE id > @After ORDER BY id LIMIT @Take
            """;
    }

    private static class SqlServer
    {
        public const string Page = """
            SELECT TOP (@Take) id AS Id, email AS Email, phone AS Phone, address AS Address, date_of_birth AS DateOfBirth
            FROM users WITH (UPDLOCK, ROWLOCK) WHERE id > @After ORDER BY id
            """;

        public const string TotpPage = """
            SELECT TOP (@Take) user_id AS UserId, secret AS Secret FROM user_totp WITH (UPDLOCK, ROWLOCK) WHERE user_id > @After ORDER BY user_id
            """;

        public const string WebhookPage = """
            SELECT TOP (@Take) id AS Id, secret AS Secret, previous_secret AS PreviousSecret FROM webhook_endpoints WITH (UPDLOCK, ROWLOCK) WHERE id > @After ORDER BY id
            """;
    }
}
