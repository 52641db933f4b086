using System.Text.RegularExpressions;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Vocabulary;

/// <summary>
/// Each capability under <c>Features/</c> depends on the layers below it and never on another
/// capability: the shared nouns live in <c>Vocabulary</c>, paging in <c>Common</c>, and the ledger
/// core that moves money in <c>Ledger</c>. Only the composition root (the files directly in
/// <c>Features/</c>) names every capability.
/// </summary>
public sealed partial class CapabilityBoundaryTests
{
    private static readonly string[] Layers = ["Vocabulary", "Common", "Ledger"];

    [Fact]
    public void No_capability_names_another_capability()
    {
        var features = Path.Combine(Repository.Root(), "Features");
        var folders = Directory.GetDirectories(features).Select(Path.GetFileName).Where(name => name is not ("bin" or "obj")).ToList();
        Assert.Contains("Vocabulary", folders);

        var crossings = new List<string>();
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(features, folder!), "*.cs", SearchOption.AllDirectories))
            {
                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                {
                    foreach (var named in FeatureNamespace().Matches(lines[i]).Select(match => match.Groups["name"].Value))
                    {
                        var allowed = named == folder || (Layers.Contains(named) && Array.IndexOf(Layers, named) <= LayerOf(folder!));
                        if (!allowed)
                        {
                            crossings.Add($"{Path.GetRelativePath(features, file)}:{i + 1} names Strongroom.Features.{named}");
                        }
                    }
                }
            }
        }

        Assert.True(crossings.Count == 0, string.Join(Environment.NewLine, crossings));
    }

    [Fact]
    public void The_check_would_catch_a_capability_importing_another()
    {
        var match = FeatureNamespace().Match("using Strongroom.Features.Identity;");

        Assert.True(match.Success);
        Assert.Equal("Identity", match.Groups["name"].Value);
    }

    /// <summary>A capability may use every layer; a layer only the ones before it in <see cref="Layers"/>.</summary>
    private static int LayerOf(string folder) => Array.IndexOf(Layers, folder) is var index and >= 0 ? index : Layers.Length;

    [GeneratedRegex(@"\bStrongroom\.Features\.(?<name>[A-Z][A-Za-z0-9]*)\b")]
    private static partial Regex FeatureNamespace();
}
