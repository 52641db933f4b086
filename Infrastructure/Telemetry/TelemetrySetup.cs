using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Strongroom.Infrastructure.Telemetry;

/// <summary>
/// OpenTelemetry, switched on only where something will receive it: traces and metrics over OTLP
/// when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter reads the other standard
/// <c>OTEL_*</c> variables itself), metrics in Prometheus text format at <c>/metrics</c> when
/// <c>Telemetry:Prometheus:Enabled</c>, on its own port (<c>Telemetry:Prometheus:Port</c>) and
/// nowhere else. With neither, no SDK is registered and nothing is collected.
/// </summary>
public static class TelemetrySetup
{
    public const string PrometheusPath = "/metrics";

    private const string PrometheusEnabledKey = "Telemetry:Prometheus:Enabled";
    private const string PrometheusPortKey = "Telemetry:Prometheus:Port";
    private const int DefaultPrometheusPort = 9464;

    public static WebApplicationBuilder AddStrongroomTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var prometheusPort = PrometheusPort(configuration);
        if (!otlp && prometheusPort is null)
        {
            return builder;
        }

        if (prometheusPort is { } port)
        {
            ListenAlsoOn(builder, port);
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("strongroom"))
            .WithMetrics(metrics =>
            {
                // ASP.NET Core's own meters (http.server.request.duration, Kestrel's connections), HttpClient's, the runtime's, ours.
                metrics.AddMeter(StrongroomTelemetry.MeterName).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation();
                if (prometheusPort is not null)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(StrongroomTelemetry.SourceName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddSqlClientInstrumentation());
            // Every signal to the endpoint and protocol the OTEL_EXPORTER_OTLP_* settings name.
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Serves <c>/metrics</c> on the Prometheus port and only there, and nothing else on that port:
    /// the port filter is the connection's local port, which a client cannot choose the way it
    /// chooses a Host header. First in the pipeline, so a scrape costs no authentication.
    /// </summary>
    public static WebApplication UseStrongroomMetrics(this WebApplication app)
    {
        if (PrometheusPort(app.Configuration) is not { } port)
        {
            return app;
        }

        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => context.Connection.LocalPort == port && context.Request.Path == PrometheusPath,
            path: null,
            configureBranchedPipeline: null,
            optionsName: null);
        app.Use((context, next) =>
        {
            if (context.Connection.LocalPort == port)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
        return app;
    }

    private static int? PrometheusPort(IConfiguration configuration) =>
        bool.TryParse(configuration[PrometheusEnabledKey], out var enabled) && enabled
            ? int.TryParse(configuration[PrometheusPortKey], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
                ? port
                : configuration[PrometheusPortKey] is null ? DefaultPrometheusPort : throw new InvalidOperationException($"{PrometheusPortKey} must be a TCP port (1 to 65535).")
            : null;

    /// <summary>
    /// Adds the metrics port to the addresses the service already listens on, whichever way they were
    /// given: Kestrel:Endpoints when configured, else the URLs (urls, http_ports/https_ports, or
    /// Kestrel's default). Binding it in code would make Kestrel ignore the configured URLs.
    /// </summary>
    private static void ListenAlsoOn(WebApplicationBuilder builder, int port)
    {
        var metricsUrl = $"http://*:{port.ToString(CultureInfo.InvariantCulture)}";
        if (builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            builder.Configuration["Kestrel:Endpoints:StrongroomMetrics:Url"] = metricsUrl;
            return;
        }

        var urls = Split(builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey));
        if (urls.Length == 0)
        {
            urls = [.. Split(builder.WebHost.GetSetting("http_ports")).Select(p => $"http://*:{p}"),
                .. Split(builder.WebHost.GetSetting("https_ports")).Select(p => $"https://*:{p}")];
        }

        builder.WebHost.UseUrls([.. urls.Length == 0 ? ["http://localhost:5000"] : urls, metricsUrl]);
    }

    private static string[] Split(string? list) => list?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
