using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Data.Sqlite;
using Strongroom.Api.Tests.Support;
using Strongroom.Features.Identity;

namespace Strongroom.Api.Tests.Identity;

/// <summary>
/// <c>dotnet run</c> on a fresh checkout: in Development with no Bootstrap settings the service makes
/// an admin and prints its credentials once, on its own console. The service is its own process
/// (the apphost of this test build), because only then is its console really its own.
/// </summary>
[Trait("Category", "External")]
public sealed class DevelopmentAdminTests
{
    private const string Banner = "Development admin";

    [Fact]
    public async Task Development_with_nothing_configured_prints_a_working_admin_once_and_not_on_a_restart()
    {
        var directory = TempDirectory.Create();
        try
        {
            string password;
            await using (var first = await ServiceProcess.StartAsync(Development, directory))
            {
                var banner = await BannerAsync(first);
                Assert.Contains($"  email:    {BootstrapAdmin.DevelopmentEmail}", banner);
                Assert.Contains(banner, line => line.StartsWith($"  API reference: {first.Address.GetLeftPart(UriPartial.Authority)}/scalar ", StringComparison.Ordinal));
                password = Assert.Single(banner, line => line.StartsWith("  password: ", StringComparison.Ordinal))["  password: ".Length..];
                Assert.True(password.Length >= 24, password);
                // Only the banner carries it: no log line does.
                Assert.Single(first.StandardOutput, line => line.Contains(password, StringComparison.Ordinal));
                Assert.DoesNotContain(password, string.Join('\n', first.Output.Split('\n').Where(line => !line.StartsWith("  password: ", StringComparison.Ordinal))));

                await AssertIsAdminAsync(first, password);
                await first.TerminateAsync();
                await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
            }

            await using (var restarted = await ServiceProcess.StartAsync(Development, directory))
            {
                await AssertIsAdminAsync(restarted, password);
                await restarted.TerminateAsync();
                await restarted.WaitForExitAsync(TimeSpan.FromSeconds(30));
                Assert.DoesNotContain(Banner, restarted.Output);
                Assert.DoesNotContain(password, restarted.Output);
            }

            Assert.Equal(1, AdminCount(directory));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TempDirectory.Delete(directory);
        }
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Testing")]
    public async Task Outside_Development_nothing_configured_creates_and_prints_no_admin(string environment)
    {
        var directory = TempDirectory.Create();
        try
        {
            await using (var service = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = environment }, directory))
            {
                using var client = new HttpClient { BaseAddress = service.Address };
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready", TestContext.Current.CancellationToken)).StatusCode);
                await service.TerminateAsync();
                await service.WaitForExitAsync(TimeSpan.FromSeconds(30));
                Assert.DoesNotContain(Banner, service.Output);
                Assert.DoesNotContain(BootstrapAdmin.DevelopmentEmail, service.Output);
            }

            Assert.Equal(0, AdminCount(directory));
            Assert.Equal(0, Scalar(directory, "SELECT COUNT(*) FROM users"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TempDirectory.Delete(directory);
        }
    }

    private static Dictionary<string, string> Development => new() { ["ASPNETCORE_ENVIRONMENT"] = "Development" };

    /// <summary>The banner's lines: written once the server listens, a moment after it may first answer.</summary>
    private static async Task<List<string>> BannerAsync(ServiceProcess service)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var lines = service.StandardOutput.ToList();
            var start = lines.FindIndex(line => line.Contains(Banner, StringComparison.Ordinal));
            var end = start < 0 ? -1 : lines.FindIndex(start + 1, line => line.StartsWith("=====", StringComparison.Ordinal));
            if (end > start)
            {
                return lines[start..(end + 1)];
            }

            Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(10), $"No {Banner} banner:\n{service.Output}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The printed credentials sign in, and the token opens an admin-only endpoint.</summary>
    private static async Task AssertIsAdminAsync(ServiceProcess service, string password)
    {
        using var client = new HttpClient { BaseAddress = service.Address };
        var token = await ReplicaClient.TokenAsync(client, BootstrapAdmin.DevelopmentEmail, password);
        // One role is a string, several an array.
        var role = Jwt.Payload(token).GetProperty("role");
        Assert.Contains("admin", role.ValueKind == System.Text.Json.JsonValueKind.Array ? role.EnumerateArray().Select(value => value.GetString()) : [role.GetString()]);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/admin/users", TestContext.Current.CancellationToken)).StatusCode);
    }

    private static long AdminCount(string directory) => Scalar(directory, "SELECT COUNT(*) FROM user_roles WHERE role = 'admin'");

    private static long Scalar(string directory, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "data", "strongroom.db")};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
