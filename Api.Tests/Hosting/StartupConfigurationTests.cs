using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

public sealed class StartupConfigurationTests
{
    [Fact]
    public void Production_without_a_signing_key_does_not_start_nor_touch_the_database()
    {
        var (failure, databaseCreated) = StartFailure(environment: "Production", signingKey: null);

        Assert.Contains("Auth:SigningKey", failure);
        Assert.False(databaseCreated);
    }

    [Fact]
    public void A_signing_key_shorter_than_256_bits_does_not_start()
    {
        var (failure, _) = StartFailure(environment: "Testing", signingKey: Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));

        Assert.Contains("256 bits", failure);
    }

    [Fact]
    public void A_previous_signing_key_shorter_than_256_bits_does_not_start()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Strongroom"] = $"Data Source={Path.Combine(Path.GetTempPath(), $"never-{Guid.NewGuid():N}.db")}",
            ["Auth:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Auth:PreviousSigningKeys:0"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
        }, "Testing");

        var failure = Flatten(Assert.ThrowsAny<Exception>(() => factory.CreateClient()));

        Assert.Contains("Auth:PreviousSigningKeys", failure);
    }

    [Theory]
    [InlineData("Events:Retention", "00:00:00")]
    [InlineData("Events:Retention", "-1.00:00:00")]
    [InlineData("Events:PurgeInterval", "00:00:00")]
    public void An_event_retention_or_purge_interval_that_is_not_positive_does_not_start(string setting, string value)
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Strongroom"] = $"Data Source={Path.Combine(Path.GetTempPath(), $"never-{Guid.NewGuid():N}.db")}",
            ["Auth:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            [setting] = value,
        }, "Testing");

        var failure = Flatten(Assert.ThrowsAny<Exception>(() => factory.CreateClient()));

        Assert.Contains($"{setting} must be positive", failure);
    }

    [Theory]
    [InlineData("Encrypt=False")]
    [InlineData("Encrypt=Optional")]
    public void An_unencrypted_sql_server_connection_is_refused_before_connecting(string encryption)
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "SqlServer",
            // Nothing listens on port 1: had the service tried to connect, the error would be a network one.
            ["ConnectionStrings:Strongroom"] = $"Server=127.0.0.1,1;Database=strongroom;User Id=app;Password=unused;{encryption};Connect Timeout=1",
            ["Auth:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        }, "Production");

        var failure = Flatten(Assert.ThrowsAny<Exception>(() => factory.CreateClient()));

        Assert.Contains("Encrypt=Mandatory or Strict", failure);
    }

    /// <summary>Starts the service on a configured (not embedded-default) SQLite file; returns why it failed.</summary>
    private static (string Failure, bool DatabaseCreated) StartFailure(string environment, string? signingKey)
    {
        var directory = TempDirectory.Create();
        try
        {
            var database = Path.Combine(directory, "configured.db");
            using var factory = new ConfiguredFactory(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Strongroom"] = $"Data Source={database}",
                ["Auth:SigningKey"] = signingKey,
            }, environment);

            var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

            return (Flatten(failure), File.Exists(database));
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }

    [Fact]
    public async Task The_embedded_default_needs_no_configuration_and_keeps_its_key_across_restarts()
    {
        var contentRoot = TempDirectory.Create();
        try
        {
            string token;
            using (var first = new ConfiguredFactory(new Dictionary<string, string?>(), environment: "Production", contentRoot: contentRoot))
            {
                var client = first.CreateClient();
                var email = $"first-{Guid.NewGuid():N}@example.test";
                (await client.PostJsonAsync("/v1/auth/register", new { email, password = "correct horse battery", fullName = "F" })).EnsureSuccessStatusCode();
                var issued = await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, "correct horse battery"), TestContext.Current.CancellationToken);
                token = (await issued.AssertJsonAsync(HttpStatusCode.OK)).GetProperty("access_token").GetString()!;
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/scalar/")).StatusCode);
            }

            var data = Path.Combine(contentRoot, "data");
            Assert.True(File.Exists(Path.Combine(data, "strongroom.db")));
            Assert.True(File.Exists(Path.Combine(data, "signing.key")));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "signing.key")));
            }

            await using (var connection = new SqliteConnection($"Data Source={Path.Combine(data, "strongroom.db")}"))
            {
                await connection.OpenAsync(TestContext.Current.CancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA journal_mode";
                Assert.Equal("wal", (string?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
                // FULL (2): a commit is on disk before it is acknowledged, even across a power cut.
                command.CommandText = "PRAGMA synchronous";
                Assert.Equal(2L, (long?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
            }

            using var second = new ConfiguredFactory(new Dictionary<string, string?>(), environment: "Production", contentRoot: contentRoot);
            var again = second.CreateClient();
            again.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/v1/accounts")).StatusCode);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TempDirectory.Delete(contentRoot);
        }
    }

    private static string Flatten(Exception exception)
    {
        var messages = new List<string>();
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            messages.Add(current.Message);
            if (current is OptionsValidationException validation)
            {
                messages.AddRange(validation.Failures);
            }
        }

        return string.Join(" | ", messages);
    }
}
