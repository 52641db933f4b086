using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// The whole service in-process (<see cref="WebApplicationFactory{TEntryPoint}"/>) over a real
/// database of its own: a fresh SQLite file, or a fresh SQL Server database. Tests talk to it
/// over HTTP with real registrations and real tokens, as a client would.
/// </summary>
public abstract class StrongroomApp : IAsyncLifetime
{
    private WebApplicationFactory<Program>? _factory;

    /// <param name="secrets">Shared by replicas of one deployment; a fresh set when null.</param>
    protected StrongroomApp(AppSecrets? secrets = null) => Secrets = secrets ?? AppSecrets.Create();

    public AppSecrets Secrets { get; }

    /// <summary>The HS256 key this instance signs with, so tests can forge tokens that must be refused.</summary>
    public byte[] SigningKey => Secrets.SigningKey;

    public string AdminEmail => Secrets.AdminEmail;

    public string AdminPassword => Secrets.AdminPassword;

    /// <summary>Set when the backing engine cannot run here; every test then skips with this reason.</summary>
    public string? SkipReason { get; protected set; }

    public abstract DatabaseProvider Provider { get; }

    public WebApplicationFactory<Program> Factory => _factory ?? throw new InvalidOperationException("Not initialised.");

    public IServiceProvider Services
    {
        get
        {
            SkipIfUnavailable();
            return Factory.Services;
        }
    }

    /// <summary>Settings the engine needs (provider, connection string).</summary>
    protected abstract ValueTask<IReadOnlyDictionary<string, string?>> PrepareDatabaseAsync();

    /// <summary>Extra settings a particular fixture wants.</summary>
    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>();

    /// <summary>The hosting environment; a fixture may run as Production to see what production serves.</summary>
    protected virtual string EnvironmentName => "Testing";

    /// <summary>Serve over a real Kestrel socket on loopback rather than the in-memory test server, so responses are exactly what goes on the wire.</summary>
    protected virtual bool ServeOverKestrel => false;

    /// <summary>Services a particular fixture replaces (a clock it controls), registered after the service's own.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public async ValueTask InitializeAsync()
    {
        var settings = await PrepareDatabaseAsync();
        if (SkipReason is not null)
        {
            return;
        }

        var all = new Dictionary<string, string?>(settings);
        foreach (var (key, value) in SettingsFor(Secrets))
        {
            all[key] = value;
        }

        foreach (var (key, value) in ExtraSettings)
        {
            all[key] = value;
        }

        _factory = new ConfiguredFactory(all, EnvironmentName, testServices: ConfigureServices);
        if (ServeOverKestrel)
        {
            _factory.UseKestrel(0);
        }

        // Start the host now, so a start-up failure fails the fixture rather than a random test.
        _ = _factory.Services.GetRequiredService<SqlDatabase>();
    }

    /// <summary>What every test host gets whatever its database: the keys and the bootstrap admin of <paramref name="secrets"/>, and a queueing budget for a shared machine.</summary>
    public static IReadOnlyDictionary<string, string?> SettingsFor(AppSecrets secrets) => new Dictionary<string, string?>
    {
        ["Auth:SigningKey"] = Convert.ToBase64String(secrets.SigningKey),
        ["Bootstrap:AdminEmail"] = secrets.AdminEmail,
        ["Bootstrap:AdminPassword"] = secrets.AdminPassword,
        ["Security:DataKeys:0:Id"] = "test-1",
        ["Security:DataKeys:0:Key"] = Convert.ToBase64String(secrets.DataKey),
        ["Security:BlindIndexKey"] = Convert.ToBase64String(secrets.BlindIndexKey),
        // The automatic queueing budget (a few commit times, 10 ms at least) is for a release
        // build on its own machine; a Debug build on a shared one would shed the bursts that
        // race tests send. The tests of shedding set their own (null: automatic).
        ["Ledger:MaxQueueWait"] = "00:00:05",
    };

    public virtual async ValueTask DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    public void SkipIfUnavailable()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }
    }

    public HttpClient CreateClient()
    {
        SkipIfUnavailable();
        var options = new WebApplicationFactoryClientOptions { AllowAutoRedirect = false };
        if (ServeOverKestrel)
        {
            // The client must be pointed at the socket Kestrel actually listens on.
            options.BaseAddress = new Uri(Factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        }

        return Factory.CreateClient(options);
    }

    public async Task<SignedIn> RegisterAndSignInAsync(string? email = null, string password = "correct horse battery")
    {
        email ??= $"user-{Guid.NewGuid():N}@strongroom.test";
        var client = CreateClient();
        var registered = await client.PostAsJsonAsync("/v1/auth/register", new { email, password, fullName = "Test Customer" }, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Created, registered.StatusCode);
        var user = await registered.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return await SignInAsync(email, password, user.GetProperty("id").GetString()!);
    }

    public async Task<SignedIn> SignInAsAdminAsync() => await SignInAsync(AdminEmail, AdminPassword, userId: null);

    public async Task<SignedIn> SignInAsync(string email, string password, string? userId)
    {
        var client = CreateClient();
        var response = await client.PostAsync("/v1/auth/token", TokenForm(email, password), TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("access_token").GetString()!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new SignedIn(userId ?? Jwt.Subject(token), email, token, client);
    }

    public static FormUrlEncodedContent TokenForm(string username, string password) => new(new Dictionary<string, string>
    {
        ["grant_type"] = "password",
        ["username"] = username,
        ["password"] = password,
    });

}

/// <summary>A signed-in caller: their id, and a client that sends their bearer token.</summary>
public sealed record SignedIn(string UserId, string Email, string Token, HttpClient Client)
{
    /// <summary>The same caller, with the same token, talking to another replica.</summary>
    public SignedIn On(StrongroomApp replica)
    {
        var client = replica.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return this with { Client = client };
    }
}

/// <summary>The keys and the bootstrap admin: what every replica of one deployment must agree on.</summary>
public sealed record AppSecrets(byte[] SigningKey, byte[] DataKey, byte[] BlindIndexKey, string AdminEmail, string AdminPassword)
{
    public static AppSecrets Create() => new(
        RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32),
        $"admin-{Guid.NewGuid():N}@strongroom.test", $"Admin-{Guid.NewGuid():N}");

    /// <summary>The environment of the service run as a process in Production, as an operator runs it: these keys, one data key named <paramref name="dataKeyId"/>, a database under <c>data/</c>.</summary>
    public Dictionary<string, string> ProductionEnvironment(string dataKeyId) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["ConnectionStrings__Strongroom"] = "Data Source=data/strongroom.db",
        ["Auth__SigningKey"] = Convert.ToBase64String(SigningKey),
        ["Security__DataKeys__0__Id"] = dataKeyId,
        ["Security__DataKeys__0__Key"] = Convert.ToBase64String(DataKey),
        ["Security__BlindIndexKey"] = Convert.ToBase64String(BlindIndexKey),
        ["Bootstrap__AdminEmail"] = AdminEmail,
        ["Bootstrap__AdminPassword"] = AdminPassword,
    };
}

/// <summary>The service with exactly these settings, environment and content root (and, for a fixture that needs one, replaced services).</summary>
public sealed class ConfiguredFactory(IReadOnlyDictionary<string, string?> settings, string environment = "Testing", string? contentRoot = null,
    Action<IServiceCollection>? testServices = null)
    : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        // Every answer of every test host is checked against the document it serves.
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, ContractCheckStartupFilter>());
        if (testServices is not null)
        {
            builder.ConfigureTestServices(testServices);
        }

        if (contentRoot is not null)
        {
            builder.UseContentRoot(contentRoot);
        }

        // Every test registers its users from the one (unknown) client address of the test server;
        // the registration limit is tested by fixtures that set it.
        builder.UseSetting("Auth:RegistrationRateLimit:PermitLimit", "1000000");
        // No load balancer to wait for: a test host stops at once.
        builder.UseSetting("Hosting:ShutdownDrainDelay", "00:00:00");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
