using System.Reflection;

namespace Strongroom.Infrastructure.Database;

/// <summary>A numbered schema change, e.g. <c>0001_users_and_accounts</c>.</summary>
public sealed record MigrationScript(string Id, string Text);

/// <summary>
/// The schema scripts shipped inside this assembly, one numbered set per engine under
/// <c>Database/Migrations/{Sqlite,SqlServer}</c>, in the order they apply.
/// </summary>
public static class MigrationScripts
{
    private static readonly Assembly Assembly = typeof(MigrationScripts).Assembly;

    public static IReadOnlyList<MigrationScript> For(DatabaseProvider provider)
    {
        var prefix = $"Migrations/{provider}/";
        return [.. Assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => new MigrationScript(Path.GetFileNameWithoutExtension(name[prefix.Length..]), Read(name)))];
    }

    private static string Read(string resourceName)
    {
        using var stream = Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"Missing embedded migration {resourceName}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
