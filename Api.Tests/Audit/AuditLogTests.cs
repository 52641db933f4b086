using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Audit;

public sealed class AuditLogTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task Sign_ins_admin_actions_and_denials_are_audited_without_secrets()
    {
        var user = await app.RegisterAndSignInAsync(password: Password);
        var admin = await app.SignInAsAdminAsync();
        var failed = await app.CreateClient().PostAsync("/v1/auth/token", StrongroomApp.TokenForm(user.Email, "not my password"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        var denied = await user.Client.GetAsync("/v1/admin/ledger/verify");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        (await admin.Client.PostAsync($"/v1/admin/users/{user.UserId}/disable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        // Disabled, their token is refused before any authorization decision (a 401, not another denial).
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/v1/admin/ledger/verify")).StatusCode);

        var aboutUser = await EntriesAsync(admin, $"actor={user.UserId}");
        var all = await EntriesAsync(admin, "limit=100");

        Assert.Contains(aboutUser, e => e.GetProperty("action").GetString() == "sign_in_succeeded");
        Assert.Contains(aboutUser, e => e.GetProperty("action").GetString() == "authorization_denied"
            && e.GetProperty("target").GetString() == "GET /v1/admin/ledger/verify");
        Assert.Contains(all, e => e.GetProperty("action").GetString() == "sign_in_failed" && e.GetProperty("target").GetString() == user.UserId);
        Assert.Contains(all, e => e.GetProperty("action").GetString() == "DisableUser"
            && e.GetProperty("actorId").GetString() == admin.UserId && e.GetProperty("target").GetString() == user.UserId);
        Assert.All(all, e =>
        {
            Assert.DoesNotContain(user.Email, e.ToString(), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("not my password", e.ToString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(e.GetProperty("traceId").GetString()));
        });
        var onlyDenials = await EntriesAsync(admin, "action=authorization_denied");
        Assert.NotEmpty(onlyDenials);
        Assert.All(onlyDenials, e => Assert.Equal("authorization_denied", e.GetProperty("action").GetString()));
    }

    [Fact]
    public async Task A_burst_of_denials_by_one_user_is_flagged_once()
    {
        var admin = await app.SignInAsAdminAsync();
        var prober = await app.RegisterAndSignInAsync(password: Password);
        string[] targets = ["/v1/admin/users", "/v1/admin/ledger/verify", "/v1/admin/audit", "/v1/admin/clients"];

        // Auth:Bursts:DenialsPerUser is 10 by default; one more after the burst is not a second one.
        for (var i = 0; i < 11; i++)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await prober.Client.GetAsync(targets[i % targets.Length], TestContext.Current.CancellationToken)).StatusCode);
        }

        var flagged = (await EntriesAsync(admin, "action=suspicious_activity&limit=100"))
            .Where(e => e.GetProperty("target").GetString() == prober.UserId).ToList();
        var one = Assert.Single(flagged);
        Assert.Equal("authorization_denials_by_user", one.GetProperty("details").GetString());
        Assert.Equal(prober.UserId, one.GetProperty("actorId").GetString());
        Assert.Equal(11, (await EntriesAsync(admin, $"actor={prober.UserId}&action=authorization_denied&limit=100")).Count);
    }

    [Fact]
    public async Task Verify_finds_the_first_record_that_was_edited()
    {
        var admin = await app.SignInAsAdminAsync();
        await app.RegisterAndSignInAsync(password: Password);
        await app.RegisterAndSignInAsync(password: Password);
        var before = await (await admin.Client.GetAsync("/v1/admin/audit/verify")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.True(before.GetProperty("ok").GetBoolean(), before.ToString());
        Assert.True(before.GetProperty("checked").GetInt64() >= 3);

        // Someone with database access rewrites history.
        long edited;
        await using (var connection = new SqliteConnection($"Data Source={app.DatabasePath}"))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE audit_log SET actor_id = 'usr_someone_else' WHERE sequence = (SELECT MIN(sequence) + 1 FROM audit_log) RETURNING sequence";
            edited = (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        }

        var after = await (await admin.Client.GetAsync("/v1/admin/audit/verify")).AssertJsonAsync(HttpStatusCode.OK);

        Assert.False(after.GetProperty("ok").GetBoolean());
        Assert.Equal(edited, after.GetProperty("firstBrokenSequence").GetInt64());
    }

    [Fact]
    public async Task Only_admins_read_the_audit_log()
    {
        var customer = await app.RegisterAndSignInAsync();

        await (await customer.Client.GetAsync("/v1/admin/audit")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    private static async Task<List<JsonElement>> EntriesAsync(SignedIn admin, string query) =>
        [.. (await (await admin.Client.GetAsync($"/v1/admin/audit?{query}")).AssertJsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray()];
}
