using Microsoft.Extensions.Configuration.Json;

namespace Strongroom.Api.Hosting;

public static class SettingsBesideBinary
{
    /// <summary>
    /// The <c>appsettings*.json</c> shipped beside the binary are read wherever it is started from.
    /// The content root (and with it <c>data/</c>) stays the working directory, so a folder per
    /// instance still works; settings in that folder, environment variables and the command line
    /// still win over the shipped files, in that order. Nothing is added where the two folders are
    /// the same; where a host chose another content root (the test host: the Api project folder),
    /// the files there win, as they always did.
    /// </summary>
    public static WebApplicationBuilder AddSettingsBesideBinary(this WebApplicationBuilder builder)
    {
        var binaryFolder = Path.GetFullPath(AppContext.BaseDirectory);
        var contentRoot = Path.GetFullPath(builder.Environment.ContentRootPath);
        if (string.Equals(Path.TrimEndingDirectorySeparator(binaryFolder), Path.TrimEndingDirectorySeparator(contentRoot), StringComparison.Ordinal))
        {
            return builder;
        }

        IList<IConfigurationSource> sources = builder.Configuration.Sources;
        // Just before the content root's own appsettings.json, so everything after it keeps its precedence.
        var first = sources.Select((source, index) => (source, index))
            .FirstOrDefault(entry => entry.source is JsonConfigurationSource { Path: "appsettings.json" });
        var at = first.source is null ? sources.Count : first.index;
        foreach (var file in new[] { "appsettings.json", $"appsettings.{builder.Environment.EnvironmentName}.json" }.Reverse())
        {
            var source = new JsonConfigurationSource { Path = Path.Combine(binaryFolder, file), Optional = true, ReloadOnChange = false };
            source.ResolveFileProvider();
            sources.Insert(at, source);
        }

        return builder;
    }
}
