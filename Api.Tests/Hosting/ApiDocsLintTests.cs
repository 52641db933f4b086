using System.Diagnostics;
using System.Net;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

/// <summary>
/// The document the service serves passes Spectral (spectral:oas) and Redocly (recommended) with
/// no error and no warning, under the rulesets committed at the repository root (.spectral.yaml,
/// redocly.yaml). The linters come from scripts/node (<c>npm ci --prefix scripts/node</c>, as CI runs it).
/// </summary>
[Trait("Category", "External")]
public sealed class ApiDocsLintTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static readonly string Tools = Path.Combine(Repository.Root(), "scripts", "node", "node_modules", ".bin");

    [Fact]
    public async Task Spectral_finds_nothing_in_the_document() =>
        await LintAsync("spectral", document => ["lint", document, "--ruleset", Path.Combine(Repository.Root(), ".spectral.yaml"), "--format", "text", "--fail-severity", "hint"]);

    [Fact]
    public async Task Redocly_finds_nothing_in_the_document() =>
        await LintAsync("redocly", document => ["lint", document, "--config", Path.Combine(Repository.Root(), "redocly.yaml"), "--format", "stylish", "--max-problems", "1000"]);

    private async Task LintAsync(string tool, Func<string, string[]> arguments)
    {
        var executable = Path.Combine(Tools, tool);
        if (!File.Exists(executable) || !OnPath("node"))
        {
            Assert.Skip($"{tool} is not installed: run `npm ci --prefix scripts/node` (needs node on PATH).");
        }

        // Fetched under a host name as a deployment serves it: the document's server is the request's
        // own URL, and the test server's default (localhost) is what no-server-example.com warns of.
        var response = await app.Factory.CreateClient(new() { BaseAddress = new Uri("https://api.strongroom.test") })
            .GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = Path.Combine(Path.GetTempPath(), $"strongroom-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(document, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        try
        {
            var start = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Repository.Root(),
                Environment = { ["NO_COLOR"] = "1", ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" },
            };
            foreach (var argument in arguments(document))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var report = $"{await output}\n{await errors}";
            TestContext.Current.TestOutputHelper?.WriteLine(report);

            // Both print each finding as "<line>:<column> error|warning …"; exit code 0 alone would let warnings through.
            var findings = report.Split('\n').Where(line => System.Text.RegularExpressions.Regex.IsMatch(line, @"\d+:\d+\s+(error|warning|info|information|hint)\s")).ToList();
            Assert.True(process.ExitCode == 0 && findings.Count == 0, $"{tool} exited {process.ExitCode} with {findings.Count} finding(s):\n{report}");
        }
        finally
        {
            File.Delete(document);
        }
    }

    private static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(directory => File.Exists(Path.Combine(directory, command)));
}
