using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Strongroom.Api.Tests.Support;

/// <summary>The service with the money-movement rate limit lifted (the fuzzer is one user sending thousands of requests) and its log kept in memory.</summary>
public sealed class FuzzApp : SqliteApp
{
    public LogSink Log { get; } = new() { MinimumLevel = LogLevel.Error };

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Api:MoneyMovementRateLimit:PermitLimit"] = "1000000",
        ["Api:MoneyMovementRateLimit:TokensPerSecond"] = "1000000",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(Log);
}
