using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Strongroom.Api.Tests.Support;
using Strongroom.Features.Users;

namespace Strongroom.Api.Tests.Profiles;

public abstract class ProfileTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    protected TApp App => app;

    [Fact]
    public async Task A_user_reads_and_changes_their_own_profile_only()
    {
        var user = await app.RegisterAndSignInAsync();

        var changed = await (await user.Client.PatchAsJsonAsync("/v1/me", new { phone = "+44 20 7946 0958", address = "1 Vault Lane, London", dateOfBirth = "1990-04-01" }, TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.OK);
        var renamed = await (await user.Client.PatchAsJsonAsync("/v1/me", new { fullName = "Renamed" }, TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.OK);
        var read = await (await user.Client.GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal(user.UserId, read.GetProperty("id").GetString());
        Assert.Equal(user.Email, read.GetProperty("email").GetString());
        Assert.Equal("+44 20 7946 0958", changed.GetProperty("phone").GetString());
        Assert.Equal("Renamed", renamed.GetProperty("fullName").GetString());
        // Fields left out keep their values.
        Assert.Equal("1 Vault Lane, London", read.GetProperty("address").GetString());
        Assert.Equal("1990-04-01", read.GetProperty("dateOfBirth").GetString());
        Assert.Equal(["customer"], read.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Bad_profile_values_and_unknown_members_are_refused()
    {
        var user = await app.RegisterAndSignInAsync();

        var phone = await user.Client.PatchAsJsonAsync("/v1/me", new { phone = "call me maybe" }, TestContext.Current.CancellationToken);
        var future = await user.Client.PatchAsJsonAsync("/v1/me", new { dateOfBirth = "2999-01-01" }, TestContext.Current.CancellationToken);
        var sneaky = await user.Client.PatchAsJsonAsync("/v1/me", new { roles = new[] { "admin" } }, TestContext.Current.CancellationToken);

        await phone.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await future.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await sneaky.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
    }
}

public sealed class ProfileOnSqlite(SqliteApp app) : ProfileTests<SqliteApp>(app)
{
    [Fact]
    public async Task Personal_data_is_not_readable_in_the_raw_database_files()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var email = $"pii-{marker}@example.test";
        var user = await App.RegisterAndSignInAsync(email);
        await (await user.Client.PatchAsJsonAsync("/v1/me", new { phone = "+1 555 0100", address = $"{marker} Secret Street" }, TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.OK);

        // The database and its write-ahead log, byte for byte, as an attacker with the files would see them.
        var raw = new StringBuilder();
        foreach (var file in new[] { App.DatabasePath, App.DatabasePath + "-wal" }.Where(File.Exists))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.Latin1);
            raw.Append(await reader.ReadToEndAsync(TestContext.Current.CancellationToken));
        }

        Assert.True(raw.Length > 0);
        Assert.Contains(user.UserId, raw.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(marker, raw.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("555 0100", raw.ToString(), StringComparison.Ordinal);
    }
}

[Trait("Category", "SqlServer")]
public sealed class ProfileOnSqlServer(SqlServerApp app) : ProfileTests<SqlServerApp>(app);

public sealed class DataKeyRotationTests
{
    [Fact]
    public async Task Rotating_to_a_new_key_keeps_old_rows_readable_and_rewrites_them()
    {
        var directory = TempDirectory.Create();
        var database = Path.Combine(directory, "rotation.db");
        var oldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var newKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var blindIndex = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Dictionary<string, string?> Settings(params (string Id, string Key)[] keys)
        {
            var settings = new Dictionary<string, string?>
            {
                ["ConnectionStrings:Strongroom"] = $"Data Source={database}",
                ["Auth:SigningKey"] = signingKey,
                ["Security:BlindIndexKey"] = blindIndex,
            };
            for (var i = 0; i < keys.Length; i++)
            {
                settings[$"Security:DataKeys:{i}:Id"] = keys[i].Id;
                settings[$"Security:DataKeys:{i}:Key"] = keys[i].Key;
            }

            return settings;
        }

        try
        {
            const string password = "correct horse battery";
            var early = $"early-{Guid.NewGuid():N}@example.test";
            var late = $"late-{Guid.NewGuid():N}@example.test";
            using (var before = new ConfiguredFactory(Settings(("k1", oldKey))))
            {
                await RegisterWithPhoneAsync(before.CreateClient(), early, password);
            }

            Assert.Equal(["k1"], await KeyIdsInUseAsync(database));
            using (var during = new ConfiguredFactory(Settings(("k1", oldKey), ("k2", newKey))))
            {
                // The old row still opens; a new one is written under k2 (the last listed is active).
                Assert.Equal("+1 555 0001", await PhoneOfAsync(during.CreateClient(), early, password));
                await RegisterWithPhoneAsync(during.CreateClient(), late, password);
                Assert.Equal(["k1", "k2"], await KeyIdsInUseAsync(database));

                var rotated = await RotateDataKeys.RunAsync(during.Services, TestContext.Current.CancellationToken);

                Assert.Equal(1, rotated);
            }

            Assert.Equal(["k2"], await KeyIdsInUseAsync(database));
            using var after = new ConfiguredFactory(Settings(("k2", newKey)));
            Assert.Equal("+1 555 0001", await PhoneOfAsync(after.CreateClient(), early, password));
            Assert.Equal("+1 555 0001", await PhoneOfAsync(after.CreateClient(), late, password));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TempDirectory.Delete(directory);
        }
    }

    private static async Task RegisterWithPhoneAsync(HttpClient client, string email, string password)
    {
        (await client.PostJsonAsync("/v1/auth/register", new { email, password, fullName = "Rotating" })).EnsureSuccessStatusCode();
        var token = (await (await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, password), TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.OK)).GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        (await client.PatchAsJsonAsync("/v1/me", new { phone = "+1 555 0001" }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
    }

    private static async Task<string?> PhoneOfAsync(HttpClient client, string email, string password)
    {
        var token = (await (await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, password), TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.OK)).GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var me = await (await client.GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(email, me.GetProperty("email").GetString());
        return me.GetProperty("phone").GetString();
    }

    /// <summary>The key ids the stored ciphertexts name (the part before ':').</summary>
    private static async Task<IReadOnlyList<string>> KeyIdsInUseAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT DISTINCT substr(value, 1, instr(value, ':') - 1) FROM (
                SELECT email AS value FROM users UNION ALL SELECT phone FROM users WHERE phone IS NOT NULL)
            ORDER BY 1
            """;
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
