using System.Text.RegularExpressions;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Deploy;

/// <summary>The <c>Dockerfile</c>, read (no Docker engine here), and the service run with exactly the environment it bakes in.</summary>
public sealed partial class DockerfileTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(Repository.Root(), "Dockerfile"));

    private static int IndexOf(string prefix) => Array.FindIndex(Lines, line => line.StartsWith(prefix, StringComparison.Ordinal));

    [Fact]
    public void Restores_in_a_layer_of_its_own_before_the_sources_and_builds_for_the_target_architecture()
    {
        var restore = Array.FindIndex(Lines, line => line.Contains("dotnet restore Api -r", StringComparison.Ordinal));
        var sources = IndexOf("COPY . .");
        Assert.InRange(restore, 0, sources - 1);
        Assert.All(Lines[..restore].Where(line => line.StartsWith("COPY", StringComparison.Ordinal)), line => Assert.DoesNotContain(" . ", line, StringComparison.Ordinal));
        Assert.Contains("ARG TARGETARCH", Lines);
        Assert.Contains(Lines, line => line.Contains("arm64) echo linux-arm64", StringComparison.Ordinal));
        Assert.Contains(Lines, line => line.Contains("scripts/publish /app \"$(cat /tmp/rid)\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Carries_the_oci_labels_and_no_anonymous_volume()
    {
        var text = string.Join('\n', Lines);
        foreach (var label in new[] { "title", "description", "source", "version", "revision" })
        {
            Assert.Contains($"org.opencontainers.image.{label}=", text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(Lines, line => line.StartsWith("VOLUME", StringComparison.Ordinal));
        Assert.Contains("USER 1654", Lines);
    }

    [Fact]
    [Trait("Category", "External")]
    public async Task With_nothing_configured_the_image_refuses_to_start_instead_of_generating_keys()
    {
        var environment = BakedInEnvironment();
        Assert.Equal("Production", environment["ASPNETCORE_ENVIRONMENT"]);
        var folder = TempDirectory.Create();
        try
        {
            environment["HOME"] = folder;
            var run = await ExternalProcess.RunAsync(ServiceProcess.App, [], folder, TimeSpan.FromSeconds(60), environment);
            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains("ConnectionStrings:Strongroom is not set", run.Output, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(folder, "data")), "keys or a database were written");
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    /// <summary>The final stage's <c>ENV</c> (one instruction, continued over lines).</summary>
    private static Dictionary<string, string> BakedInEnvironment()
    {
        var start = Array.FindLastIndex(Lines, line => line.StartsWith("ENV ", StringComparison.Ordinal));
        var instruction = string.Join(' ', Lines[start..].TakeWhile((line, i) => i == 0 || Lines[start + i - 1].TrimEnd().EndsWith('\\')))
            .Replace("\\", " ", StringComparison.Ordinal)[4..];
        return Assignment().Matches(instruction).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
    }

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=(\S+)")]
    private static partial Regex Assignment();
}
