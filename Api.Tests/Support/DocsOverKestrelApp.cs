namespace Strongroom.Api.Tests.Support;

/// <summary>The service with its Scalar reference, on a real loopback Kestrel port a browser can open.</summary>
public sealed class DocsOverKestrelApp : KestrelApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Api:Docs:Enabled"] = "true" };
}
