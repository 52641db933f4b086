using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

/// <summary>
/// The service's console output as a log collector reads it: the service is its own process (the
/// apphost of this test build) in Production, its standard output captured line by line.
/// </summary>
[Trait("Category", "External")]
public sealed class ConsoleLogTests
{
    private const string Password = "correct horse battery staple";
    private const string FullName = "Philippa Quartermaine-Oduya";

    [Fact]
    public async Task Production_writes_one_json_object_per_line_with_the_trace_and_span_id_of_the_request()
    {
        var secrets = AppSecrets.Create();
        await using var service = await ServiceProcess.StartAsync(Production(secrets));
        using var client = new HttpClient { BaseAddress = service.Address };
        var email = $"logs-{Guid.NewGuid():N}@strongroom.test";
        await (await client.PostAsJsonAsync("/v1/auth/register", new { email, password = Password, fullName = FullName }, TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.Created);
        // A failed sign-in is logged (Information) while the request is served.
        await (await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, "not the password"), TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.BadRequest);
        var token = await ReplicaClient.TokenAsync(client, email, Password);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var missing = await (await client.GetAsync($"/v1/accounts/{Guid.NewGuid():N}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.NotFound);

        await service.TerminateAsync();
        await service.WaitForExitAsync(TimeSpan.FromSeconds(30));

        var lines = service.StandardOutput.Where(line => line.Length > 0).ToList();
        Assert.NotEmpty(lines);
        var entries = new List<JsonElement>();
        foreach (var line in lines)
        {
            using var document = ParseOrFail(line);
            var entry = document.RootElement.Clone();
            Assert.Equal(JsonValueKind.Object, entry.ValueKind);
            foreach (var field in new[] { "Timestamp", "LogLevel", "Category", "Message" })
            {
                Assert.True(entry.TryGetProperty(field, out _), $"No {field} in {line}");
            }

            entries.Add(entry);
        }

        var failedSignIn = Assert.Single(entries, entry => entry.GetProperty("Message").GetString()!.StartsWith("Failed sign-in", StringComparison.Ordinal));
        var (traceId, spanId) = TraceOf(failedSignIn);
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.Matches("^[0-9a-f]{16}$", spanId);

        // From a problem's traceId (00-<trace>-<span>-01) to the lines of its request.
        var problemTrace = missing.GetProperty("traceId").GetString()!.Split('-')[1];
        Assert.Contains(entries, entry => TraceOf(entry).TraceId == problemTrace
            && entry.GetProperty("Message").GetString()!.Contains("/v1/accounts/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_run_logs_none_of_the_secrets_or_personal_data_it_was_given()
    {
        var secrets = AppSecrets.Create();
        var environment = new Dictionary<string, string>(Production(secrets))
        {
            // The most an operator would turn on for the framework: every request and its route.
            ["Logging__LogLevel__Default"] = "Debug",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
        };
        await using var service = await ServiceProcess.StartAsync(environment);
        using var client = new HttpClient { BaseAddress = service.Address };
        var cancellation = TestContext.Current.CancellationToken;
        var email = $"Secret.Person-{Guid.NewGuid():N}@strongroom.test";
        await (await client.PostAsJsonAsync("/v1/auth/register", new { email, password = Password, fullName = FullName }, cancellation)).AssertJsonAsync(HttpStatusCode.Created);
        await (await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, Password + "!"), cancellation)).AssertJsonAsync(HttpStatusCode.BadRequest);
        var issued = await (await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, Password), cancellation)).AssertJsonAsync(HttpStatusCode.OK);
        var refreshToken = issued.GetProperty("refresh_token").GetString()!;
        var refreshed = await (await client.PostAsync("/v1/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
        }), cancellation)).AssertJsonAsync(HttpStatusCode.OK);
        var accessToken = refreshed.GetProperty("access_token").GetString()!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        await (await client.GetAsync("/v1/me", cancellation)).AssertJsonAsync(HttpStatusCode.OK);
        var from = (await (await client.PostAsJsonAsync("/v1/accounts", new { currency = "EUR", name = "Main" }, cancellation)).AssertJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var to = (await (await client.PostAsJsonAsync("/v1/accounts", new { currency = "EUR", name = "Other" }, cancellation)).AssertJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var admin = new HttpClient { BaseAddress = service.Address };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ReplicaClient.TokenAsync(admin, secrets.AdminEmail, secrets.AdminPassword));
        await (await admin.PostWithKeyAsync("/v1/deposits", new { accountId = from, amount = 1_000L, currency = "EUR" }, LedgerClient.NewKey())).AssertJsonAsync(HttpStatusCode.Created);
        await (await client.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(from, to, 250), LedgerClient.NewKey())).AssertJsonAsync(HttpStatusCode.Created);
        var revoked = await client.PostAsync("/v1/auth/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = refreshed.GetProperty("refresh_token").GetString()! }), cancellation);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);

        await service.TerminateAsync();
        await service.WaitForExitAsync(TimeSpan.FromSeconds(30));

        var output = service.Output;
        Assert.Contains("/v1/transfers", output, StringComparison.Ordinal);
        var used = new Dictionary<string, string>
        {
            ["the password"] = Password,
            ["the wrong password"] = Password + "!",
            ["the admin's password"] = secrets.AdminPassword,
            ["the email"] = email,
            ["the admin's email"] = secrets.AdminEmail,
            ["the full name"] = FullName,
            ["the access token"] = accessToken,
            ["the access token's signature"] = accessToken.Split('.')[2],
            ["the first refresh token"] = refreshToken,
            ["the refresh token"] = refreshed.GetProperty("refresh_token").GetString()!,
            ["the signing key"] = Convert.ToBase64String(secrets.SigningKey),
            ["the data key"] = Convert.ToBase64String(secrets.DataKey),
            ["the blind index key"] = Convert.ToBase64String(secrets.BlindIndexKey),
        };
        foreach (var (what, value) in used)
        {
            Assert.False(output.Contains(value, StringComparison.OrdinalIgnoreCase), $"The log holds {what}.");
            Assert.False(output.Contains(Uri.EscapeDataString(value), StringComparison.OrdinalIgnoreCase), $"The log holds {what}, URL-encoded.");
        }
    }

    /// <summary>Production as an operator runs it: configured keys, a named database, nothing chosen for the logs.</summary>
    private static Dictionary<string, string> Production(AppSecrets secrets) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["ConnectionStrings__Strongroom"] = "Data Source=data/strongroom.db",
        ["Auth__SigningKey"] = Convert.ToBase64String(secrets.SigningKey),
        ["Security__DataKeys__0__Id"] = "logs-1",
        ["Security__DataKeys__0__Key"] = Convert.ToBase64String(secrets.DataKey),
        ["Security__BlindIndexKey"] = Convert.ToBase64String(secrets.BlindIndexKey),
        ["Bootstrap__AdminEmail"] = secrets.AdminEmail,
        ["Bootstrap__AdminPassword"] = secrets.AdminPassword,
        ["Logging__LogLevel__Microsoft.AspNetCore"] = "Information",
    };

    private static JsonDocument ParseOrFail(string line)
    {
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException exception)
        {
            Assert.Fail($"Not a JSON line ({exception.Message}): {line}");
            throw;
        }
    }

    /// <summary>The TraceId and SpanId the line carries in its scopes (empty when written outside a request).</summary>
    private static (string TraceId, string SpanId) TraceOf(JsonElement entry)
    {
        var (traceId, spanId) = ("", "");
        if (entry.TryGetProperty("Scopes", out var scopes))
        {
            foreach (var scope in scopes.EnumerateArray().Where(scope => scope.ValueKind == JsonValueKind.Object))
            {
                traceId = scope.TryGetProperty("TraceId", out var t) ? t.GetString()! : traceId;
                spanId = scope.TryGetProperty("SpanId", out var s) ? s.GetString()! : spanId;
            }
        }

        return (traceId, spanId);
    }
}
