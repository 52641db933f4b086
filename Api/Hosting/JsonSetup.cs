using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Strongroom.Features;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Api.Hosting;

public static class JsonSetup
{
    public static IServiceCollection AddStrongroomJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, StrongroomJsonContext.Default);
            options.SerializerOptions.TypeInfoResolverChain.Insert(1, HostingJsonContext.Default);
            // A misspelt or unexpected member is an error, not silently ignored (no mass assignment).
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            // An amount is a JSON number: "100" is refused (400), not read as 100 as the web defaults
            // would. The document then types every integer as integer, not "integer or numeric string".
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            // {"amount":1,"amount":1000} or {"amount":1,"AMOUNT":1000}: a gateway in front may read the
            // first, we would read the last. Refused (400), case-insensitively like the binding itself.
            options.SerializerOptions.AllowDuplicateProperties = false;
            // No control characters or unpaired surrogates in any string of any request body.
            options.SerializerOptions.TypeInfoResolver = options.SerializerOptions.TypeInfoResolver!.WithAddedModifier(PlainText.Require);
        });
}
