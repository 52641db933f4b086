using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

/// <summary>
/// The Scalar page as a developer meets it, in headless Chromium (Debian's `chromium`, driven by
/// playwright-core through scripts/node/scalar-check.mjs): every operation listed, a sign-in with
/// the password flow, GET /v1/accounts sent from its client and answered 200, under the page's
/// same-origin CSP with no console error and nothing fetched from elsewhere. Skips, saying so,
/// where Chromium, node or the npm tools (`npm ci --prefix scripts/node`) are missing.
/// </summary>
[Trait("Category", "External")]
public sealed class ScalarBrowserTests(DocsOverKestrelApp app) : IClassFixture<DocsOverKestrelApp>
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan BrowserTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_scalar_page_lists_every_operation_signs_in_and_gets_200_for_the_callers_accounts_without_a_console_error()
    {
        var script = Path.Combine(Repository.Root(), "scripts", "node", "scalar-check.mjs");
        if (!File.Exists(Chromium))
        {
            Assert.Skip($"No Chromium at {Chromium} (Debian package `chromium`).");
        }

        if (!Directory.Exists(Path.Combine(Repository.Root(), "scripts", "node", "node_modules", "playwright-core"))
            || !await ExternalProcess.WorksAsync("node", ["--version"], Repository.Root()))
        {
            Assert.Skip("No node or no playwright-core: run `npm ci --prefix scripts/node`.");
        }

        var customer = await app.RegisterAndSignInAsync();
        await customer.OpenAccountAsync();
        var document = await (await app.CreateClient().GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => $"{operation.Name.ToUpperInvariant()} {path.Name}"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var results = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(results);
        var screenshot = Path.Combine(results, "scalar-after-request.png");

        var run = await ExternalProcess.RunAsync("node", [script, app.BaseAddress.ToString(), customer.Email, "correct horse battery", screenshot],
            Repository.Root(), BrowserTimeout);

        Assert.True(run.ExitCode == 0, $"The Scalar check failed:\n{run.Output}");
        using var seen = JsonDocument.Parse(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last());
        var page = seen.RootElement;
        TestContext.Current.TestOutputHelper?.WriteLine($"Screenshot: {screenshot}");
        Assert.Equal(documented, page.GetProperty("operations").EnumerateArray().Select(o => o.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(200, page.GetProperty("responses").GetProperty("POST /v1/auth/token").GetInt32());
        Assert.Equal(200, page.GetProperty("responses").GetProperty("GET /v1/accounts").GetInt32());
        Assert.Equal("200 OK", page.GetProperty("shownStatus").GetString());
        Assert.Empty(page.GetProperty("consoleErrors").EnumerateArray());
        // Fonts, telemetry, the agent: nothing may come from Scalar's cloud, which the CSP blocks anyway.
        Assert.Empty(page.GetProperty("foreignRequests").EnumerateArray());
        Assert.True(File.Exists(screenshot));
    }
}
