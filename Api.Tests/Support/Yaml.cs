using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// YAML files (compose, Kubernetes) read as plain data: mappings as dictionaries, sequences as lists,
/// scalars as strings, with anchors and merge keys (<c>&lt;&lt;: *x</c>) resolved as docker compose resolves them.
/// </summary>
public static class Yaml
{
    public static IReadOnlyList<Dictionary<string, object?>> LoadDocuments(string path)
    {
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(reader)));
        return [.. stream.Documents.Where(document => document.RootNode is YamlMappingNode).Select(document => (Dictionary<string, object?>)ToData(document.RootNode)!)];
    }

    public static Dictionary<string, object?> Load(string path) => Assert.Single(LoadDocuments(path));

    public static Dictionary<string, object?> Map(this Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var value) && value is Dictionary<string, object?> child ? child : throw new KeyNotFoundException($"No mapping '{key}' in {string.Join(", ", map.Keys)}");

    public static Dictionary<string, object?>? MapOrNull(this Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var value) ? value as Dictionary<string, object?> : null;

    public static List<object?> List(this Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var value) && value is List<object?> list ? list : [];

    public static string? Text(this Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var value) ? value as string : null;

    /// <summary>Follows <paramref name="path"/> (<c>spec.template.spec</c>) through nested mappings.</summary>
    public static Dictionary<string, object?> At(this Dictionary<string, object?> map, string path) =>
        path.Split('.').Aggregate(map, (current, key) => current.Map(key));

    private static object? ToData(YamlNode node) => node switch
    {
        YamlMappingNode mapping => mapping.Children.ToDictionary(entry => ((YamlScalarNode)entry.Key).Value!, entry => ToData(entry.Value)),
        YamlSequenceNode sequence => sequence.Children.Select(ToData).ToList(),
        YamlScalarNode scalar => scalar.Value,
        _ => null,
    };
}
