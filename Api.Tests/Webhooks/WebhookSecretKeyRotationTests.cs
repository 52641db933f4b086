using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Api.Tests.Support;
using Strongroom.Features.Users;

namespace Strongroom.Api.Tests.Webhooks;

/// <summary>Webhook signing secrets are under the data keys like personal data: <c>rotate-keys</c> rewrites them, and they still sign with only the new key.</summary>
public sealed class WebhookSecretKeyRotationTests
{
    [Fact]
    public async Task After_rotate_keys_an_endpoint_still_signs_with_its_current_and_previous_secret_under_only_the_new_key()
    {
        var directory = TempDirectory.Create();
        var database = Path.Combine(directory, "rotation.db");
        var oldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var newKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var blindIndex = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Dictionary<string, string?> Settings(params (string Id, string Key)[] keys)
        {
            var settings = new Dictionary<string, string?>(WebhookApp.Settings)
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

        await using var receiver = await WebhookReceiver.StartAsync();
        try
        {
            const string password = "correct horse battery";
            var email = $"hooks-{Guid.NewGuid():N}@example.test";
            string id, oldSecret, newSecret;
            using (var before = new ConfiguredFactory(Settings(("k1", oldKey))))
            {
                var client = before.CreateClient();
                (await client.PostAsJsonAsync("/v1/auth/register", new { email, password, fullName = "Hooks" }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
                await SignInAsync(client, email, password);
                var created = await (await client.PostAsJsonAsync("/v1/webhooks/endpoints", new { url = receiver.Url, eventTypes = new[] { "account.opened" } },
                    TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.Created);
                id = created.GetProperty("id").GetString()!;
                oldSecret = created.GetProperty("secret").GetString()!;
                newSecret = (await (await client.PostAsync($"/v1/webhooks/endpoints/{id}/rotate-secret", null, TestContext.Current.CancellationToken))
                    .AssertJsonAsync(HttpStatusCode.OK)).GetProperty("secret").GetString()!;
            }

            using (var during = new ConfiguredFactory(Settings(("k1", oldKey), ("k2", newKey))))
            {
                _ = during.Services.GetRequiredService<Strongroom.Infrastructure.Database.SqlDatabase>();
                await RotateDataKeys.RunAsync(during.Services, TestContext.Current.CancellationToken);
            }

            Assert.Equal(["k2"], await SecretKeyIdsAsync(database));
            using var after = new ConfiguredFactory(Settings(("k2", newKey)));
            var caller = after.CreateClient();
            await SignInAsync(caller, email, password);
            await (await caller.PostAsync($"/v1/webhooks/endpoints/{id}/test", null, TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.Accepted);
            await receiver.WaitUntilAsync(r => r.Count >= 1, "the test event is delivered");
            var received = Assert.Single(receiver.Received);
            WebhookApi.Verify(newSecret, received);
            WebhookApi.Verify(oldSecret, received);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TempDirectory.Delete(directory);
        }
    }

    private static async Task SignInAsync(HttpClient client, string email, string password)
    {
        var token = (await (await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, password), TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.OK)).GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>The key ids the stored webhook secrets name (the part before ':').</summary>
    private static async Task<IReadOnlyList<string>> SecretKeyIdsAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var command = connection.CreateCommand();
        command.CommandText = "SELECT secret FROM webhook_endpoints UNION ALL SELECT previous_secret FROM webhook_endpoints WHERE previous_secret IS NOT NULL";
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            ids.Add(reader.GetString(0).Split(':')[0]);
        }

        return [.. ids];
    }
}
