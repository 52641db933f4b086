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
    public void Production_without_a_signing_key_does_not_start()
    {
        var directory = TempDirectory.Create();
        try
        {
            using var factory = new ConfiguredFactory(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Strongroom"] = $"Data Source={Path.Combine(directory, "prod.db")}",
            }, environment: "Production");

            var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

            Assert.Contains("Auth:SigningKey", Flatten(failure));
            // Refused before it touched the database.
            Assert.False(File.Exists(Path.Combine(directory, "prod.db")));
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }

    [Fact]
    public void A_signing_key_shorter_than_256_bits_does_not_start()
    {
        var directory = TempDirectory.Create();
        try
        {
            using var factory = new ConfiguredFactory(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Strongroom"] = $"Data Source={Path.Combine(directory, "short.db")}",
                ["Auth:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
            });

            var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

            Assert.Contains("256 bits", Flatten(failure));
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
