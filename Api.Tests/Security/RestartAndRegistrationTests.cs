using System.Net;
using System.Net.Http.Json;
using Strongroom.Api.Tests.Identity;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Security;

public sealed class RegistrationLimitTests(RegistrationLimitApp app) : IClassFixture<RegistrationLimitApp>
{
    [Fact]
    public async Task Registrations_from_one_address_are_rate_limited_with_retry_after()
    {
        var client = app.CreateClient();
        var taken = $"taken-{Guid.NewGuid():N}@strongroom.test";
        var answers = new List<HttpResponseMessage>();
        foreach (var email in new[] { taken, taken, $"a-{Guid.NewGuid():N}@strongroom.test", $"b-{Guid.NewGuid():N}@strongroom.test" })
        {
            answers.Add(await client.PostAsJsonAsync("/v1/auth/register", new { email, password = "correct horse battery", fullName = "Prober" }, TestContext.Current.CancellationToken));
        }

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict, HttpStatusCode.Created, HttpStatusCode.TooManyRequests], answers.Select(a => a.StatusCode));
        await answers[^1].AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(int.Parse(answers[^1].Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 60);
        // Signing in is not registering: the limit is registration's own.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(taken, "correct horse battery"), TestContext.Current.CancellationToken)).StatusCode);
    }
}

/// <summary>A bank left with no usable admin gets its bootstrap admin back, active, on the next start.</summary>
public sealed class BootstrapRepairTests
{
    [Fact]
    public async Task A_restart_re_enables_and_re_grants_the_bootstrap_admin_and_audits_it()
    {
        var directory = TempDirectory.Create();
        var secrets = AppSecrets.Create();
        try
        {
            string bootstrapId;
            var first = new SqliteReplica(secrets, directory, new Dictionary<string, string?>());
            await using (first)
            {
                await first.InitializeAsync();
                var bootstrap = await first.SignInAsAdminAsync();
                bootstrapId = bootstrap.UserId;
                var registered = await first.RegisterAndSignInAsync(password: "correct horse battery");
                (await bootstrap.Client.PutAsJsonAsync($"/v1/admin/users/{registered.UserId}/roles", new { roles = new[] { "admin" } }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
                var other = await first.SignInAsync(registered.Email, "correct horse battery", registered.UserId);
                (await other.Client.PutAsJsonAsync($"/v1/admin/users/{bootstrapId}/roles", new { roles = new[] { "customer" } }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
                (await other.Client.PostAsync($"/v1/admin/users/{bootstrapId}/disable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
                Assert.Equal(HttpStatusCode.BadRequest, (await first.CreateClient().PostAsync("/v1/auth/token", StrongroomApp.TokenForm(first.AdminEmail, first.AdminPassword), TestContext.Current.CancellationToken)).StatusCode);
            }

            var restarted = new SqliteReplica(secrets, directory, new Dictionary<string, string?>());
            await using (restarted)
            {
                await restarted.InitializeAsync();
                var admin = await restarted.SignInAsAdminAsync();

                Assert.Equal(bootstrapId, admin.UserId);
                Assert.Equal(HttpStatusCode.OK, (await admin.Client.GetAsync("/v1/admin/users", TestContext.Current.CancellationToken)).StatusCode);
                var restored = Assert.Single(await Mfa.AuditAsync(admin, "bootstrap_admin_restored"));
                Assert.Equal(bootstrapId, restored.GetProperty("target").GetString());
                Assert.Equal("status disabled->active roles +admin", restored.GetProperty("details").GetString());
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempDirectory.Delete(directory);
        }
    }
}
