using System.Text.RegularExpressions;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Build;

/// <summary>House rules of the source tree that neither the compiler nor the analyzers enforce.</summary>
public sealed partial class SourceCodeTests
{
    private static readonly string[] SourceFolders = ["Api", "Features", "Infrastructure", "Api.Tests"];

    [Fact]
    public void Using_directives_are_sorted_with_System_first()
    {
        var unsorted = new List<string>();
        foreach (var file in FilesUnder(SourceFolders, "*.cs"))
        {
            var usings = File.ReadLines(file)
                .TakeWhile(line => !line.StartsWith("namespace ", StringComparison.Ordinal))
                .Where(line => line.StartsWith("using ", StringComparison.Ordinal)
                    && !line.StartsWith("using static ", StringComparison.Ordinal)
                    && !line.Contains(" = ", StringComparison.Ordinal))
                .Select(line => line["using ".Length..].TrimEnd(';'))
                .ToList();
            var sorted = usings.OrderBy(name => name == "System" || name.StartsWith("System.", StringComparison.Ordinal) ? 0 : 1)
                .ThenBy(name => name, StringComparer.OrdinalIgnoreCase)
                .ToList();
            if (!usings.SequenceEqual(sorted))
            {
                unsorted.Add($"{Path.GetRelativePath(Repository.Root(), file)}: {string.Join(", ", usings)}");
            }
        }

        Assert.True(unsorted.Count == 0, "Using directives out of order (System first, then alphabetical; `dotnet format` sorts them):\n" + string.Join('\n', unsorted));
    }

    [Fact]
    public void Every_markdown_file_the_repository_mentions_exists_in_it()
    {
        var root = Repository.Root();
        var missing = new List<string>();
        var texts = FilesUnder([.. SourceFolders, "docs", "bench", "scripts", ".ci"], "*")
            .Concat(Directory.EnumerateFiles(root).Where(file => !Path.GetFileName(file).StartsWith('.')));
        foreach (var file in texts.Where(IsText))
        {
            foreach (Match mention in MarkdownFile().Matches(File.ReadAllText(file)))
            {
                var name = mention.Value;
                // Relative to the mentioning file, to the root, or (a bare name) anywhere in the tree.
                var found = File.Exists(Path.Combine(Path.GetDirectoryName(file)!, name))
                    || File.Exists(Path.Combine(root, name))
                    || (!name.Contains('/') && Directory.EnumerateFiles(root, name, SearchOption.AllDirectories).Any());
                if (!found && !name.StartsWith("../shared/", StringComparison.Ordinal))
                {
                    missing.Add($"{Path.GetRelativePath(root, file)} mentions {name}");
                }
            }
        }

        Assert.True(missing.Count == 0, "Mentions of files the repository does not have:\n" + string.Join('\n', missing));
    }

    // A path ending in .md, not part of a URL (those point outside the repository).
    [GeneratedRegex(@"(?<![\w/.:-])(?:\.\./|\./)?(?:[\w-]+/)*[\w-]+\.md\b")]
    private static partial Regex MarkdownFile();

    private static bool IsText(string file) =>
        Path.GetExtension(file) is ".cs" or ".md" or ".props" or ".csproj" or ".json" or ".sh" or ".py" or ".lua" or ".yml" or ".yaml" or ""
        && new FileInfo(file).Length < 1_000_000;

    private static IEnumerable<string> FilesUnder(IEnumerable<string> folders, string pattern) =>
        folders.Select(folder => Path.Combine(Repository.Root(), folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, pattern, SearchOption.AllDirectories))
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
}
