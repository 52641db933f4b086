using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

/// <summary>
/// Prometheus at <c>/metrics</c> on a port of its own, with the service as its own process (the
/// apphost of this test build): that is where the extra Kestrel address must be added to the URLs
/// the service was started with, not instead of them.
/// </summary>
public sealed partial class TelemetryPrometheusTests
{
    private const int Transfers = 7;

    [Fact]
    public async Task Metrics_port_serves_the_ledger_metrics_and_the_public_port_does_not()
    {
        var secrets = AppSecrets.Create();
        var metricsPort = ServiceProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Strongroom"] = "Data Source=data/strongroom.db",
            ["Auth__SigningKey"] = Convert.ToBase64String(secrets.SigningKey),
            ["Security__DataKeys__0__Id"] = "telemetry-1",
            ["Security__DataKeys__0__Key"] = Convert.ToBase64String(secrets.DataKey),
            ["Security__BlindIndexKey"] = Convert.ToBase64String(secrets.BlindIndexKey),
            ["Bootstrap__AdminEmail"] = secrets.AdminEmail,
            ["Bootstrap__AdminPassword"] = secrets.AdminPassword,
            ["Ledger__MaxQueueWait"] = "00:00:05",
            ["Hosting__ShutdownDrainDelay"] = "00:00:00",
            ["Telemetry__Prometheus__Enabled"] = "true",
            ["Telemetry__Prometheus__Port"] = metricsPort.ToString(CultureInfo.InvariantCulture),
        };
        await using var service = await ServiceProcess.StartAsync(environment);
        using var customer = new HttpClient { BaseAddress = service.Address };
        var email = await ReplicaClient.RegisterAsync(customer);
        customer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ReplicaClient.TokenAsync(customer, email));
        var from = await OpenAsync(customer, "From");
        var to = await OpenAsync(customer, "To");
        using var admin = new HttpClient { BaseAddress = service.Address };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ReplicaClient.TokenAsync(admin, secrets.AdminEmail, secrets.AdminPassword));
        await (await admin.PostWithKeyAsync("/v1/deposits", new { accountId = from, amount = 1_000, currency = "EUR" }, LedgerClient.NewKey()))
            .AssertJsonAsync(HttpStatusCode.Created);

        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        var before = await ScrapeAsync(scraper);
        for (var i = 0; i < Transfers; i++)
        {
            await (await customer.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(from, to, 1), LedgerClient.NewKey())).AssertJsonAsync(HttpStatusCode.Created);
        }

        // One refused for its code: more than the account holds.
        await (await customer.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(from, to, 1_000_000), LedgerClient.NewKey()))
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");

        // The exporter answers a scrape from a copy up to 300 ms old: scrape until the refusal shows, within a deadline.
        var after = await ScrapeAsync(scraper);
        for (var deadline = DateTime.UtcNow.AddSeconds(10); Sample(after, "strongroom_ledger_transfers_total", "outcome=\"refused\"") == 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            after = await ScrapeAsync(scraper);
        }

        Assert.Equal(Transfers, Sample(after, "strongroom_ledger_transfers_total", "outcome=\"posted\"") - Sample(before, "strongroom_ledger_transfers_total", "outcome=\"posted\""));
        Assert.Equal(1, Sample(after, "strongroom_ledger_transfers_total", "code=\"insufficient_funds\""));
        Assert.True(Sample(after, "strongroom_ledger_group_size_count") >= Transfers + 1, after);
        Assert.True(Sample(after, "strongroom_ledger_commit_duration_seconds_count") > 0, after);
        Assert.True(Sample(after, "strongroom_ledger_commit_duration_seconds_sum") > 0, after);
        Assert.Contains("strongroom_ledger_queue_depth", after);
        Assert.Contains("http_server_request_duration_seconds_bucket", after);

        // Never on the public port, anonymous or not; and the API is not served on the metrics port.
        Assert.Equal(HttpStatusCode.NotFound, (await customer.GetAsync("/metrics", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await new HttpClient { BaseAddress = service.Address }.GetAsync("/metrics", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/metrics", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync("/health/ready", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync($"/v1/accounts/{from}", TestContext.Current.CancellationToken)).StatusCode);
    }

    private static async Task<string> ScrapeAsync(HttpClient scraper)
    {
        var response = await scraper.GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain <paramref name="label"/> (0 when there are none yet).</summary>
    private static double Sample(string exposition, string name, string label = "") =>
        exposition.Split('\n')
            .Select(line => SampleLine().Match(line))
            .Where(match => match.Success && match.Groups["name"].Value == name && match.Groups["labels"].Value.Contains(label, StringComparison.Ordinal))
            .Sum(match => double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture));

    private static async Task<string> OpenAsync(HttpClient customer, string name)
    {
        var opened = await customer.PostAsync("/v1/accounts", System.Net.Http.Json.JsonContent.Create(new { currency = "EUR", name }), TestContext.Current.CancellationToken);
        return (await opened.AssertJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)")]
    private static partial Regex SampleLine();
}

/// <summary>
/// Traces over OTLP/HTTP (protobuf) to a receiver in the test. The receiver decodes the few
/// protobuf fields it needs by hand (<see cref="OtlpSpans"/>: span name, trace and span ids, link
/// trace ids, attribute keys), so the assertions are about the spans themselves, not bytes found
/// somewhere in a payload.
/// </summary>
public sealed class TelemetryOtlpTests(OtlpApp app) : IClassFixture<OtlpApp>
{
    private static readonly TimeSpan Export = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_transfer_sent_with_a_traceparent_is_in_that_trace_and_linked_from_its_group_commit()
    {
        var admin = await app.SignInAsAdminAsync();
        var (owner, from) = await app.OpenFundedAccountAsync(admin, 100);
        var to = await owner.OpenAccountAsync();
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var parentSpanId = ActivitySpanId.CreateRandom().ToHexString();

        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/transfers") { Content = System.Net.Http.Json.JsonContent.Create(LedgerClient.Transfer(from, to, 5)) };
        request.Headers.Add("Idempotency-Key", LedgerClient.NewKey());
        request.Headers.Add("traceparent", $"00-{traceId}-{parentSpanId}-01");
        await (await owner.Client.SendAsync(request, TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.Created);

        var server = await app.Receiver.WaitForAsync(span => span.TraceId == traceId && span.ParentSpanId == parentSpanId, $"in trace {traceId} with parent {parentSpanId}", Export);
        Assert.Contains("/v1/transfers", server.Name, StringComparison.Ordinal);
        var commit = await app.Receiver.WaitForAsync(span => span.Name == "ledger.commit" && span.LinkTraceIds.Contains(traceId), $"ledger.commit linked to {traceId}", Export);
        Assert.NotEqual(traceId, commit.TraceId);
        Assert.Contains("strongroom.ledger.group_size", commit.AttributeKeys);
    }
}

/// <summary>
/// The default run (neither OTLP nor Prometheus configured): nothing collected, and every problem's
/// <c>traceId</c> still the W3C id of the request's span, in the trace the client's <c>traceparent</c> named.
/// </summary>
public sealed class TelemetryTraceIdTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public void Nothing_is_collected_when_nothing_receives_it()
    {
        Assert.Null(app.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
        Assert.Null(app.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
    }

    [Fact]
    public async Task A_problem_carries_the_incoming_trace_id()
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/no-such-thing");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        var problem = await (await app.CreateClient().SendAsync(request, TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Matches($"^00-{traceId}-[0-9a-f]{{16}}-0[01]$", problem.GetProperty("traceId").GetString());
    }
}
