using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// What the replicas of one deployment share: one SQLite file, one set of keys, one bootstrap
/// admin. Each <see cref="StartReplica"/> is another replica (its own in-process host) over it.
/// </summary>
public sealed class SharedDeployment : IAsyncDisposable
{
    private readonly List<ConfiguredFactory> _replicas = [];

    public SharedDeployment()
    {
        // The same keys, bootstrap admin and budgets as every single-host fixture, over one shared file.
        Settings = new Dictionary<string, string?>(StrongroomApp.SettingsFor(Secrets))
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:Strongroom"] = $"Data Source={DatabasePath}",
        };
    }

    public AppSecrets Secrets { get; } = AppSecrets.Create();

    public string Directory { get; } = TempDirectory.Create();

    public string DatabasePath => Path.Combine(Directory, "strongroom.db");

    public string AdminEmail => Secrets.AdminEmail;

    public string AdminPassword => Secrets.AdminPassword;

    /// <summary>The settings every replica gets: database, keys, bootstrap admin.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>Starts one more replica with the shared settings plus <paramref name="own"/>.</summary>
    public WebApplicationFactory<Program> StartReplica(IReadOnlyDictionary<string, string?>? own = null, Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?>(Settings);
        foreach (var (key, value) in own ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var replica = new ConfiguredFactory(settings, testServices: services);
        _replicas.Add(replica);
        // Start now, so a start-up failure surfaces here.
        _ = replica.Services.GetRequiredService<SqlDatabase>();
        return replica;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TempDirectory.Delete(Directory);
    }
}

/// <summary>Client calls against any base address or replica: register, sign in, attach the token.</summary>
public static class ReplicaClient
{
    public static HttpClient Client(this WebApplicationFactory<Program> replica, string? token = null)
    {
        var client = replica.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Registers a new customer through <paramref name="client"/>; returns their email.</summary>
    public static async Task<string> RegisterAsync(HttpClient client, string password = "correct horse battery")
    {
        var email = $"user-{Guid.NewGuid():N}@strongroom.test";
        var registered = await client.PostAsJsonAsync("/v1/auth/register", new { email, password, fullName = "Replica Customer" }, TestContext.Current.CancellationToken);
        await registered.AssertJsonAsync(HttpStatusCode.Created);
        return email;
    }

    /// <summary>The password grant through <paramref name="client"/>; returns the access token.</summary>
    public static async Task<string> TokenAsync(HttpClient client, string email, string password = "correct horse battery")
    {
        var issued = await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, password), TestContext.Current.CancellationToken);
        return (await issued.AssertJsonAsync(HttpStatusCode.OK)).GetProperty("access_token").GetString()!;
    }

    /// <summary>The <c>paths</c> of the replica's OpenAPI document.</summary>
    public static async Task<HashSet<string>> OpenApiPathsAsync(HttpClient client)
    {
        var document = await (await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        return [.. document.GetProperty("paths").EnumerateObject().Select(path => path.Name)];
    }

    /// <summary><c>GET /v1/admin/ledger/verify</c>: asserts every invariant holds.</summary>
    public static async Task AssertLedgerVerifiesAsync(HttpClient admin)
    {
        var verify = await (await admin.GetAsync("/v1/admin/ledger/verify", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
    }

    public static async Task<Balance> BalanceAsync(HttpClient reader, string accountId)
    {
        var account = await (await reader.GetAsync($"/v1/accounts/{accountId}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        var balance = account.GetProperty("balance");
        return new Balance(balance.GetProperty("posted").GetInt64(), balance.GetProperty("pending").GetInt64(), balance.GetProperty("available").GetInt64());
    }
}

/// <summary>Why a host did not start: every message of the exception chain, and every options validation failure.</summary>
public static class StartupFailure
{
    public static string Of(WebApplicationFactory<Program> factory)
    {
        var exception = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var messages = new List<string>();
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            messages.Add(current.Message);
            if (current is Microsoft.Extensions.Options.OptionsValidationException validation)
            {
                messages.AddRange(validation.Failures);
            }
        }

        return string.Join(" | ", messages);
    }
}
