using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

/// <summary>
/// The contract a generated client can trust: Kiota (the dotnet tool of .config/dotnet-tools.json)
/// generates a C# client from the document the running service serves, the KiotaFlow program
/// (Api.Tests/KiotaFlow) compiles against it under the house build rules, and a customer's whole
/// day goes through it over a real socket. Skips, saying so, where `dotnet kiota` cannot run
/// (run `dotnet tool restore`).
/// </summary>
[Trait("Category", "External")]
public sealed class GeneratedClientTests(KestrelApp app) : IClassFixture<KestrelApp>
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan FlowTimeout = TimeSpan.FromSeconds(30);

    // Kiota asks GitHub for a newer release on every run unless offline.
    private static readonly Dictionary<string, string> KiotaEnvironment = new() { ["KIOTA_OFFLINE_ENABLED"] = "true" };

    [Fact]
    public async Task A_kiota_client_generated_from_the_document_compiles_and_carries_a_customer_from_sign_up_to_statement()
    {
        var root = Repository.Root();
        if (!await ExternalProcess.WorksAsync("dotnet", ["kiota", "--version"], root))
        {
            Assert.Skip("`dotnet kiota` does not run here: run `dotnet tool restore` (.config/dotnet-tools.json).");
        }

        var work = TempDirectory.Create();
        try
        {
            var documentPath = Path.Combine(work, "openapi.json");
            var document = await app.CreateClient().GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, document.StatusCode);
            var body = await document.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
            await File.WriteAllBytesAsync(documentPath, body, TestContext.Current.CancellationToken);
            // What the flow's refusal is generated from: without it the program cannot name the error type it catches.
            using var parsed = JsonDocument.Parse(body);
            Assert.True(parsed.RootElement.GetProperty("components").GetProperty("schemas").TryGetProperty("Problem", out var problem)
                && problem.GetProperty("properties").TryGetProperty("code", out _),
                "The document has no `Problem` schema with a `code` property for refusals to be generated from.");

            // The template and the repository's build rules and package versions, in a folder of their own.
            var project = Path.Combine(work, "KiotaFlow");
            Directory.CreateDirectory(project);
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "Api.Tests", "KiotaFlow")))
            {
                File.Copy(file, Path.Combine(project, Path.GetFileName(file)));
            }

            File.Copy(Path.Combine(root, "Directory.Build.props"), Path.Combine(work, "Directory.Build.props"));
            File.Copy(Path.Combine(root, "Directory.Packages.props"), Path.Combine(work, "Directory.Packages.props"));

            var generated = await ExternalProcess.RunAsync("dotnet",
                ["kiota", "generate", "-l", "CSharp", "-d", documentPath, "-o", Path.Combine(project, "Client"),
                 "-n", "Strongroom.Client", "-c", "StrongroomClient", "--exclude-backward-compatible", "--clean-output"],
                root, ToolTimeout, KiotaEnvironment);
            Assert.True(generated.ExitCode == 0, $"kiota generate failed:\n{generated.Output}");

            var output = Path.Combine(work, "out");
            var built = await ExternalProcess.RunAsync("dotnet", ["build", project, "-nologo", "-v", "q", "-o", output], work, BuildTimeout);
            Assert.True(built.ExitCode == 0, $"The generated client does not compile with the flow program:\n{built.Output}");

            var flow = await ExternalProcess.RunAsync("dotnet", [Path.Combine(output, "KiotaFlow.dll"), app.BaseAddress.ToString(), app.AdminEmail, app.AdminPassword],
                work, FlowTimeout);
            Assert.True(flow.ExitCode == 0, $"The flow through the generated client failed:\n{flow.Output}");

            var seen = flow.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => line.Split(": ", 2))
                .Where(parts => parts.Length == 2)
                .GroupBy(parts => parts[0], parts => parts[1])
                .ToDictionary(group => group.Key, group => group.ToList());
            string Seen(string name)
            {
                Assert.True(seen.TryGetValue(name, out var values) && values.Count == 1, $"Expected one '{name}' line in:\n{flow.Output}");
                return values[0];
            }


            Assert.StartsWith("kiota-", Seen("registered"), StringComparison.Ordinal);
            Assert.Equal(["Bearer True", "Bearer True"], seen["signed-in"]);
            Assert.Equal("Main Savings", Seen("opened"));
            // Statuses arrive as the generated enum (the document gives them an `enum`), not as strings.
            Assert.Equal("Posted 10000", Seen("deposit"));
            var transfer = Seen("transfer");
            Assert.EndsWith(" Posted 2500", transfer, StringComparison.Ordinal);
            Assert.Equal("(absent)", Seen("transfer.replayed"));
            // The replay is the same transfer, and says so in a header the client reads.
            Assert.Equal(transfer, Seen("replay"));
            Assert.Equal("true", Seen("replay.replayed"));
            // The refusal is the generated Problem type: its status and its typed `code`.
            Assert.Equal("422 insufficient_funds", Seen("refusal"));
            Assert.Equal("(present)", Seen("refusal.traceId"));
            Assert.Equal("-2500 10000", Seen("statement"));
            Assert.Equal("True 7500 7500", Seen("account"));
        }
        finally
        {
            TempDirectory.Delete(work);
        }
    }
}
