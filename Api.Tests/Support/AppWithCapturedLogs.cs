using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Strongroom.Api.Tests.Support;

/// <summary>The service with its log captured, as an operator's collector would see it.</summary>
public sealed class AppWithCapturedLogs : SqliteApp
{
    public LogSink Logs { get; } = new() { MinimumLevel = LogLevel.Information };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(Logs);
}
