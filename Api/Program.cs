using Microsoft.Extensions.Options;
using Strongroom.Api.Hosting;
using Strongroom.Features;
using Strongroom.Features.Identity;
using Strongroom.Features.Users;
using Strongroom.Infrastructure.Caching;
using Strongroom.Infrastructure.Database;
using Strongroom.Infrastructure.Hosting;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;
using Strongroom.Infrastructure.Telemetry;

// `strongroom migrate` applies the schema and exits: production runs it with DDL rights and the
// service itself with least-privilege credentials (Database:MigrateOnStartup=false).
// `strongroom rotate-keys` re-encrypts personal data under the active data key and exits.
var command = args is [("migrate" or "rotate-keys") and var verb, ..] ? verb : null;
// `strongroom probe [url]` asks a running instance whether it is ready: the container health check.
if (args is ["probe", ..])
{
    Environment.ExitCode = await HealthProbe.RunAsync(args[1..]);
    return;
}

// Configuration is read once at start-up (keys rotate replica by replica, by restart). Reloading on
// change would watch the whole content root, data/ included, and wake a thread for every write
// the database makes: 15% of the CPU of a transfer. An operator can still pass it as true.
string[] hostArgs = ["--hostBuilder:reloadConfigOnChange=false", .. command is null ? args : args[1..]];
var builder = WebApplication.CreateSlimBuilder(hostArgs);
builder.AddSettingsBesideBinary();
builder.AddStrongroomLogs();
builder.AddStrongroomTelemetry();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
// The slim builder leaves HTTPS out; this brings back https:// URLs with a certificate from Kestrel:Certificates.
builder.WebHost.UseKestrelHttpsConfiguration();

// Configuration and services
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddGracefulShutdown();
builder.Services.AddStrongroomDatabase();
builder.Services.AddStrongroomCache();
builder.Services.AddStrongroomReplicas(Modules.All);
builder.Services.AddStrongroomSecurity();
builder.Services.AddStrongroomHttp();
builder.Services.AddStrongroomJson();
builder.Services.AddStrongroomApiDocs();
builder.Services.AddFeatures();

var app = builder.Build();

if (command == "migrate")
{
    var applied = await app.Services.GetRequiredService<MigrationRunner>().ApplyAsync(app.Lifetime.ApplicationStopping);
    Console.WriteLine(applied.Count == 0 ? "Schema is up to date." : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}.");
    await BootstrapAdmin.EnsureAsync(app.Services, app.Lifetime.ApplicationStopping);
    return;
}

if (command == "rotate-keys")
{
    app.Services.GetRequiredService<IStartupValidator>().Validate();
    var rotated = await RotateDataKeys.RunAsync(app.Services, app.Lifetime.ApplicationStopping);
    Console.WriteLine($"Re-encrypted {rotated} record(s) under the active data key.");
    return;
}

// Fail on bad configuration (missing signing key, …) before touching the database.
app.Services.GetRequiredService<IStartupValidator>().Validate();
if (await app.PrepareDatabaseAsync())
{
    await BootstrapAdmin.EnsureAsync(app.Services, app.Lifetime.ApplicationStopping, serving: true);
}

// Middleware
app.UseStrongroomMetrics();
app.UseStrongroomHttp();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

// Endpoints
app.MapHealthEndpoints();
app.MapStrongroomApiDocs();
app.MapFeatures();

app.Run();

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
