using Microsoft.Extensions.Logging.Console;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Api.Hosting;

public static class ConsoleLogs
{
    /// <summary>
    /// One JSON object per line in Production, for a collector to parse; the simple, readable lines
    /// in Development and on the embedded default (a person at a terminal). <c>Logging:Console:FormatterName</c>
    /// (<c>json</c>, <c>simple</c>, <c>systemd</c>) chooses either way. Every line written while a request
    /// is served carries its trace and span id (in <c>Scopes</c>), so a line can be found from a
    /// problem's <c>traceId</c> and joined to a trace.
    /// </summary>
    public static WebApplicationBuilder AddStrongroomLogs(this WebApplicationBuilder builder)
    {
        var configured = builder.Configuration["Logging:Console:FormatterName"];
        var formatter = !string.IsNullOrWhiteSpace(configured) ? configured
            : builder.Environment.IsProduction() && !DatabaseSetup.IsEmbeddedDefault(builder.Configuration) ? ConsoleFormatterNames.Json
            : ConsoleFormatterNames.Simple;
        // The slim builder registers the simple formatter alone; these bring in the JSON one (and
        // name the choice, which is otherwise "simple" whatever the configuration says).
        builder.Logging.AddJsonConsole(json =>
        {
            json.IncludeScopes = true;
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss.fff'Z'";
        });
        builder.Logging.AddConsole(console => console.FormatterName = formatter);
        builder.Logging.Configure(logging => logging.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        return builder;
    }
}
